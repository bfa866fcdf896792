// Author keys: each home's Ed25519 discovery key signs what its user writes
// in groups, and proves on each link that the key is this peer's (a
// signature over the peer id the TLS pin established). Verification keeps
// the public key objects of the authors it meets.
import { createPublicKey, verify, type KeyObject } from "node:crypto";
import { decodeZ32 } from "../../protocol/base32.ts";
import { groupKeySignedBytes, groupSignedBytes } from "../../protocol/groups/group-signed.ts";
import { hexBytes, isHexKey } from "../../protocol/hex.ts";
import type { GroupKeyFrame, GroupMessageFrame } from "../../protocol/messages.ts";
import { peerIdDigest, type PeerId } from "../../protocol/peer-id.ts";
import type { GroupMessageRow } from "../../store/store.ts";
import type { DiscoveryKey } from "../../reach/dht/discovery-key.ts";

/** Public key objects kept for verification; past this many the cache starts over. */
const MAX_CACHED_KEYS = 4096;

export interface AuthorKey {
  /** The public key, hex: our author id in every group. */
  readonly hex: string;
  sign(bytes: Uint8Array): Uint8Array;
}

export function authorKey(dk: DiscoveryKey): AuthorKey {
  return { hex: Buffer.from(dk.publicKey).toString("hex"), sign: (b) => dk.sign(b) };
}

/** Signs a draft: the row as stored and sent. */
export function signRow(key: AuthorKey, draft: Omit<GroupMessageRow, "sig">): GroupMessageRow {
  const sig = key.sign(groupSignedBytes(draft));
  return { ...draft, sig: Buffer.from(sig).toString("hex") };
}

/** Our key, proven for the peer id `self`; `again` asks the peer for its key and vectors once more. */
export function keyFrame(key: AuthorKey, self: PeerId, again = false): GroupKeyFrame {
  const sig = key.sign(groupKeySignedBytes(peerIdDigest(self)));
  return { type: "group-key", key: key.hex, sig: Buffer.from(sig).toString("hex"), again };
}

/** True when the frame proves its key for the peer id the link authenticated. */
export function verifyKeyFrame(f: GroupKeyFrame, peer: PeerId): boolean {
  return check(f.key, groupKeySignedBytes(peerIdDigest(peer)), f.sig);
}

/** True when `sig` proves `key` for `peer`, as a group-key frame does: what a device event carries (group-events.ts). */
export function verifyDeviceKey(key: string, peer: PeerId, sig: string): boolean {
  return check(key, groupKeySignedBytes(peerIdDigest(peer)), sig);
}

/** True when the author signed exactly these fields. */
export function verifyMessage(m: Omit<GroupMessageFrame, "type">): boolean {
  let bytes: Uint8Array;
  try {
    bytes = groupSignedBytes(m);
  } catch {
    return false;
  }
  return check(m.author, bytes, m.sig);
}

/** A contact's discovery key as invites and hellos carry it (z-base-32) to an author key (hex); null if it is not one. */
export function dkeyToAuthor(z32: string | null | undefined): string | null {
  if (!z32) return null;
  const raw = decodeZ32(z32.trim().toLowerCase());
  return raw && raw.length === 32 ? Buffer.from(raw).toString("hex") : null;
}

const cache = new Map<string, KeyObject | null>();

function publicKey(hex: string): KeyObject | null {
  let k = cache.get(hex);
  if (k !== undefined) return k;
  if (cache.size >= MAX_CACHED_KEYS) cache.clear();
  try {
    k = createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: Buffer.from(hex, "hex").toString("base64url") }, format: "jwk" });
  } catch {
    k = null; // not a point on the curve
  }
  cache.set(hex, k);
  return k;
}

function check(keyHex: string, bytes: Uint8Array, sigHex: string): boolean {
  if (!isHexKey(keyHex, 32) || !isHexKey(sigHex, 64)) return false;
  const key = publicKey(keyHex);
  if (!key) return false;
  try {
    return verify(null, bytes, key, hexBytes(sigHex, 64, "signature"));
  } catch {
    return false;
  }
}
