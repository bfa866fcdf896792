// Hole punching without a network in between: where others see us, and two
// PunchExchanges wired to each other as a relayed link would carry their
// frames. The SYNs themselves cannot cross on loopback (a SYN that finds no
// socket is refused within microseconds, so two connects are never under
// way at once): here a switchboard joins the two ends when both dialed
// each other's candidate from their own, as two NATs would let them;
// test/net/punch.test.ts crosses real SYNs through real routers.
import { describe, expect, test } from "bun:test";
import { once } from "node:events";
import * as net from "node:net";
import type { PunchFrame } from "../../../src/protocol/reach-frames.ts";
import { ObservedAddresses, OBSERVED_TTL_MS } from "../../../src/reach/punch/observed.ts";
import { PunchExchange, type Punched, type PunchExchangeDeps } from "../../../src/reach/punch/punch-exchange.ts";
import { openSimultaneously, type Endpoint, type Opened, type OpenOptions } from "../../../src/reach/punch/simultaneous-open.ts";
import { splitHostPort, wireHostProblem } from "../../../src/reach/net/wire-address.ts";

describe("observed addresses", () => {
  test("IPs only, public before private, the most sources then the freshest first; reports expire", () => {
    let now = 1_000_000;
    const o = new ObservedAddresses(() => now);
    expect(o.note("192.168.1.7:5000", "peer-a")).toBe(true);
    expect(o.note("11.0.0.2:40312", "peer-a")).toBe(true);
    expect(o.note("11.0.0.2:40999", "peer-b")).toBe(false); // known: not news
    now += 10;
    expect(o.note("203.0.113.9:1", "peer-c")).toBe(true);
    for (const bad of ["[fe80::1]:1", "0.0.0.0:1", "host.example:1", "nonsense", "224.0.0.1:5"]) expect(o.note(bad, "peer-d")).toBe(false);
    expect(o.ips(8)).toEqual(["11.0.0.2", "203.0.113.9", "192.168.1.7"]);
    expect(o.candidates(40001)).toEqual(["11.0.0.2:40001", "203.0.113.9:40001"]);
    expect(o.publicIps()).toEqual(["11.0.0.2", "203.0.113.9"]);
    now += OBSERVED_TTL_MS - 5;
    expect(o.ips(8)).toEqual(["203.0.113.9"]);
    now += 10;
    expect(o.candidates(1)).toEqual([]);
  });

  test("an IPv6 address keeps its brackets in a candidate; a mapped IPv4 loses its prefix", () => {
    const o = new ObservedAddresses();
    o.note("[2001:db8::5]:7", "a");
    o.note("[::ffff:11.0.0.3]:7", "b");
    expect(o.candidates(9, 8).sort()).toEqual(["11.0.0.3:9", "[2001:db8::5]:9"]);
  });
});

/** Loopback candidates, screened as the node screens a peer's (loopback allowed: the relay is on loopback). */
const screen = (addrs: readonly string[]): Endpoint[] =>
  addrs.map(splitHostPort).filter((a): a is Endpoint => a !== null && wireHostProblem(a.host, { fromLoopback: true }) === null);

/**
 * Both ends of one loopback TCP connection, handed out once each side has
 * dialed the other's candidate from the port its own candidate named (what
 * a crossing of SYNs yields); a dial nobody meets waits until its deadline.
 */
function switchboard() {
  const waiting = new Map<string, { o: OpenOptions; done: PromiseWithResolvers<Opened> }>();
  const dials: string[] = [];
  const open = (o: OpenOptions): Promise<Opened> => {
    const done = Promise.withResolvers<Opened>();
    const t = o.targets[0]!;
    dials.push(`${o.localPort}->${t.port}`);
    const other = waiting.get(`${t.port}->${o.localPort}`);
    if (other) {
      waiting.delete(`${t.port}->${o.localPort}`);
      const server = net.createServer((theirs) => {
        server.close();
        other.done.resolve({ socket: theirs, remote: { host: "127.0.0.1", port: o.localPort } });
      });
      server.listen(0, "127.0.0.1", () => {
        const mine = net.connect((server.address() as net.AddressInfo).port, "127.0.0.1", () => done.resolve({ socket: mine, remote: t }));
      });
    } else {
      waiting.set(`${o.localPort}->${t.port}`, { o, done });
      const timer = setTimeout(() => done.reject(new Error(`no SYN crossed within ${o.timeoutMs} ms`)), o.timeoutMs);
      void done.promise.finally(() => clearTimeout(timer)).catch(() => {});
    }
    return done.promise;
  };
  return { open, dials };
}

/** Two exchanges whose frames go to each other, recorded in order. */
function pair(a: Partial<PunchExchangeDeps> = {}, b: Partial<PunchExchangeDeps> = {}) {
  const log: string[] = [];
  const board = switchboard();
  let left!: PunchExchange;
  let right!: PunchExchange;
  const wire = (name: string, to: () => PunchExchange) => (f: PunchFrame) => {
    log.push(`${name} ${f.type}`);
    queueMicrotask(() => to().frame(f));
  };
  const base = { candidates: (port: number) => [`127.0.0.1:${port}`], screen, open: board.open, timeouts: { answerMs: 2_000, syncMs: 2_000, openMs: 3_000 } };
  left = new PunchExchange({ ...base, send: wire("initiator", () => right), ...a });
  right = new PunchExchange({ ...base, send: wire("responder", () => left), ...b });
  // (Wrapped: a promise resolved with a promise would take on its outcome.)
  const responded = Promise.withResolvers<{ r: Promise<Punched> }>();
  right.onResponse = (r) => responded.resolve({ r });
  return { left, right, log, dials: board.dials, responded: responded.promise };
}

