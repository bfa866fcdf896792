// LAN beacons on a real (virtual) LAN: namespaces on one bridge, each node a
// lan-fixture.ts process with discovery on inside its namespace only.
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { peerIdFromDigest } from "../../src/protocol/peer-id.ts";
import { ANSWER_BURST } from "../../src/reach/lan/lan-beacon.ts";
import { lanUnavailable, makeLan, type Lan } from "./lan-netns.ts";
import { spawnBeacon, type BeaconProc, type Event } from "./lan-process.ts";
import { pollUntil } from "../helpers/wait.ts";

setDefaultTimeout(60_000);

const ID = (n: number) => peerIdFromDigest(new Uint8Array(32).fill(n));
const why = lanUnavailable();
const isReady = (e: Event) => e.event === "ready";
const heardFrom = (n: number) => (e: Event) => e.event === "heard" && e.peerId === ID(n);

async function started(lan: Lan, node: string, n: number, extra: string[] = []): Promise<[BeaconProc, Event]> {
  const p = spawnBeacon(lan, node, ["--id", String(n), "--port", String(20000 + n), ...extra]);
  const ready = await p.next(isReady, "ready");
  expect(ready.running).toBe(true);
  return [p, ready];
}

describe.skipIf(why !== null)(`LAN discovery in network namespaces${why ? ` (skipped: ${why})` : ""}`, () => {
  test.each([
    ["with a default route (255.255.255.255 goes out too)", true],
    ["without a default route (the subnet's directed broadcast alone)", false],
  ])("IPv4 broadcast alone (no IPv6 on the LAN) %s: heard both ways, at the source address", async (_name, defaultRoute) => {
    await using lan = makeLan(["a", "b"], { ipv6: false, defaultRoute });
    const [a, aReady] = await started(lan, "a", 1, ["--no-ipv6"]);
    await using _a = a;
    const [b] = await started(lan, "b", 2, ["--no-ipv6"]);
    await using _b = b;
    expect(aReady.ports).toEqual({ v4: 20021, v6: null });
    const [ab, ba] = await Promise.all([a.next(heardFrom(2), "a to hear b"), b.next(heardFrom(1), "b to hear a")]);
    expect([ab.from, ab.addresses, ab.isNew]).toEqual([{ host: "10.77.0.2", port: 20021 }, [{ host: "10.77.0.2", port: 20002 }], true]);
    expect([ba.from, ba.addresses, ba.isNew]).toEqual([{ host: "10.77.0.1", port: 20021 }, [{ host: "10.77.0.1", port: 20001 }], true]);
  });

  test("IPv6 link-local multicast alone (no IPv4 on the LAN): heard both ways, with the zone", async () => {
    await using lan = makeLan(["a", "b"], { ipv4: false });
    const [a, aReady] = await started(lan, "a", 1, ["--no-ipv4"]);
    await using _a = a;
    const [b] = await started(lan, "b", 2, ["--no-ipv4"]);
    await using _b = b;
    expect(aReady.ports).toEqual({ v4: null, v6: 20021 });
    const [ab, ba] = await Promise.all([a.next(heardFrom(2), "a to hear b"), b.next(heardFrom(1), "b to hear a")]);
    const a6 = lan.ipv6("a")!;
    const b6 = lan.ipv6("b")!;
    expect(b6).toMatch(/^fe80::[0-9a-f:]+%eth0$/);
    expect([ab.from, ab.addresses]).toEqual([{ host: b6, port: 20021 }, [{ host: b6, port: 20002 }]]);
    expect([ba.from, ba.addresses]).toEqual([{ host: a6, port: 20021 }, [{ host: a6, port: 20001 }]]);
  });

  test("a node that starts hears the others, and is heard, within a second (the interval is a minute)", async () => {
    await using lan = makeLan(["a", "b", "c"]);
    const slow = ["--interval-ms", "60000"];
    const [a] = await started(lan, "a", 1, slow);
    await using _a = a;
    const [b] = await started(lan, "b", 2, slow);
    await using _b = b;
    await Promise.all([a.next(heardFrom(2), "a to hear b"), b.next(heardFrom(1), "b to hear a")]);
    const [c, cReady] = await started(lan, "c", 3, slow);
    await using _c = c;
    const heard = await Promise.all([a.next(heardFrom(3), "a to hear c"), b.next(heardFrom(3), "b to hear c"), c.next(heardFrom(1), "c to hear a"), c.next(heardFrom(2), "c to hear b")]);
    for (const e of heard) expect(e.t - cReady.t).toBeLessThan(1_000);
    // Over both families: the IPv4 and the link-local address of each.
    const fromHost = (host: string) => (e: Event) => heardFrom(1)(e) && (e.from as { host: string }).host === host;
    await Promise.all([c.next(fromHost(lan.ipv4("a")!), "c to hear a over IPv4"), c.next(fromHost(lan.ipv6("a")!), "c to hear a over IPv6")]);
    const list = (await c.ask("list")).peers as { peerId: string; addresses: { host: string; from: string }[] }[];
    const ofA = list.find((p) => p.peerId === ID(1))!;
    expect(ofA.addresses.map((x) => x.host).sort()).toEqual([lan.ipv4("a")!, lan.ipv6("a")!].sort());
  });

  test("several nodes on one host all hear each other and the LAN (reuseAddr)", async () => {
    await using lan = makeLan(["a", "b"]);
    const [a1] = await started(lan, "a", 1);
    await using _a1 = a1;
    const [a2] = await started(lan, "a", 2);
    await using _a2 = a2;
    const [b] = await started(lan, "b", 3);
    await using _b = b;
    await Promise.all([
      a1.next(heardFrom(2), "a1 to hear a2"),
      a1.next(heardFrom(3), "a1 to hear b"),
      a2.next(heardFrom(1), "a2 to hear a1"),
      a2.next(heardFrom(3), "a2 to hear b"),
      b.next(heardFrom(1), "b to hear a1"),
      b.next(heardFrom(2), "b to hear a2"),
    ]);
  });

  test("beacons repeat at the interval; a silent peer is forgotten after the TTL", async () => {
    await using lan = makeLan(["a", "b"], { ipv6: false });
    const [a] = await started(lan, "a", 1, ["--no-ipv6", "--ttl-ms", "1500"]);
    await using _a = a;
    const [b] = await started(lan, "b", 2, ["--no-ipv6", "--interval-ms", "200"]);
    // Limited and directed broadcast each bring a copy: four rounds are 8 or more.
    await a.next((e) => heardFrom(2)(e) && a.events.filter(heardFrom(2)).length >= 8, "four rounds of b's beacons");
    expect(a.events.filter((e) => heardFrom(2)(e) && e.isNew).length).toBe(1);
    expect(((await a.ask("list")).peers as { peerId: string }[]).map((p) => p.peerId)).toEqual([ID(2)]);
    await b[Symbol.asyncDispose]();
    const last = a.events.filter(heardFrom(2)).at(-1)!;
    // Polling a state that has no event.
    const empty = await pollUntil(() => a.ask("list"), (l) => (l.peers as unknown[]).length === 0, "b forgotten", { timeoutMs: 10_000, everyMs: 50 });
    expect(empty.peers).toEqual([]);
    expect(empty.t - last.t).toBeGreaterThanOrEqual(1_500);
  });

  test("forged beacons claiming b's id from c: hints at c's address only, and the flood stays within the limits", async () => {
    await using lan = makeLan(["a", "b", "c"]);
    const [a] = await started(lan, "a", 1, ["--gap-ms", "1000", "--trigger-gap-ms", "1000"]);
    await using _a = a;
    const [b] = await started(lan, "b", 2);
    await using _b = b;
    await a.next((e) => e.event === "peer" && e.peerId === ID(2), "a to be told of b");
    const before = a.events.length;
    const sentBefore = (await a.ask("stats")).sent as number;
    const flood = spawnBeacon(lan, "c", ["--flood", "300", "--claim", ID(2)]);
    await using _f = flood;
    const done = await flood.next((e) => e.event === "flooded", "the flood to be sent", 30_000);
    await a.next((e) => heardFrom(2)(e) && (e.from as { host: string }).host === lan.ipv4("c"), "a to hear a forged beacon", 5_000, before);
    const stats = await a.ask("stats");
    const seconds = Math.ceil((stats.t - done.t + (done.ms as number)) / 1000);

    const bEntry = ((await a.ask("list")).peers as { peerId: string; addresses: { host: string; port: number; from: string }[] }[]).find((p) => p.peerId === ID(2))!;
    expect(bEntry.addresses.length).toBeLessThanOrEqual(8);
    // b's own addresses stay, each vouched for by b's own source address...
    for (const host of [lan.ipv4("b")!, lan.ipv6("b")!]) expect(bEntry.addresses).toContainEqual(expect.objectContaining({ host, port: 20002, from: host }));
    // ...and every other address says it came from c.
    const c = [lan.ipv4("c")!, lan.ipv6("c")!];
    for (const x of bEntry.addresses.filter((x) => x.port !== 20002)) expect(c).toContain(x.from);

    // onPeer for b's id: at most one per trigger gap (1 s); beacons in answer: at most one per second.
    const told = a.events.slice(before).filter((e) => e.event === "peer" && e.peerId === ID(2));
    expect(told.length).toBeLessThanOrEqual(seconds + 1);
    for (const e of told) expect((e.addresses as unknown[]).length).toBeLessThanOrEqual(8);
    expect((stats.sent as number) - sentBefore).toBeLessThanOrEqual(seconds + ANSWER_BURST);
    // b hears the beacons that claim its id and drops them as its own.
    const bStats = await b.ask("stats");
    expect(bStats.own as number).toBeGreaterThan(300);
    expect(((await b.ask("list")).peers as { peerId: string }[]).map((p) => p.peerId)).toEqual([ID(1)]);
  });

  test("hidden (stop): nothing sent, nothing heard; start again: heard at once as a new instance", async () => {
    await using lan = makeLan(["a", "b"], { ipv6: false });
    const [a] = await started(lan, "a", 1, ["--no-ipv6", "--interval-ms", "60000"]);
    await using _a = a;
    const [b, bReady] = await started(lan, "b", 2, ["--no-ipv6", "--interval-ms", "60000"]);
    await using _b = b;
    await a.next(heardFrom(2), "a to hear b");
    await b.ask("stop");
    const statsStopped = await b.ask("stats");
    expect(statsStopped.running).toBe(false);
    expect(((await b.ask("list")).peers as unknown[]).length).toBe(0);
    const from = a.events.length;
    const bFrom = b.events.length;
    const again = await b.ask("start");
    expect(again.instanceId).not.toBe(bReady.instanceId); // so that a answers at once
    const e = await a.next(heardFrom(2), "a to hear b again", 5_000, from);
    expect(e.t - again.t).toBeLessThan(1_000);
    const answer = await b.next(heardFrom(1), "b to hear a again", 5_000, bFrom);
    expect(answer.t - again.t).toBeLessThan(1_000);
  });
});
