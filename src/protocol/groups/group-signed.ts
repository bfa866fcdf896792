// What an author signs in a group, and the ids derived from keys and
// nonces: the bytes of a message without its signature (behind a domain
// tag, as every hash and signature here), a group-key frame's signed peer
// id, a group's id and a message's UUID. Shared by the frames
// (group-codec.ts) and the fork proofs (group-forks.ts).
import { putHex, hexBytes } from "../hex.ts";
import type { GroupMessageFrame } from "../messages.ts";
import { ProtocolError } from "../protocol-error.ts";
import { bytesToUuid } from "../uuid.ts";

export const GROUP_ID_BYTES = 16;
export const KEY_BYTES = 32;
export const SIG_BYTES = 64;
/** A log digest in a vector (group-forks.ts). */
export const DIGEST_BYTES = 32;
export const MAX_GROUP_SEQ = 0xffff_ffff;

const TWO_32 = 2 ** 32;
const encoder = new TextEncoder();
const MESSAGE_DOMAIN = encoder.encode("p2pchat group message v1\0");
const KEY_DOMAIN = encoder.encode("p2pchat group key v1\0");
const ID_DOMAIN = encoder.encode("p2pchat group id v1\0");
const UUID_DOMAIN = encoder.encode("p2pchat group message id v1\0");

/** A message's fixed fields, checked as encoding and signing need them. */
export function checkMessageFields(m: Omit<GroupMessageFrame, "type" | "sig">): void {
  if (!Number.isInteger(m.seq) || m.seq < 1 || m.seq > MAX_GROUP_SEQ) throw ProtocolError.badFrame(`group message seq ${m.seq} is not 1 to ${MAX_GROUP_SEQ}`);
  if (!Number.isSafeInteger(m.created) || m.created < 0) throw ProtocolError.badFrame(`group message created ${m.created} is not an integer >= 0`);
  if (!Number.isInteger(m.kind) || m.kind < 0 || m.kind > 255) throw ProtocolError.badFrame(`group message kind ${m.kind} is not a byte`);
  if (!m.body.isWellFormed()) throw ProtocolError.badUtf8("group message body (a lone surrogate)");
}

/** group | author | seq | created | kind, at `pos`; returns the position after. */
export function writeMessageHead(out: Buffer, pos: number, m: Omit<GroupMessageFrame, "type" | "sig">): number {
  putHex(out, pos, m.group, GROUP_ID_BYTES, "group id");
  putHex(out, pos + GROUP_ID_BYTES, m.author, KEY_BYTES, "author key");
  pos += GROUP_ID_BYTES + KEY_BYTES;
  out.writeUInt32BE(m.seq, pos);
  out.writeUInt32BE(Math.floor(m.created / TWO_32), pos + 4);
  out.writeUInt32BE(m.created >>> 0, pos + 8);
  out[pos + 12] = m.kind;
  return pos + 13;
}

/** The bytes an author signs: a domain tag, then every field of the message but the signature. */
export function groupSignedBytes(m: Omit<GroupMessageFrame, "type" | "sig">): Uint8Array {
  checkMessageFields(m);
  const size = Buffer.byteLength(m.body, "utf8");
  const out = Buffer.alloc(MESSAGE_DOMAIN.length + GROUP_ID_BYTES + KEY_BYTES + 13 + size);
  out.set(MESSAGE_DOMAIN, 0);
  const pos = writeMessageHead(out, MESSAGE_DOMAIN.length, m);
  out.write(m.body, pos, size, "utf8");
  return out;
}

/** What a group-key frame's signature covers: the sender's peer id (its 32-byte digest). */
export function groupKeySignedBytes(peerDigest: Uint8Array): Uint8Array {
  if (peerDigest.length !== 32) throw ProtocolError.badFrame("a peer id digest has 32 bytes");
  const out = new Uint8Array(KEY_DOMAIN.length + 32);
  out.set(KEY_DOMAIN, 0);
  out.set(peerDigest, KEY_DOMAIN.length);
  return out;
}

/** A group's id: bound to its creator's key (and a random nonce), so nobody else can claim to have created it. */
export function groupIdFor(creator: string, nonce: string): string {
  const h = new Bun.CryptoHasher("sha256");
  h.update(ID_DOMAIN);
  h.update(hexBytes(creator, KEY_BYTES, "creator key"));
  h.update(hexBytes(nonce, GROUP_ID_BYTES, "nonce"));
  return Buffer.from(h.digest()).subarray(0, GROUP_ID_BYTES).toString("hex");
}

/** A UUID (version 8) naming (group, author, seq): the id history, paging and delivery marks use. */
export function groupMessageUuid(group: string, author: string, seq: number): string {
  const h = new Bun.CryptoHasher("sha256");
  h.update(UUID_DOMAIN);
  h.update(hexBytes(group, GROUP_ID_BYTES, "group id"));
  h.update(hexBytes(author, KEY_BYTES, "author key"));
  const s = Buffer.alloc(4);
  s.writeUInt32BE(seq >>> 0);
  h.update(s);
  const b = new Uint8Array(h.digest()).subarray(0, 16);
  b[6] = (b[6]! & 0x0f) | 0x80;
  b[8] = (b[8]! & 0x3f) | 0x80;
  return bytesToUuid(b, 0);
}
