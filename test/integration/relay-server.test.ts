// Our relay server's limits, with raw relayed streams (no TLS inside, so
// the bytes counted are the bytes relayed): --max-sessions and the rates
// through the CLI, the rest on an in-process server with short timeouts.
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import type { Duplex } from "node:stream";
import { RelayClient, type RelayClientState } from "../../src/reach/relay/relay-client.ts";
import { RelayError } from "../../src/reach/relay/relay-error.ts";
import { RelayServer } from "../../src/relay-server/relay-server.ts";
import { connectThroughRelay, joinSession, requestInvitation, type Invitation } from "../../src/reach/relay/relay-session.ts";
import type { RelayAddress } from "../../src/reach/relay/uri.ts";
import type { Identity } from "../../src/transport/identity.ts";
import { runCli } from "../helpers/cli.ts";
import { eventually } from "../helpers/nodes.ts";
import { newIdentity } from "../helpers/raw-peer.ts";
import { FAST_BACKOFF } from "../helpers/relay-peers.ts";
import { startP2pchatRelay } from "../helpers/relays.ts";

setDefaultTimeout(60_000);

const KIB = 1024;

/** A member whose invitations become raw streams (pushed to `streams`). */
async function rawMember(relay: RelayAddress, identity: Identity, opts: { ignore?: boolean; manual?: Invitation[] } = {}) {
  const streams: Duplex[] = [];
  const states: RelayClientState[] = [];
  const client = new RelayClient({
    relay,
    identity,
    backoff: FAST_BACKOFF,
    onState: (s) => states.push(s),
    onInvitation: (inv) => void (opts.manual ? opts.manual.push(inv) : opts.ignore ? null : joinSession(inv).then((s) => streams.push(s), () => {})),
  }).start();
  return { client, streams, states, [Symbol.asyncDispose]: () => client.stop() };
}

/** Writes `bytes` into `from` and resolves with the ms until `to` has read them all. */
async function transfer(from: Duplex, to: Duplex, bytes: number): Promise<number> {
  const got = Promise.withResolvers<void>();
  let n = 0;
  to.on("data", (c: Buffer) => {
    n += c.byteLength;
    if (n >= bytes) got.resolve();
  });
  const t0 = performance.now();
  for (let sent = 0; sent < bytes; sent += 16 * KIB) from.write(new Uint8Array(Math.min(16 * KIB, bytes - sent)).fill(7));
  await got.promise;
  return performance.now() - t0;
}

/** A relayed raw stream pair from `alice` (dialer) to a raw member. */
async function pair(relay: RelayAddress, alice: Identity, member: Awaited<ReturnType<typeof rawMember>>, bobId: Identity["peerId"]) {
  const before = member.streams.length;
  const { stream } = await connectThroughRelay(relay, alice, bobId);
  await eventually(() => member.streams.length > before, "the member's side of the session");
  return { a: stream as Duplex, b: member.streams[before]! };
}

