import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import * as dns from "dns-packet";
import type { PeerId } from "../../../src/protocol/peer-id.ts";
import { generateDiscoveryKey, verifyEd25519 } from "../../../src/reach/dht/discovery-key.ts";
import { checkRecord, decodeRecord, encodeRecord, moreRecent, signable, verifyRecord, type SignedRecord } from "../../../src/reach/dht/record.ts";
import { decodePacket, encodePacket } from "../../../src/reach/dht/record-packet.ts";

const PEER = "P56IOI7-MZJNU2Y-IQGDREY-DM2MGTI-MGL3BXN-PQ6W5BM-TBBZ4TJ-XZWICQ2" as PeerId;
const OTHER_PEER = "MFZWI3D-BONSGYC-YLTMRWG-C43ENR5-QXGZDMM-FZWI3DP-BONSGYY-LTMRWAD" as PeerId;
const hex = (s: string) => Uint8Array.from(Buffer.from(s, "hex"));
const text = (s: string) => new TextEncoder().encode(s);

// BEP 44's test vectors (bittorrent.org/beps/bep_0044.html; bittorrent-dht test/dht_test_vectors.js).
const BEP44_KEY = hex("77ff84905a91936367c01360803104f92432fcd904a43511876df5cdf3e7e548");
const BEP44_SIG = hex("305ac8aeb6c9c151fa120f120ea2cfb923564e11552d06a5d856091e5e853cff1260d3f39e4999684aa92eb73ffd136e6f4f3ecbfda0ce53a1608ecd7ae21f01");
const BEP44_SALTED_SIG = hex("6834284b6b24c3204eb2fea824d82f88883a3d95e8b4a21b8c0ded553d17d17ddf9a8a7104b1258f30bed3787e6cb896fca78c58f8e03b5f18f14951a87d9a08");

describe("BEP 44 test vectors", () => {
  test("test 1 (mutable): we sign the same bytes, and its signature verifies", () => {
    expect(Buffer.from(signable(1n, text("Hello World!"))).toString()).toBe("3:seqi1e1:v12:Hello World!");
    const r: SignedRecord = { key: BEP44_KEY, seq: 1n, sig: BEP44_SIG, value: text("Hello World!") };
    expect(checkRecord(r)).toBeNull();
    expect(checkRecord({ ...r, seq: 2n })?.code).toBe("BAD_SIGNATURE");
    // A genuine item, but not a p2pchat record: refused after the signature passed.
    expect(() => decodeRecord(r)).toThrow(expect.objectContaining({ code: "MALFORMED_RECORD" }));
  });

  test("test 2 (mutable with salt): the signature covers the salt, so as an unsalted record it fails", () => {
    expect(verifyEd25519(BEP44_SALTED_SIG, text("4:salt6:foobar3:seqi1e1:v12:Hello World!"), BEP44_KEY)).toBe(true);
    expect(checkRecord({ key: BEP44_KEY, seq: 1n, sig: BEP44_SALTED_SIG, value: text("Hello World!") })?.code).toBe("BAD_SIGNATURE");
  });
});

