// dht_lookup_ms: the median of 10 lookups of a published record on a DHT of
// our own (test/net/dht-node-fixture.ts: N bittorrent-dht nodes in a process
// of their own), from a client that joined through three of them, as a node
// does through the mainline routers. Beside it, one KRPC ping round trip to
// one of those nodes: a lookup's unit of work, so the ratio counts how many
// sequential round trips a lookup costs.
import { createSocket } from "node:dgram";
import { join } from "node:path";
import type { PeerId } from "../src/protocol/peer-id.ts";
import { DhtClient } from "../src/reach/dht/dht-client.ts";
import { parseBootstrap, type BootstrapNode } from "../src/reach/dht/dht-bootstrap.ts";
import { generateDiscoveryKey } from "../src/reach/dht/discovery-key.ts";
import { encodeRecord } from "../src/reach/dht/record.ts";
import { figure, type Figure, type Scale } from "./figure.ts";
import { median } from "./fixture.ts";

const FIXTURE = join(import.meta.dir, "..", "test", "net", "dht-node-fixture.ts");
const LOOKUPS = 10;
const WARMUP = 2;
const PEER = "P56IOI7-MZJNU2Y-IQGDREY-DM2MGTI-MGL3BXN-PQ6W5BM-TBBZ4TJ-XZWICQ2" as PeerId;

export async function figureDht(s: Scale): Promise<Figure[]> {
  const proc = Bun.spawn([process.execPath, FIXTURE, "--count", String(s.dhtNodes), "--exit-with-stdin"], { stdin: "pipe", stdout: "pipe", stderr: "inherit" });
  try {
    const nodes = await readyLine(proc.stdout);
    const lookups: number[] = [];
    {
      await using publisher = await DhtClient.start({ bootstrap: nodes.slice(0, 3), host: "127.0.0.1" });
      await using resolver = await DhtClient.start({ bootstrap: nodes.slice(-3), host: "127.0.0.1" });
      const key = generateDiscoveryKey();
      const record = encodeRecord({ peerId: PEER, addresses: ["127.0.0.1:20001"], relays: [] }, key);
      await publisher.publish(record);
      for (let i = 0; i < WARMUP + LOOKUPS; i++) {
        const t0 = performance.now();
        const found = await resolver.resolve(key.publicKey);
        const ms = performance.now() - t0;
        if (found?.seq !== record.seq) throw new Error(`lookup ${i} found ${found ? `seq ${found.seq}` : "nothing"}`);
        if (i >= WARMUP) lookups.push(ms);
      }
    }
    const rtt = await krpcPingRtt(nodes[nodes.length - 1]!, WARMUP + LOOKUPS);
    return [figure("dht_lookup_ms", median(lookups), "ms", median(rtt.slice(WARMUP)), "< 100")];
  } finally {
    proc.stdin.end();
    const exited = await Promise.race([proc.exited, Bun.sleep(5_000).then(() => null)]);
    if (exited === null) proc.kill();
  }
}

/** Reads the fixture's lines up to `ready HOST:PORT,...`. */
async function readyLine(stdout: ReadableStream<Uint8Array>): Promise<BootstrapNode[]> {
  const dec = new TextDecoder();
  let buf = "";
  for await (const chunk of stdout) {
    buf += dec.decode(chunk, { stream: true });
    const m = /^ready (\S+)$/m.exec(buf);
    if (m) return parseBootstrap(m[1]!);
  }
  throw new Error(`dht-node-fixture ended before its ready line: ${buf}`);
}

/** Round trips of a KRPC ping (BEP 5), one at a time, in ms. */
async function krpcPingRtt(node: BootstrapNode, n: number): Promise<number[]> {
  const sock = createSocket("udp4");
  await new Promise<void>((r) => sock.bind(0, "127.0.0.1", () => r()));
  const id = Buffer.alloc(20, 7);
  const out: number[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const t = Buffer.from([0x70, i & 0xff]);
      // d1:ad2:id20:<id>e1:q4:ping1:t2:<t>1:y1:qe, keys in bencode's sorted order.
      const query = Buffer.concat([Buffer.from("d1:ad2:id20:"), id, Buffer.from("e1:q4:ping1:t2:"), t, Buffer.from("1:y1:qe")]);
      const { promise, resolve, reject } = Promise.withResolvers<void>();
      const timer = setTimeout(() => reject(new Error(`no answer to KRPC ping from ${node.host}:${node.port}`)), 5_000);
      const onMessage = (msg: Buffer) => {
        if (msg.includes(Buffer.concat([Buffer.from("1:t2:"), t]))) resolve();
      };
      sock.on("message", onMessage);
      const t0 = performance.now();
      sock.send(query, node.port, node.host);
      try {
        await promise;
      } finally {
        clearTimeout(timer);
        sock.off("message", onMessage);
      }
      out.push(performance.now() - t0);
    }
  } finally {
    await new Promise<void>((r) => sock.close(() => r()));
  }
  return out;
}