describe("p2pchat relay flags", () => {
  test("--max-sessions 1: a second session is refused with RelayFull until the first ends", async () => {
    await using relay = await startP2pchatRelay(["--max-sessions", "1"]);
    const [alice, bob] = [await newIdentity("alice"), await newIdentity("bob")];
    await using member = await rawMember(relay.relay, bob);
    await member.client.whenJoined();
    const { a, b } = await pair(relay.relay, alice, member, bob.peerId);
    expect(await transfer(a, b, 1000)).toBeGreaterThan(0);
    const err = await requestInvitation(relay.relay, alice, bob.peerId).catch((e: unknown) => e);
    expect((err as RelayError).code).toBe("RELAY_FULL");
    a.destroy();
    await eventually(async () => (await requestInvitation(relay.relay, alice, bob.peerId).then(() => true, () => false)), "a session once the first ended");
  });

  test("--rate 64: a session carries 64 KiB/s after its first second's worth; unlimited, the same bytes pass at once", async () => {
    const [alice, bob] = [await newIdentity("alice"), await newIdentity("bob")];
    const size = 192 * KIB;
    await using limited = await startP2pchatRelay(["--rate", "64"]);
    await using m1 = await rawMember(limited.relay, bob);
    await m1.client.whenJoined();
    const slow = await pair(limited.relay, alice, m1, bob.peerId);
    const slowMs = await transfer(slow.a, slow.b, size);
    await using free = await startP2pchatRelay();
    await using m2 = await rawMember(free.relay, bob);
    await m2.client.whenJoined();
    const fast = await pair(free.relay, alice, m2, bob.peerId);
    const fastMs = await transfer(fast.a, fast.b, size);
    // (192 - 64) KiB at 64 KiB/s: 2 s.
    expect(slowMs).toBeGreaterThan(1_800);
    expect(slowMs).toBeLessThan(6_000);
    expect(fastMs).toBeLessThan(1_000);
    for (const s of [slow.a, fast.a]) s.destroy();
  });

  test("--global-rate 64: two sessions share one budget", async () => {
    await using relay = await startP2pchatRelay(["--global-rate", "64"]);
    const [alice, bob] = [await newIdentity("alice"), await newIdentity("bob")];
    await using member = await rawMember(relay.relay, bob);
    await member.client.whenJoined();
    const one = await pair(relay.relay, alice, member, bob.peerId);
    const two = await pair(relay.relay, alice, member, bob.peerId);
    const t0 = performance.now();
    await Promise.all([transfer(one.a, one.b, 96 * KIB), transfer(two.a, two.b, 96 * KIB)]);
    expect(performance.now() - t0).toBeGreaterThan(1_800); // 192 KiB in all, 64 KiB of it at once
    for (const s of [one.a, two.a]) s.destroy();
  });

  test("bad numbers are usage errors", async () => {
    for (const args of [["--rate", "fast"], ["--max-sessions", "0"], ["--global-rate", "-1"], ["--port", "70000"]]) {
      const r = await runCli(["relay", "--home", "/nonexistent-p2pchat-home", ...args]);
      expect({ args, code: r.exitCode, out: r.stdout }).toEqual({ args, code: 2, out: "" });
      expect(r.stderr).toContain(args[0]!.slice(2));
    }
  });
});

describe("relay server", () => {
  const start = async (o: Partial<Parameters<typeof RelayServer.start>[0]> = {}) =>
    RelayServer.start({ identity: await newIdentity("relay"), host: "127.0.0.1", port: 0, timeouts: { joinMs: 300, identifyMs: 300 }, ...o });

  test("a session nobody joins is forgotten after the join timeout; joining it later is NOT_FOUND", async () => {
    await using server = await start();
    const [alice, bob] = [await newIdentity("alice"), await newIdentity("bob")];
    await using member = await rawMember(server.address, bob, { ignore: true });
    await member.client.whenJoined();
    const inv = await requestInvitation(server.address, alice, bob.peerId);
    expect(server.stats().pendingSessions).toBe(1);
    await eventually(() => server.stats().pendingSessions === 0, "the session forgotten");
    const err = await joinSession(inv).catch((e: unknown) => e);
    expect((err as RelayError).code).toBe("NOT_FOUND");
  });

  test("bytes sent before the other side joins arrive first and intact, even behind the relay's answer", async () => {
    await using server = await start({ timeouts: { joinMs: 10_000 } });
    const [alice, bob] = [await newIdentity("alice"), await newIdentity("bob")];
    const invitations: Invitation[] = [];
    await using member = await rawMember(server.address, bob, { manual: invitations });
    await member.client.whenJoined();
    const { stream } = await connectThroughRelay(server.address, alice, bob.peerId);
    const early = Buffer.from("\x16\x03\x01 first bytes, sent before bob joined");
    stream.write(early);
    await eventually(() => invitations.length === 1, "bob's invitation");
    const theirs = await joinSession(invitations[0]!);
    const got = await new Promise<Buffer>((resolve) => theirs.once("data", resolve));
    expect(got).toEqual(early);
    stream.destroy();
  });

  test("--max-members: the next member is told the relay is full and backs off the longest", async () => {
    await using server = await start({ maxMembers: 1 });
    await using bob = await rawMember(server.address, await newIdentity("bob"));
    await bob.client.whenJoined();
    await using carol = await rawMember(server.address, await newIdentity("carol"));
    await eventually(() => carol.states.some((s) => s.state === "waiting"), "carol refused");
    const w = carol.states.find((s) => s.state === "waiting") as Extract<RelayClientState, { state: "waiting" }>;
    expect([w.error.code, w.retryInMs]).toEqual(["RELAY_FULL", FAST_BACKOFF.maxMs!]);
    expect(server.stats().members).toBe(1);
  });

  test("garbage, silence and a second join under the same id are turned away; the relay keeps working", async () => {
    await using server = await start();
    const closed = (bytes: string | null) => {
      const done = Promise.withResolvers<void>();
      void Bun.connect({ hostname: "127.0.0.1", port: server.address.port, socket: { open: (s) => void (bytes && s.write(bytes)), data() {}, close: () => done.resolve() } });
      return done.promise;
    };
    await Promise.all([closed("GET / HTTP/1.1\r\n\r\n"), closed(null), closed("\x9e\x79\xbc\x40\x00\x00\x00\x09")]);
    const [alice, bob] = [await newIdentity("alice"), await newIdentity("bob")];
    await using member = await rawMember(server.address, bob);
    await member.client.whenJoined();
    await using twin = await rawMember(server.address, bob);
    await eventually(() => twin.states.some((s) => s.state === "waiting" && s.error.code === "ALREADY_CONNECTED"), "the twin refused");
    const { a, b } = await pair(server.address, alice, member, bob.peerId);
    expect(await transfer(a, b, 100 * KIB)).toBeGreaterThan(0);
    expect(server.stats()).toMatchObject({ members: 1, activeSessions: 1 });
    expect(server.stats().bytesRelayed).toBeGreaterThanOrEqual(100 * KIB);
    a.destroy();
  });
});