describe("p2pchat records", () => {
  const alice = generateDiscoveryKey();
  const content = { peerId: PEER, addresses: ["203.0.113.7:20001", "[2001:db8::7]:20001", "alice.example.org:443"], relays: ["relay://198.51.100.1:22067/?id=ABC"] };

  test("round trip: peer id, addresses, relays, seq and time", () => {
    const r = encodeRecord(content, alice, 1_750_000_000_123_456n);
    expect(r.key).toEqual(alice.publicKey);
    expect(verifyRecord(r, { key: alice.publicKey })).toBe(true);
    const d = decodeRecord(r, { key: alice.publicKey });
    expect({ peerId: d.peerId, addresses: d.addresses, relays: d.relays, seq: d.seq }).toEqual({ ...content, seq: 1_750_000_000_123_456n });
    expect(d.time.toISOString()).toBe("2025-06-15T15:06:40.123Z");
    expect(d.signed).toBe(r);
  });

  test("seq defaults to now in microseconds", () => {
    const before = BigInt(Date.now()) * 1000n;
    const r = encodeRecord(content, alice);
    expect(r.seq >= before && r.seq <= BigInt(Date.now()) * 1000n).toBe(true);
  });

  test("refused: tampered value or seq, another key, a stale seq", () => {
    const r = encodeRecord(content, alice, 5_000_000n);
    const value = Uint8Array.from(r.value);
    value[value.length - 1]! ^= 1;
    expect(checkRecord({ ...r, value })?.code).toBe("BAD_SIGNATURE");
    expect(checkRecord({ ...r, seq: 5_000_001n })?.code).toBe("BAD_SIGNATURE");
    const mallory = generateDiscoveryKey();
    // Mallory's own record, offered for alice's key.
    const forged = encodeRecord({ ...content, peerId: OTHER_PEER }, mallory, 6_000_000n);
    expect(checkRecord(forged, { key: alice.publicKey })?.code).toBe("WRONG_KEY");
    // Mallory's signature under alice's key.
    expect(checkRecord({ ...forged, key: alice.publicKey })?.code).toBe("BAD_SIGNATURE");
    expect(checkRecord(r, { newerThan: 5_000_000n })?.code).toBe("STALE_RECORD");
    expect(checkRecord(r, { newerThan: 4_999_999n })).toBeNull();
    expect(() => decodeRecord(r, { newerThan: 6_000_000n })).toThrow("not newer than 6000000");
  });

  test("refused: values over 1000 bytes; we never make one of 1000", () => {
    const big = encodePacket(alice.z32, { peerId: PEER, addresses: Array.from({ length: 40 }, (_, i) => `198.51.100.${i}:20001`), relays: [] });
    expect(big.length).toBeGreaterThan(1000);
    expect(checkRecord({ key: alice.publicKey, seq: 1n, sig: alice.sign(signable(1n, big)), value: big })?.code).toBe("TOO_LARGE");
    const many = { peerId: PEER, addresses: Array.from({ length: 40 }, (_, i) => `198.51.100.${i}:20001`), relays: [] };
    expect(() => encodeRecord(many, alice)).toThrow(expect.objectContaining({ code: "TOO_LARGE" }));
    const fits = { peerId: PEER, addresses: many.addresses.slice(0, 15), relays: [] };
    expect(encodeRecord(fits, alice).value.length).toBeLessThan(1000);
  });

  test("refused: signed values that are not our DNS packet", () => {
    const signed = (value: Uint8Array): SignedRecord => ({ key: alice.publicKey, seq: 9n, sig: alice.sign(signable(9n, value)), value });
    const good = encodePacket(alice.z32, content);
    const cases: [Uint8Array, string][] = [
      [text("not dns"), "not a DNS packet"],
      [good.subarray(0, good.length - 3), "DNS packet is"],
      [Uint8Array.from([...good, 0]), "DNS packet is"],
      [packet([{ name: `_p2pchat.${alice.z32}`, data: ["addr=1.2.3.4:5"] }]), "no _p2pchat TXT record with an id="],
      [packet([{ name: `_other.${alice.z32}`, data: [`id=${PEER}`] }]), "no _p2pchat TXT record"],
      [packet([{ name: `_p2pchat.${alice.z32}`, data: [`id=${PEER}`, `id=${OTHER_PEER}`] }]), "2 different peer ids"],
      [packet([{ name: `_p2pchat.${alice.z32}`, data: ["id=P56IOI7-MZJNU2Y"] }]), "bad peer id"],
    ];
    for (const [value, why] of cases) expect(() => decodeRecord(signed(value))).toThrow(why);
  });

  test("reads the other layout too: one TXT record per entry, beside records that are not ours", () => {
    const value = packet([
      { name: alice.z32, type: "A", data: "192.0.2.1" },
      { name: `_p2pchat.${alice.z32}`, data: [`id=${PEER}`] },
      { name: `_p2pchat.${alice.z32}`, data: ["addr=192.0.2.1:20001"] },
      { name: `_p2pchat.${alice.z32}`, data: ["addr=not an address", "relay=http://x", "color=blue", "addr=192.0.2.2:0", "addr=192.0.2.2:7"] },
      { name: `_p2pchat.${alice.z32}`, data: [`id=${PEER.toLowerCase()}`] },
    ]);
    expect(decodePacket(alice.z32, value)).toEqual({ peerId: PEER, addresses: ["192.0.2.1:20001", "192.0.2.2:7"], relays: [] });
  });

  test("what we write, we read: any addresses and relays that fit", () => {
    const host = fc.oneof(fc.ipV4(), fc.ipV6().map((a) => `[${a}]`), fc.domain());
    const address = fc.tuple(host, fc.integer({ min: 1, max: 65535 })).map(([h, p]) => `${h}:${p}`);
    const relay = fc.tuple(fc.ipV4(), fc.integer({ min: 1, max: 65535 })).map(([h, p]) => `relay://${h}:${p}/?id=x`);
    fc.assert(
      fc.property(fc.array(address, { maxLength: 6 }), fc.array(relay, { maxLength: 2 }), fc.bigInt({ min: 0n, max: 2n ** 53n }), (addresses, relays, seq) => {
        const r = encodeRecord({ peerId: PEER, addresses, relays }, alice, seq);
        const d = decodeRecord(r, { key: alice.publicKey });
        expect([d.peerId, d.addresses, d.relays, d.seq]).toEqual([PEER, addresses, relays, seq]);
      }),
      { numRuns: 200 },
    );
  });

  test("bad addresses are refused when encoding, not published", () => {
    expect(() => encodeRecord({ ...content, addresses: ["::1:20001"] }, alice)).toThrow("is not HOST:PORT");
    expect(() => encodeRecord({ ...content, relays: ["tcp://x:1"] }, alice)).toThrow("is not a relay:// URL");
    expect(() => encodeRecord({ ...content, peerId: "ABC" as PeerId }, alice)).toThrow("bad peer id");
  });

  test("moreRecent: larger seq, then larger value (pkarr's more_recent_than)", () => {
    const a = encodeRecord(content, alice, 10n);
    const b = encodeRecord({ ...content, addresses: [] }, alice, 11n);
    expect([moreRecent(b, a), moreRecent(a, b), moreRecent(a, a)]).toEqual([true, false, false]);
    const c = encodeRecord({ ...content, addresses: ["zzz.example:1"] }, alice, 10n);
    expect(moreRecent(c, a) !== moreRecent(a, c)).toBe(true);
  });
});

function packet(answers: { name: string; type?: "TXT" | "A"; data: string | string[] }[]): Uint8Array {
  return new Uint8Array(dns.encode({ type: "response", answers: answers.map((a) => ({ class: "IN", ttl: 300, ...a, type: a.type ?? "TXT" }) as dns.Answer) }));
}
