import { expect, test } from "bun:test";
import { parsePeerId, peerIdDigest, peerIdFromCertificate, peerIdFromDigest, peerIdFromFingerprint, shortPeerId, type PeerId } from "../../../src/protocol/peer-id.ts";

// Syncthing's published example device id (lib/protocol/deviceid_test.go).
const SYNCTHING_ID = "P56IOI7-MZJNU2Y-IQGDREY-DM2MGTI-MGL3BXN-PQ6W5BM-TBBZ4TJ-XZWICQ2" as PeerId;

test("reads Syncthing's example id: same base32 and Luhn check characters", () => {
  expect(parsePeerId(SYNCTHING_ID)).toEqual({ ok: true, id: SYNCTHING_ID });
  // Any case, without dashes, with spaces: the same id.
  expect(parsePeerId(SYNCTHING_ID.toLowerCase().replace(/-/g, ""))).toEqual({ ok: true, id: SYNCTHING_ID });
  expect(parsePeerId(SYNCTHING_ID.replace(/-/g, " "))).toEqual({ ok: true, id: SYNCTHING_ID });
});

test("a mistyped character fails the check, with a reason", () => {
  const typo = SYNCTHING_ID.replace("MZJNU2Y", "MZJNV2Y");
  expect(parsePeerId(typo)).toEqual({ ok: false, reason: "check character mismatch: a character was mistyped" });
  expect(parsePeerId("ABC")).toMatchObject({ ok: false, reason: expect.stringContaining("56 characters") });
  expect(parsePeerId(SYNCTHING_ID.replace("P", "1"))).toMatchObject({ ok: false, reason: expect.stringContaining("'1'") });
});

test("derived from the certificate's SHA-256: the same from DER bytes and from a fingerprint", () => {
  const der = new TextEncoder().encode("not really a certificate, but bytes all the same");
  const fp = new Bun.CryptoHasher("sha256").update(der).digest("hex").toUpperCase().match(/../g)!.join(":");
  const id = peerIdFromCertificate(der);
  expect(peerIdFromFingerprint(fp)).toBe(id);
  expect(id).toMatch(/^([A-Z2-7]{7}-){7}[A-Z2-7]{7}$/);
  expect(parsePeerId(id)).toEqual({ ok: true, id });
  expect(shortPeerId(id)).toBe(id.slice(0, 7));
  expect(peerIdFromCertificate(new Uint8Array([1, 2, 3]))).not.toBe(id);
});

test("the 32-byte digest round-trips through the written id", () => {
  for (const seed of [0, 1, 255]) {
    const digest = new Uint8Array(32).map((_, i) => (i * 37 + seed) & 0xff);
    const id = peerIdFromDigest(digest);
    expect(parsePeerId(id)).toEqual({ ok: true, id });
    expect(peerIdDigest(id)).toEqual(digest);
  }
  const der = new TextEncoder().encode("cert");
  expect(peerIdDigest(peerIdFromCertificate(der))).toEqual(new Uint8Array(new Bun.CryptoHasher("sha256").update(der).digest()));
  expect(peerIdFromDigest(peerIdDigest(SYNCTHING_ID))).toBe(SYNCTHING_ID);
  expect(() => peerIdFromDigest(new Uint8Array(31))).toThrow("32 bytes");
});
