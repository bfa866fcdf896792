// The beacon packet: round trip, the exact layout, garbage and truncation,
// and the source-address substitution a receiver applies.
import { expect, test } from "bun:test";
import fc from "fast-check";
import { peerIdFromDigest } from "../../../src/protocol/peer-id.ts";
import {
  LAN_MAGIC,
  MAX_PACKET,
  decodeAnnounce,
  encodeAnnounce,
  newInstanceId,
  readAnnounce,
  type Announce,
} from "../../../src/reach/lan/lan-announce.ts";

const ID = peerIdFromDigest(new Uint8Array(32).map((_, i) => i));
const INST = "0123456789abcdef";

const full: Announce = {
  peerId: ID,
  port: 20001,
  instanceId: INST,
  discoveryKey: new Uint8Array(64).fill(7),
  addresses: Array.from({ length: 8 }, (_, i) => ({ host: `2001:db8::${i + 1}`, port: 65535 })),
};

test("the layout: magic, version, id, port, instance, key, addresses", () => {
  const p = encodeAnnounce({ peerId: ID, port: 0x1234, instanceId: INST, addresses: [{ host: "10.0.0.9", port: 7 }] });
  const hex = Buffer.from(p).toString("hex");
  expect(hex).toBe(
    "70326c62" + "01" + Buffer.from(new Uint8Array(32).map((_, i) => i)).toString("hex") + "1234" + INST + "00" + "01" + "04" + "0a000009" + "0007",
  );
  expect(new DataView(p.buffer).getUint32(0)).toBe(LAN_MAGIC);
});

test("round trip, and even the largest packet stays small", () => {
  const p = encodeAnnounce(full);
  expect(p.byteLength).toBe(265);
  expect(p.byteLength).toBeLessThan(MAX_PACKET);
  expect(decodeAnnounce(p)).toEqual(full);
  const minimal = { peerId: ID, port: 1, instanceId: INST };
  expect(decodeAnnounce(encodeAnnounce(minimal))).toEqual({ ...minimal, addresses: [] });
});

test("any valid announce survives the round trip", () => {
  const addr = fc.oneof(fc.ipV4(), fc.constantFrom("::", "2001:db8::1", "fe80::1", "::ffff:10.1.2.3"));
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 32, maxLength: 32 }),
      fc.integer({ min: 1, max: 65535 }),
      fc.uint8Array({ minLength: 8, maxLength: 8 }),
      fc.option(fc.uint8Array({ minLength: 1, maxLength: 64 }), { nil: undefined }),
      fc.array(fc.record({ host: addr, port: fc.integer({ min: 1, max: 65535 }) }), { maxLength: 8 }),
      (digest, port, inst, key, addresses) => {
        const a: Announce = { peerId: peerIdFromDigest(digest), port, instanceId: Buffer.from(inst).toString("hex"), addresses };
        if (key) a.discoveryKey = key;
        const back = decodeAnnounce(encodeAnnounce(a))!;
        expect(back).toEqual(a);
      },
    ),
  );
});

test("every truncation, any extra byte, and a changed magic or version are null", () => {
  const p = encodeAnnounce(full);
  for (let n = 0; n < p.byteLength; n++) expect(decodeAnnounce(p.subarray(0, n))).toBeNull();
  expect(decodeAnnounce(new Uint8Array([...p, 0]))).toBeNull();
  for (const i of [0, 1, 2, 3, 4]) {
    const q = p.slice();
    q[i]! ^= 1;
    expect(decodeAnnounce(q)).toBeNull();
  }
});

test("fields out of range are null: port 0, key too long, too many addresses, unknown family", () => {
  const base = encodeAnnounce({ peerId: ID, port: 9, instanceId: INST, addresses: [{ host: "10.0.0.1", port: 9 }] });
  const edit = (f: (q: Uint8Array) => void) => {
    const q = base.slice();
    f(q);
    return decodeAnnounce(q);
  };
  expect(edit((q) => q.set([0, 0], 37))).toBeNull(); // listening port 0
  expect(edit((q) => (q[47] = 65))).toBeNull(); // key longer than 64
  expect(edit((q) => (q[48] = 9))).toBeNull(); // nine addresses
  expect(edit((q) => (q[49] = 5))).toBeNull(); // family 5
  expect(edit((q) => (q[49] = 6))).toBeNull(); // family 6 but 4 bytes
  expect(edit((q) => q.set([0, 0], 54))).toBeNull(); // address port 0
  expect(decodeAnnounce(new Uint8Array(MAX_PACKET + 1))).toBeNull();
});

