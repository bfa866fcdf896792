// The nearby cache on a fake clock: expiry, restarts, the limits a forged
// flood runs into, and the onPeer calls they allow.
import { expect, test } from "bun:test";
import { peerIdFromDigest, type PeerId } from "../../../src/protocol/peer-id.ts";
import type { Heard, HostPort } from "../../../src/reach/lan/lan-announce.ts";
import { Nearby, vouchedAddresses, type NearbyOptions } from "../../../src/reach/lan/nearby-peers.ts";

const id = (n: number) => peerIdFromDigest(new Uint8Array(32).fill(n));
const BOB = id(2);

function heard(peerId: PeerId, from: string, opts: { port?: number; inst?: string; extra?: HostPort[] } = {}): Heard {
  const port = opts.port ?? 20001;
  return { peerId, instanceId: opts.inst ?? "00000000000000b0", port, from: { host: from, port: 20021 }, addresses: [{ host: from, port }, ...(opts.extra ?? [])] };
}

function setup(opts: NearbyOptions = {}) {
  const clock = { t: 1_000_000 };
  const nearby = new Nearby({ now: () => clock.t, ...opts });
  const calls: [PeerId, string[], boolean][] = [];
  nearby.onPeer((p, addrs, isNew) => calls.push([p, addrs.map((a) => `${a.host}:${a.port}`), isNew]));
  return { clock, nearby, calls, [Symbol.dispose]: () => nearby.close() };
}

test("a new peer is announced once; the same beacon again changes nothing; entries expire after the TTL", () => {
  using s = setup({ ttlMs: 90_000 });
  expect(s.nearby.record(heard(BOB, "10.0.0.2"))).toBe(true);
  s.clock.t += 30_000;
  expect(s.nearby.record(heard(BOB, "10.0.0.2"))).toBe(false);
  expect(s.calls).toEqual([[BOB, ["10.0.0.2:20001"], true]]);
  expect(s.nearby.list()).toEqual([
    { peerId: BOB, instanceId: "00000000000000b0", firstHeard: 1_000_000, lastHeard: 1_030_000, addresses: [{ host: "10.0.0.2", port: 20001, from: "10.0.0.2", lastHeard: 1_030_000 }] },
  ]);
  s.clock.t += 89_999;
  expect(s.nearby.list().length).toBe(1);
  s.clock.t += 1;
  expect(s.nearby.list()).toEqual([]);
  expect(s.nearby.get(BOB)).toBeNull();
  // Heard again after expiry: new again.
  expect(s.nearby.record(heard(BOB, "10.0.0.2"))).toBe(true);
  expect(s.calls.map((c) => c[2])).toEqual([true, true]);
});

test("a restart (new instance id) is new; a new address is announced without being new", () => {
  using s = setup({ triggerGapMs: 0 });
  s.nearby.record(heard(BOB, "10.0.0.2"));
  expect(s.nearby.record(heard(BOB, "10.0.0.2", { inst: "00000000000000b1" }))).toBe(true);
  s.clock.t += 1;
  expect(s.nearby.record(heard(BOB, "10.0.0.7", { inst: "00000000000000b1", port: 20005 }))).toBe(false);
  expect(s.calls).toEqual([
    [BOB, ["10.0.0.2:20001"], true],
    [BOB, ["10.0.0.2:20001"], true],
    [BOB, ["10.0.0.7:20005", "10.0.0.2:20001"], false],
  ]);
  expect(s.nearby.get(BOB)!.instanceId).toBe("00000000000000b1");
});

test("one onPeer call per peer per gap; what was held back comes when the gap is over", () => {
  using s = setup({ triggerGapMs: 5_000 });
  s.nearby.record(heard(BOB, "10.0.0.2"));
  for (let i = 0; i < 50; i++) {
    s.clock.t += 10;
    s.nearby.record(heard(BOB, `10.0.1.${i}`, { inst: `00000000000001${(i + 16).toString(16)}` }));
  }
  expect(s.calls.length).toBe(1);
  s.clock.t += 5_000;
  s.nearby.flush();
  expect(s.calls.length).toBe(2);
  expect(s.calls[1]![2]).toBe(true);
  s.nearby.flush();
  expect(s.calls.length).toBe(2);
});

