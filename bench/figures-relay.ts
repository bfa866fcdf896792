// relay_throughput: messages per second over a link through a local relay
// (p2pchat relay; strelaysrv too when installed), beside the same link made
// directly in the same run. Each endpoint and each relay is a process of its
// own; the messages are acked by the receiving link (no database).
import type { Subprocess } from "bun";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { figure, type Figure, type Scale } from "./figure.ts";
import { median, spawnFixture, type Fixture } from "./fixture.ts";

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
  const dir = await mkdtemp(join(tmpdir(), "p2pchat-bench-relaylinks-"));
  await using rx = spawnFixture("relay-fixture.ts");
  await using tx = spawnFixture("relay-fixture.ts");
  await using ours = await p2pchatRelay();
  const bin = Bun.which("strelaysrv");
  await using theirs = bin ? await strelaysrv(bin) : null;
  try {
    const b = await rx.call<{ peerId: string }>("start", { dir: join(dir, "b"), name: "bob" });
    await tx.call("start", { dir: join(dir, "a"), name: "alice" });
    const { port } = await rx.call<{ port: number }>("listen");
    await tx.call("dialDirect", { key: "direct", port, expect: b.peerId });
    const keys = ["direct"];
    // bob stays joined to both relays; alice holds a link through each, and a direct one.
    for (const [key, relay] of [["ours", ours], ["strelaysrv", theirs]] as const) {
      if (!relay) continue;
      await rx.call("join", { uri: relay.uri });
      await tx.call("dialRelay", { key, uri: relay.uri, to: b.peerId });
      keys.push(key);
    }
    const r = await rates(tx, keys, s.messages);
    const figures = [figure("relay_direct_link", r.get("direct")!, "msg/s", null, null), figure("relay_throughput", r.get("ours")!, "msg/s", "relay_direct_link", null)];
    if (r.has("strelaysrv")) figures.push(figure("relay_throughput_strelaysrv", r.get("strelaysrv")!, "msg/s", "relay_direct_link", null));
    for (const f of [rx, tx]) await f.call("stop");
    return figures;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
