// relay_throughput: messages per second between two real nodes (each in a
// process of its own, with its SQLite database) that only a local relay
// connects (p2pchat relay; strelaysrv too when installed), printed beside
// throughput_sqlite, the same two nodes linked directly in the same run.
// relay_link_throughput: the same at the link level (a link acks what it
// reads, no database), beside relay_direct_link: what the relay alone costs.
import type { Subprocess } from "bun";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { figure, type Figure, type Scale } from "./figure.ts";
import { median, spawnFixture, type Fixture } from "./fixture.ts";
import { deliveryRate, pair } from "./figures-link.ts";

const SIZE = 100;
const ROOT = join(import.meta.dir, "..");

interface Relay extends AsyncDisposable {
  uri: string;
}

/** The first line of `stream` matching `re` (the rest is read and dropped). */
async function lineMatching(stream: ReadableStream<Uint8Array>, re: RegExp, what: string): Promise<string> {
  const dec = new TextDecoder();
  let buf = "";
  let found: string | null = null;
  const reader = stream.getReader();
  while (found === null) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`${what} exited before it was ready`);
    buf += dec.decode(value, { stream: true });
    found = re.exec(buf)?.[1] ?? null;
  }
  void (async () => {
    while (!(await reader.read()).done);
  })();
  return found;
}

function relayOf(proc: Subprocess, dir: string, uri: string): Relay {
  return {
    uri,
    async [Symbol.asyncDispose]() {
      proc.kill("SIGKILL");
      await proc.exited;
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function p2pchatRelay(): Promise<Relay> {
  const dir = await mkdtemp(join(tmpdir(), "p2pchat-bench-relay-"));
  const proc = Bun.spawn([process.execPath, join(ROOT, "src", "main.ts"), "relay", "--home", dir, "--host", "127.0.0.1", "--port", "0"], {
    env: { ...process.env, NO_COLOR: "1" },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "ignore",
  });
  return relayOf(proc, dir, await lineMatching(proc.stdout, /^ready: relay (relay:\/\/\S+)/m, "p2pchat relay"));
}

async function strelaysrv(bin: string): Promise<Relay> {
  const dir = await mkdtemp(join(tmpdir(), "p2pchat-bench-strelaysrv-"));
  const probe = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = probe.port;
  probe.stop(true);
  const proc = Bun.spawn([bin, `-keys=${dir}`, `-listen=127.0.0.1:${port}`, "-pools=", "-status-srv=", "-nat=false", "-protocol=tcp4"], {
    cwd: dir,
    stdin: "ignore",
    stdout: "ignore",
    stderr: "pipe",
  });
  const uri = await lineMatching(proc.stderr, /URI: (relay:\/\/\S+)/, "strelaysrv");
  // It prints its URI before it listens: wait until it accepts.
  for (let i = 0; ; i++) {
    const up = await Bun.connect({ hostname: "127.0.0.1", port, socket: { data() {} } }).then((s) => (s.terminate(), true), () => false);
    if (up) break;
    if (i > 500) throw new Error("strelaysrv does not listen");
    await Bun.sleep(10);
  }
  return relayOf(proc, dir, uri);
}

/** Messages per second on each named link, the links taking turns (three rounds, median), after a warm-up each. */
async function rates(tx: Fixture, keys: string[], n: number): Promise<Map<string, number>> {
  const seen = new Map<string, number[]>(keys.map((k) => [k, []]));
  for (const key of keys) await tx.call("blast", { key, count: Math.ceil(n / 10), size: SIZE });
  for (let round = 0; round < 3; round++) {
    for (const key of keys) {
      const { ms } = await tx.call<{ ms: number }>("blast", { key, count: n, size: SIZE });
      seen.get(key)!.push(n / (ms / 1000));
    }
  }
  return new Map([...seen].map(([k, v]) => [k, median(v)]));
}

export async function figureRelay(s: Scale): Promise<Figure[]> {
  await using ours = await p2pchatRelay();
  const bin = Bun.which("strelaysrv");
  await using theirs = bin ? await strelaysrv(bin) : null;
  const relays = [["", ours] as const, ...(theirs ? [["_strelaysrv", theirs] as const] : [])];
  const figures: Figure[] = [];
  for (const [suffix, relay] of relays) figures.push(figure(`relay_throughput${suffix}`, await nodeRate(s, relay), "msg/s", "throughput_sqlite", null));
  return [...figures, ...(await linkFigures(s, relays))];
}

/** Messages per second from alice's node to bob's through `relay` (the same count and size as throughput_sqlite). */
async function nodeRate(s: Scale, relay: Relay): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), "p2pchat-bench-relaynodes-"));
  try {
    await using p = await pair(dir, { relay: relay.uri });
    const rate = await deliveryRate(p, s.messages);
    const links = await p.a.call<{ peer: string; via: string | null }[]>("links");
    if (links.length !== 1 || !links[0]!.via?.startsWith("relay ")) throw new Error(`not through the relay: ${JSON.stringify(links)}`);
    return rate;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function linkFigures(s: Scale, relays: readonly (readonly [string, Relay])[]): Promise<Figure[]> {
  const dir = await mkdtemp(join(tmpdir(), "p2pchat-bench-relaylinks-"));
  await using rx = spawnFixture("relay-fixture.ts");
  await using tx = spawnFixture("relay-fixture.ts");
  try {
    const b = await rx.call<{ peerId: string }>("start", { dir: join(dir, "b"), name: "bob" });
    await tx.call("start", { dir: join(dir, "a"), name: "alice" });
    const { port } = await rx.call<{ port: number }>("listen");
    await tx.call("dialDirect", { key: "direct", port, expect: b.peerId });
    const keys = ["direct"];
    // bob stays joined to each relay; alice holds a link through each, and a direct one.
    for (const [suffix, relay] of relays) {
      await rx.call("join", { uri: relay.uri });
      await tx.call("dialRelay", { key: `relay${suffix}`, uri: relay.uri, to: b.peerId });
      keys.push(`relay${suffix}`);
    }
    const r = await rates(tx, keys, s.messages);
    const figures = [figure("relay_direct_link", r.get("direct")!, "msg/s", null, null)];
    for (const [suffix] of relays) figures.push(figure(`relay_link_throughput${suffix}`, r.get(`relay${suffix}`)!, "msg/s", "relay_direct_link", null));
    for (const f of [rx, tx]) await f.call("stop");
    return figures;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
