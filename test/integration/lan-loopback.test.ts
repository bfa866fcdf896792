// Two LAN beacons on loopback: real sockets, the real schedule and cache,
// with unicast to each other's port standing in for broadcast. Nothing here
// leaves 127.0.0.1/::1 (the namespace tests in test/net/ do broadcast and
// multicast); the beacons are allowed to run although P2PCHAT_DISCOVERY=off.
import { expect, test } from "bun:test";
import dgram from "node:dgram";
import { peerIdFromDigest } from "../../src/protocol/peer-id.ts";
import { encodeAnnounce, newInstanceId, type Heard } from "../../src/reach/lan/lan-announce.ts";
import { LanBeacon, type LanBeaconOptions } from "../../src/reach/lan/lan-beacon.ts";
import { Nearby } from "../../src/reach/lan/nearby-peers.ts";
import { eventually } from "../helpers/nodes.ts";

const id = (n: number) => peerIdFromDigest(new Uint8Array(32).fill(n));

interface Peer extends AsyncDisposable {
  beacon: LanBeacon;
  heard: Heard[];
  /** Resolves on the first beacon heard from another peer. */
  first: Promise<number>;
}

/** A beacon on loopback that sends to `to()`'s ports (v4 and v6). */
function loopbackPeer(n: number, to: () => LanBeacon | null, opts: Partial<LanBeaconOptions> = {}): Peer {
  const heard: Heard[] = [];
  const first = Promise.withResolvers<number>();
  const beacon = new LanBeacon({
    peerId: id(n),
    port: () => 20000 + n,
    allowed: () => true,
    intervalMs: 60_000,
    socket: {
      port: 0,
      bind4: "127.0.0.1",
      bind6: "::1",
      targets: () => {
        const p = to()?.ports();
        return { v4: p?.v4 ? [{ host: "127.0.0.1", port: p.v4 }] : [], v6: p?.v6 ? [{ host: "::1", port: p.v6 }] : [] };
      },
    },
    onHeard: (h) => {
      heard.push(h);
      first.resolve(performance.now());
    },
    ...opts,
  });
  return { beacon, heard, first: first.promise, [Symbol.asyncDispose]: () => beacon[Symbol.asyncDispose]() };
}

test("a node that starts is heard at once, and hears the other at once (the answer to a new peer)", async () => {
  let b: Peer | null = null;
  await using a = loopbackPeer(1, () => b?.beacon ?? null);
  expect(await a.beacon.start()).toBe(true);
  const t0 = performance.now();
  await using bb = loopbackPeer(2, () => a.beacon);
  b = bb;
  await bb.beacon.start();
  const [aHeard, bHeard] = await Promise.all([a.first, bb.first]);
  // The interval is a minute: only the start beacon and the answer explain this.
  expect(aHeard - t0).toBeLessThan(1_000);
  expect(bHeard - t0).toBeLessThan(1_000);
  // The first beacon heard came over one family; the other's copy follows.
  await eventually(() => a.beacon.nearby.get(id(2))!.addresses.length === 2 && bb.beacon.nearby.get(id(1))!.addresses.length === 2, "both families", 5_000);
  expect(a.beacon.nearby.get(id(2))!.addresses.map((x) => `${x.host}:${x.port}`).sort()).toEqual(["127.0.0.1:20002", "::1:20002"]);
  expect(bb.beacon.nearby.get(id(1))!.instanceId).toBe(a.beacon.instanceId);
  expect((await bb.beacon.lookup(id(1))).sort()).toEqual(["127.0.0.1:20001", "[::1]:20001"]);
  expect(await bb.beacon.lookup(id(9))).toEqual([]);
});

test("own beacons are ignored; the interval repeats; stop() sends and hears nothing more", async () => {
  let self: LanBeacon | null = null;
  await using a = loopbackPeer(3, () => self, { intervalMs: 50 });
  self = a.beacon;
  await a.beacon.start();
  await eventually(() => a.beacon.stats.own >= 6, "three rounds of own beacons on two families", 5_000);
  expect(a.heard).toEqual([]);
  expect(a.beacon.nearby.list()).toEqual([]);
  await a.beacon.stop();
  const sent = a.beacon.stats.sent;
  a.beacon.announceNow();
  expect(a.beacon.running).toBe(false);
  expect(a.beacon.stats.sent).toBe(sent);
});

test("with discovery off, start() opens nothing and sends nothing", async () => {
  await using a = loopbackPeer(4, () => null, { allowed: undefined }); // the default: P2PCHAT_DISCOVERY=off here
  expect(await a.beacon.start()).toBe(false);
  expect(a.beacon.running).toBe(false);
  expect(a.beacon.stats.sent).toBe(0);
  a.beacon.announceNow();
  expect(a.beacon.stats.sent).toBe(0);
});

test("a peer that stops is forgotten after the TTL; the other is told about each new peer", async () => {
  let b: Peer | null = null;
  const nearby = new Nearby({ ttlMs: 300 });
  const told: string[] = [];
  nearby.onPeer((p, _addrs, isNew) => told.push(`${p.slice(0, 7)} ${isNew}`));
  await using a = loopbackPeer(5, () => b?.beacon ?? null, { nearby });
  await a.beacon.start();
  const bb = loopbackPeer(6, () => a.beacon);
  b = bb;
  await bb.beacon.start();
  await a.first;
  expect(nearby.list().map((p) => p.peerId)).toEqual([id(6)]);
  await bb[Symbol.asyncDispose]();
  await eventually(() => nearby.list().length === 0, "the entry to expire", 5_000);
  expect(told).toEqual([`${id(6).slice(0, 7)} true`]);
});

test("a flood of beacons from 500 made-up ids: a burst of answers, a capped cache, a capped number of onPeer calls", async () => {
  const nearby = new Nearby({ maxPeers: 64, triggerBurst: 8, triggersPerSecond: 0.01 });
  let told = 0;
  nearby.onPeer(() => told++);
  await using a = loopbackPeer(7, () => null, { nearby, minGapMs: 60_000, answerBurst: 2 });
  await a.beacon.start();
  const sentAtStart = a.beacon.stats.sent;
  const port = a.beacon.ports()!.v4!;
  const forger = dgram.createSocket("udp4");
  try {
    // In batches of 50, each read before the next: the socket's receive buffer holds about 250.
    for (let i = 0; i < 500; i++) {
      const p = encodeAnnounce({ peerId: peerIdFromDigest(crypto.getRandomValues(new Uint8Array(32))), port: 1 + i, instanceId: newInstanceId() });
      await new Promise<void>((resolve) => forger.send(p, port, "127.0.0.1", () => resolve()));
      if (i % 50 === 49) await eventually(() => a.beacon.stats.heard === i + 1, `forged beacon ${i + 1} to be read`, 5_000);
    }
  } finally {
    forger.close();
  }
  expect(a.beacon.stats.sent - sentAtStart).toBe(2); // the burst of answers; the next waits out the gap
  expect(nearby.size).toBe(64);
  expect(told).toBe(8);
});