describe("p2pchat relay's own words", () => {
  test("the ready line names an address peers can dial (never 0.0.0.0), one line per address; --debug logs each member and session with its bytes", async () => {
    const { cliCommand, cliEnv } = await import("../helpers/cli.ts");
    const { tempDir } = await import("../helpers/tmp.ts");
    const { textLines } = await import("../../src/transport/lines.ts");
    const { parseRelayUri } = await import("../../src/reach/relay/uri.ts");
    await using dir = await tempDir("p2pchat-relay-");
    const proc = Bun.spawn(cliCommand(["relay", "--home", dir.path, "--port", "0", "--debug"]), { env: cliEnv(), stdin: "ignore", stdout: "pipe", stderr: "pipe" });
    try {
      const out = textLines(proc.stdout)[Symbol.asyncIterator]();
      const ready = (await out.next()).value as string;
      const uri = /^ready: relay (relay:\/\/\S+)$/.exec(ready)?.[1];
      expect(uri).toBeDefined();
      const relay = parseRelayUri(uri!);
      expect(relay.host).not.toBe("0.0.0.0");
      const err: string[] = [];
      const seen = Promise.withResolvers<void>();
      void (async () => {
        for await (const line of textLines(proc.stderr)) {
          err.push(line);
          if (/session \S+ -> \S+: ended, \d+ bytes in /.test(line)) seen.resolve();
        }
      })();
      const [alice, bob] = [await newIdentity("alice"), await newIdentity("bob")];
      await using member = await rawMember(relay, bob);
      await member.client.whenJoined();
      const { a, b } = await pair(relay, alice, member, bob.peerId);
      await transfer(a, b, 5000);
      a.destroy();
      await seen.promise;
      const short = (id: string) => id.split("-")[0];
      const lines = err.map((l) => l.replace(/^\[debug\] \[p2pchat:relay\] /, ""));
      expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^${short(bob.peerId)} joined from \\S+$`)));
      expect(lines).toContain(`session ${short(alice.peerId)} -> ${short(bob.peerId)}: invited`);
      const ended = lines.find((l) => l.includes(": ended,"))!;
      expect(Number(/ended, (\d+) bytes/.exec(ended)![1])).toBeGreaterThanOrEqual(5000);
    } finally {
      proc.kill();
      await proc.exited;
    }
  });
});