test("a forged flood for bob's id: at most 8 addresses, bob's own address stays, one call per gap", () => {
  using s = setup({ triggerGapMs: 5_000 });
  s.nearby.record(heard(BOB, "10.0.0.2"));
  // 10 s of forged beacons from 10.0.0.3, 100 per second, each announcing 8 new addresses.
  for (let i = 0; i < 1000; i++) {
    s.clock.t += 10;
    const extra = Array.from({ length: 8 }, (_, k) => ({ host: `192.0.2.${(i * 8 + k) % 250}`, port: 1000 + i }));
    s.nearby.record(heard(BOB, "10.0.0.3", { inst: i.toString(16).padStart(16, "0"), extra }));
  }
  const bob = s.nearby.get(BOB)!;
  expect(bob.addresses.length).toBe(8);
  expect(bob.addresses.some((a) => a.host === "10.0.0.2" && a.from === "10.0.0.2")).toBe(true);
  // Every forged address says where it came from.
  expect(bob.addresses.filter((a) => a.host !== "10.0.0.2").every((a) => a.from === "10.0.0.3")).toBe(true);
  // The first call, then one per 5 s over the 10 s of flood.
  expect(s.calls.length).toBeLessThanOrEqual(3);
  expect(s.calls.every((c) => c[1].length <= 8)).toBe(true);
});

test("addresses unheard for half the TTL give way; fresh ones do not", () => {
  using s = setup({ maxAddresses: 2, triggerGapMs: 0 });
  s.nearby.record(heard(BOB, "10.0.0.2", { extra: [{ host: "192.0.2.1", port: 1 }] }));
  s.nearby.record(heard(BOB, "10.0.0.2", { extra: [{ host: "192.0.2.2", port: 1 }] })); // full: dropped
  expect(s.nearby.get(BOB)!.addresses.map((a) => a.host)).toEqual(["10.0.0.2", "192.0.2.1"]);
  s.clock.t += 45_000;
  s.nearby.record(heard(BOB, "10.0.0.2", { extra: [{ host: "192.0.2.2", port: 1 }] })); // 192.0.2.1 was stale
  expect(s.nearby.get(BOB)!.addresses.map((a) => a.host)).toEqual(["10.0.0.2", "192.0.2.2"]);
  // A packet's own source pushes out an address some host only announced.
  s.nearby.record(heard(BOB, "10.0.0.9"));
  expect(s.nearby.get(BOB)!.addresses.map((a) => a.host)).toEqual(["10.0.0.2", "10.0.0.9"]);
});

test("a full cache takes no new random ids, but keeps room for preferred ones", () => {
  const contact = id(200);
  using s = setup({ maxPeers: 4, prefer: (p) => p === contact });
  for (let n = 10; n < 20; n++) {
    s.clock.t += 1;
    s.nearby.record(heard(id(n), "10.0.0.3"));
  }
  expect(s.nearby.size).toBe(4);
  expect(s.nearby.list().map((p) => p.peerId)).toEqual([id(13), id(12), id(11), id(10)]);
  expect(s.nearby.record(heard(contact, "10.0.0.5"))).toBe(true);
  expect(s.nearby.list().map((p) => p.peerId)).toEqual([contact, id(13), id(12), id(11)]);
  // Once the others have missed beacons (half the TTL), newcomers get in again.
  s.clock.t += 45_000;
  expect(s.nearby.record(heard(id(99), "10.0.0.6"))).toBe(true);
  expect(s.nearby.size).toBe(4);
});

test("the global budget caps onPeer calls across many ids", () => {
  using s = setup({ triggerBurst: 4, triggersPerSecond: 2 });
  for (let n = 0; n < 40; n++) s.nearby.record(heard(id(n), "10.0.0.3"));
  expect(s.calls.length).toBe(4);
  s.clock.t += 1_000;
  s.nearby.flush();
  expect(s.calls.length).toBe(6);
  expect(new Set(s.calls.map((c) => c[0])).size).toBe(6);
});

test("the discovery key is kept as last heard", () => {
  using s = setup();
  s.nearby.record({ ...heard(BOB, "10.0.0.2"), discoveryKey: new Uint8Array([1, 2]) });
  expect(s.nearby.get(BOB)!.discoveryKey).toEqual(new Uint8Array([1, 2]));
  s.nearby.record(heard(BOB, "10.0.0.2"));
  expect(s.nearby.get(BOB)!.discoveryKey).toBeUndefined();
});

test("vouched addresses: where a peer's beacons came from, not the others a beacon names", () => {
  using s = setup();
  s.nearby.record(heard(BOB, "10.0.0.2", { extra: [{ host: "198.51.100.7", port: 1024 }] }));
  // Another host claims bob's id and names more addresses.
  s.nearby.record(heard(BOB, "10.0.0.66", { inst: "00000000000000c0", extra: [{ host: "10.0.0.2", port: 9 }] }));
  s.nearby.record(heard(BOB, "fe80::2%eth0", { port: 20002 }));
  const bob = s.nearby.get(BOB)!;
  expect(bob.addresses.map((a) => `${a.host}:${a.port}`).sort()).toEqual(["10.0.0.2:20001", "10.0.0.2:9", "10.0.0.66:20001", "198.51.100.7:1024", "fe80::2%eth0:20002"]);
  expect(vouchedAddresses(bob).map((a) => `${a.host}:${a.port}`).sort()).toEqual(["10.0.0.2:20001", "10.0.0.66:20001", "fe80::2%eth0:20002"]);
});