test("random bytes, and valid packets with random bytes changed, give an announce or null: never a throw", () => {
  const valid = encodeAnnounce(full);
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 600 }), (junk) => {
      const a = decodeAnnounce(junk);
      expect(a === null || typeof a.peerId === "string").toBe(true);
    }),
  );
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.nat(valid.byteLength - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }), (edits) => {
      const q = valid.slice();
      for (const [i, b] of edits) q[i] = b;
      const a = decodeAnnounce(q);
      if (a) expect(decodeAnnounce(encodeAnnounce(a))).toEqual(a);
    }),
  );
});

test("the encoder refuses what it cannot write", () => {
  const bad: Partial<Announce>[] = [
    { port: 0 },
    { port: 65536 },
    { instanceId: "xyz" },
    { discoveryKey: new Uint8Array(65) },
    { addresses: Array.from({ length: 9 }, () => ({ host: "10.0.0.1", port: 1 })) },
    { addresses: [{ host: "example.com", port: 1 }] },
    { addresses: [{ host: "fe80::1%eth0", port: 1 }] },
    { addresses: [{ host: "10.0.0.1", port: 0 }] },
  ];
  for (const b of bad) expect(() => encodeAnnounce({ ...full, ...b })).toThrow(TypeError);
});

test("a receiver puts the source first and replaces 0.0.0.0 and :: with it", () => {
  const p = encodeAnnounce({
    peerId: ID,
    port: 20001,
    instanceId: INST,
    addresses: [
      { host: "0.0.0.0", port: 20002 },
      { host: "::", port: 20003 },
      { host: "192.0.2.7", port: 20004 },
      { host: "2001:db8::7", port: 20005 },
      { host: "127.0.0.1", port: 1 }, // dropped: loopback
      { host: "::1", port: 1 },
      { host: "239.1.1.1", port: 1 }, // dropped: multicast
      { host: "fe80::1", port: 1 }, // dropped: link-local without a zone
    ],
  });
  const v4 = readAnnounce(p, { host: "10.66.0.2", port: 20021 })!;
  expect(v4).toEqual({
    peerId: ID,
    instanceId: INST,
    port: 20001,
    from: { host: "10.66.0.2", port: 20021 },
    addresses: [
      { host: "10.66.0.2", port: 20001 },
      { host: "10.66.0.2", port: 20002 },
      { host: "10.66.0.2", port: 20003 },
      { host: "192.0.2.7", port: 20004 },
      { host: "2001:db8::7", port: 20005 },
    ],
  });
  // From an IPv6 link-local source: the zone stays, and 0.0.0.0 (IPv4 only) cannot be the source.
  const v6 = readAnnounce(p, { host: "fe80::247c:84ff:fea1:e54d%eth0", port: 20021 })!;
  expect(v6.addresses).toEqual([
    { host: "fe80::247c:84ff:fea1:e54d%eth0", port: 20001 },
    { host: "fe80::247c:84ff:fea1:e54d%eth0", port: 20003 },
    { host: "192.0.2.7", port: 20004 },
    { host: "2001:db8::7", port: 20005 },
  ]);
  // The same port as the listening port is listed once.
  const dup = encodeAnnounce({ peerId: ID, port: 5, instanceId: INST, addresses: [{ host: "0.0.0.0", port: 5 }] });
  expect(readAnnounce(dup, { host: "10.0.0.3", port: 9 })!.addresses).toEqual([{ host: "10.0.0.3", port: 5 }]);
  expect(readAnnounce(p.subarray(1), { host: "10.0.0.3", port: 9 })).toBeNull();
  expect(readAnnounce(p, { host: "not-an-ip", port: 9 })).toBeNull();
});

test("a source no peer can be at gives no address: 169.254.169.254 (cloud metadata), multicast, broadcast", () => {
  const p = encodeAnnounce({ peerId: ID, port: 80, instanceId: INST, addresses: [{ host: "0.0.0.0", port: 81 }, { host: "169.254.169.254", port: 80 }, { host: "192.0.2.7", port: 20004 }] });
  for (const host of ["169.254.169.254", "169.254.3.4", "224.0.0.1", "255.255.255.255", "0.0.0.0"]) {
    expect(readAnnounce(p, { host, port: 20021 })!.addresses).toEqual([{ host: "192.0.2.7", port: 20004 }]);
  }
  // Over loopback (nodes on one machine) the source and announced loopback are places a peer can be.
  const lo = encodeAnnounce({ peerId: ID, port: 7001, instanceId: INST, addresses: [{ host: "127.0.0.1", port: 7002 }] });
  expect(readAnnounce(lo, { host: "127.0.0.1", port: 21025 })!.addresses).toEqual([
    { host: "127.0.0.1", port: 7001 },
    { host: "127.0.0.1", port: 7002 },
  ]);
});

test("instance ids are random per call", () => {
  const ids = new Set(Array.from({ length: 100 }, newInstanceId));
  expect(ids.size).toBe(100);
  for (const id of ids) expect(id).toMatch(/^[0-9a-f]{16}$/);
});