describe("an exchange", () => {
  test("offer, answer, sync, and both ends hold the two ends of one TCP connection", async () => {
    const p = pair();
    const [mine, theirs] = await Promise.all([p.left.initiate(), p.responded.then((x) => x.r)]);
    expect(p.log).toEqual(["initiator punch-offer", "responder punch-answer", "initiator punch-sync"]);
    // The responder dials on the sync, the initiator half a round trip later: each from the port it offered, to the other's.
    expect(p.dials).toHaveLength(2);
    expect([mine.socket.localPort, mine.socket.remotePort]).toEqual([theirs.socket.remotePort, theirs.socket.localPort]);
    expect([mine.attempt, theirs.attempt]).toEqual([1, 1]);
    // One connection: what one writes, the other reads.
    mine.socket.write("across the hole");
    const [chunk] = (await once(theirs.socket, "data")) as [Buffer];
    expect(chunk.toString()).toBe("across the hole");
    mine.socket.destroy();
    theirs.socket.destroy();
  });

  test("a side nobody has told its public address to says so, and neither side dials", async () => {
    const p = pair({}, { candidates: () => [] });
    const mine = p.left.initiate();
    await expect(mine).rejects.toThrow("the peer gave up: nobody has told me the address the internet sees me at yet");
    await expect((await p.responded).r).rejects.toThrow("nobody has told me");
    expect(p.log).toEqual(["initiator punch-offer", "responder punch-cancel"]);
    const lonely = pair({ candidates: () => [] });
    await expect(lonely.left.initiate()).rejects.toThrow("nobody has told us the address the internet sees us at yet");
    expect(lonely.log).toEqual([]);
  });

  test("addresses that must not be dialed are not: the attempt is cancelled on both sides", async () => {
    const p = pair({ candidates: (port) => [`169.254.169.254:${port}`] });
    await expect(p.left.initiate()).rejects.toThrow("none of your addresses can be dialed from here");
    expect(p.log).toEqual(["initiator punch-offer", "responder punch-cancel"]);
  });

  test("a peer that never answers, or never syncs: each side gives up after its own wait", async () => {
    const silent = new PunchExchange({ send: () => {}, candidates: (port) => [`127.0.0.1:${port}`], screen, timeouts: { answerMs: 50 } });
    await expect(silent.initiate()).rejects.toThrow("waiting for the peer's punch answer timed out");
    const sent: PunchFrame[] = [];
    const responder = new PunchExchange({ send: (f) => sent.push(f), candidates: (port) => [`127.0.0.1:${port}`], screen, timeouts: { syncMs: 50 } });
    const r = Promise.withResolvers<{ r: Promise<Punched> }>();
    responder.onResponse = (x) => r.resolve({ r: x });
    responder.frame({ type: "punch-offer", attempt: 9, addrs: ["127.0.0.1:1"] });
    await expect((await r.promise).r).rejects.toThrow("waiting for the peer's punch sync timed out");
    expect(sent.map((f) => [f.type, f.attempt])).toEqual([["punch-answer", 9]]);
  });

  test("closing the link ends an attempt under way", async () => {
    const p = pair({}, { send: () => {} }); // the responder's answer is lost
    const mine = p.left.initiate();
    const theirs = (await p.responded).r;
    p.left.close();
    p.right.close();
    await expect(mine).rejects.toThrow("the link the punch was arranged over closed");
    await expect(theirs).rejects.toThrow("the link the punch was arranged over closed");
  });

  test("a dial nobody meets (a router that maps ports at random) fails at the deadline on both sides", async () => {
    // The responder offers a port it will not dial from: no SYN crosses.
    const p = pair({ timeouts: { openMs: 200 } }, { candidates: (port) => [`127.0.0.1:${port + 1}`], timeouts: { openMs: 200 } });
    const [mine, theirs] = await Promise.allSettled([p.left.initiate(), p.responded.then((x) => x.r)]);
    expect([mine.status, theirs.status]).toEqual(["rejected", "rejected"]);
    expect(String((mine as PromiseRejectedResult).reason)).toContain("no SYN crossed");
  });
});

test("a simultaneous open that meets nobody ends at its deadline, naming where it dialed", async () => {
  const t0 = performance.now();
  // Nothing will ever dial back from port 9 of loopback: every SYN is refused, and tried again until the deadline.
  await expect(openSimultaneously({ localPort: 0, targets: [{ host: "127.0.0.1", port: 9 }], timeoutMs: 300 })).rejects.toThrow(/no direct connection to 127\.0\.0\.1:9 .* within 0\.3 s \(ECONNREFUSED\)/);
  expect(performance.now() - t0).toBeGreaterThanOrEqual(290);
});
