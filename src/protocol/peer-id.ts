// A peer id is the SHA-256 of the peer's certificate (DER), written the way
// Syncthing writes device ids: base32, one Luhn-mod-32 check character per
// 13 characters, eight dashed groups of seven. People read it aloud and
// compare it; the program compares nothing else.

import { decodeBase32, encodeBase32, RFC4648 } from "./base32.ts";

export type PeerId = string & { readonly __brand: "PeerId" };

const ALPHABET = RFC4648.chars;
const GROUP = 7;
const CHUNK = 13;

/** The one constructor: certificate bytes (DER) to peer id. */
export function peerIdFromCertificate(der: Uint8Array): PeerId {
  const digest = new Bun.CryptoHasher("sha256").update(der).digest();
  return formatDigest(new Uint8Array(digest));
}

/** `fingerprint256` as Bun's getPeerCertificate() reports it ("AB:CD:..."). */
export function peerIdFromFingerprint(fingerprint256: string): PeerId {
  const hex = fingerprint256.replace(/:/g, "");
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) throw new TypeError(`not a SHA-256 fingerprint: ${fingerprint256}`);
  return formatDigest(Uint8Array.from(Buffer.from(hex, "hex")));
}

/** The 32 bytes behind an id (the SHA-256 digest), for compact wire forms (LAN beacons, relays' device ids). */
export function peerIdFromDigest(digest: Uint8Array): PeerId {
  if (digest.byteLength !== 32) throw new TypeError(`a peer id digest has 32 bytes, this has ${digest.byteLength}`);
  return formatDigest(digest);
}

/** The inverse of peerIdFromDigest: the SHA-256 digest an id was written from. */
export function peerIdDigest(id: PeerId): Uint8Array {
  const s = id.replace(/-/g, "");
  let b32 = "";
  for (let i = 0; i < 4; i++) b32 += s.slice(i * (CHUNK + 1), i * (CHUNK + 1) + CHUNK);
  return decodeBase32(b32, RFC4648)!.subarray(0, 32);
}

export type ParsedPeerId = { ok: true; id: PeerId } | { ok: false; reason: string };

/** Reads an id a person typed: any case, dashes or spaces optional, check characters verified. */
export function parsePeerId(text: string): ParsedPeerId {
  const s = text.toUpperCase().replace(/[\s-]/g, "");
  if (s.length !== 56) return { ok: false, reason: `a peer id has 56 characters (without dashes), this has ${s.length}` };
  for (const ch of s) {
    if (!ALPHABET.includes(ch)) return { ok: false, reason: `'${ch}' is not a peer id character (A-Z, 2-7)` };
  }
  for (let i = 0; i < 4; i++) {
    const chunk = s.slice(i * (CHUNK + 1), i * (CHUNK + 1) + CHUNK);
    const check = s[i * (CHUNK + 1) + CHUNK];
    if (luhn32(chunk) !== check) return { ok: false, reason: "check character mismatch: a character was mistyped" };
  }
  return { ok: true, id: group(s) as PeerId };
}

/** The first group: enough to tell peers apart on a screen, never to authenticate. */
export function shortPeerId(id: PeerId): string {
  return id.slice(0, GROUP);
}

function formatDigest(digest: Uint8Array): PeerId {
  const b32 = encodeBase32(digest, RFC4648); // 52 characters for 32 bytes
  let luhned = "";
  for (let i = 0; i < 4; i++) {
    const chunk = b32.slice(i * CHUNK, (i + 1) * CHUNK);
    luhned += chunk + luhn32(chunk);
  }
  return group(luhned) as PeerId;
}

function group(s: string): string {
  const parts: string[] = [];
  for (let i = 0; i < s.length; i += GROUP) parts.push(s.slice(i, i + GROUP));
  return parts.join("-");
}

// Syncthing's luhn32 (lib/protocol/luhn.go): factors alternate 1, 2 from the left.
function luhn32(s: string): string {
  let factor = 1;
  let sum = 0;
  for (const ch of s) {
    let addend = factor * ALPHABET.indexOf(ch);
    factor = factor === 2 ? 1 : 2;
    addend = Math.floor(addend / 32) + (addend % 32);
    sum += addend;
  }
  return ALPHABET[(32 - (sum % 32)) % 32]!;
}
