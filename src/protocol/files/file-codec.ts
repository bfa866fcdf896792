// File frames to bytes and back (layouts in file-frames.ts), with codec.ts's
// rules: encoding refuses what decoding would refuse, sizes are checked from
// the header before a payload byte is kept, and decoding returns a frame or
// throws a ProtocolError.
import { BIG_BUFFER, takeBigBuffer } from "../big-buffers.ts";
import { FRAME_TYPE, HEADER_SIZE, MAX_REASON, writeHeader } from "../frame.ts";
import { hexString, putHex } from "../hex.ts";
import { ProtocolError, errorCodeFromWire, errorCodeToWire } from "../protocol-error.ts";
import { truncateUtf8 } from "../utf8.ts";
import { UUID_BYTES, bytesToUuid, uuidToBytes } from "../uuid.ts";
import {
  FILE_ANSWERS,
  HASH_BYTES,
  MAX_CHUNK,
  MAX_MANIFEST_PIECE,
  MAX_RANGES,
  MAX_WIRE_NAME,
  MIN_CHUNK,
  type FileAnswerFrame,
  type FileFrame,
  type FileOfferFrame,
  type FileRange,
} from "./file-frames.ts";

const OFFER_FIXED = UUID_BYTES + HASH_BYTES * 2 + 8 + 4 + 8;
const ANSWER_FIXED = UUID_BYTES + 3;
const RANGE_BYTES = 8;
/** id | index: what comes before a chunk's bytes. */
export const CHUNK_PREFIX = UUID_BYTES + 4;
const MAX_U32 = 0xffff_ffff;
const TWO_32 = 2 ** 32;
const utf8 = new TextDecoder("utf-8", { fatal: true });
const encoder = new TextEncoder();

export function isFileFrameType(type: number): boolean {
  return type >= FRAME_TYPE.fileOffer && type <= FRAME_TYPE.fileMissing;
}

// --- encoding -------------------------------------------------------------------

export function encodeFileFrame(f: FileFrame): Uint8Array {
  switch (f.type) {
    case "file-offer":
      return encodeOffer(f);
    case "file-answer":
      return encodeAnswer(f);
    case "file-manifest-want": {
      checkSpan(f.from, f.count, "manifest want");
      const out = frameOf(FRAME_TYPE.fileManifestWant, UUID_BYTES + 8, f.id);
      out.writeUInt32BE(f.from, HEADER_SIZE + UUID_BYTES);
      out.writeUInt32BE(f.count, HEADER_SIZE + UUID_BYTES + 4);
      return out;
    }
    case "file-manifest": {
      const n = f.hashes.length / HASH_BYTES;
      if (!Number.isInteger(n) || n < 1 || n > MAX_MANIFEST_PIECE) throw ProtocolError.badFrame(`a manifest piece holds 1 to ${MAX_MANIFEST_PIECE} whole 32-byte hashes`);
      checkSpan(f.from, n, "manifest piece");
      const out = frameOf(FRAME_TYPE.fileManifest, UUID_BYTES + 4 + f.hashes.length, f.id);
      out.writeUInt32BE(f.from, HEADER_SIZE + UUID_BYTES);
      out.set(f.hashes, HEADER_SIZE + UUID_BYTES + 4);
      return out;
    }
    case "file-want":
      return encodeRanges(FRAME_TYPE.fileWant, f.id, f.ranges);
    case "file-missing":
      return encodeRanges(FRAME_TYPE.fileMissing, f.id, f.ranges);
    case "file-chunk": {
      const { frame, data } = chunkFrame(f.id, f.index, f.data.length);
      data.set(f.data);
      return frame;
    }
  }
}

/**
 * A chunk frame with room for `length` bytes of data, which the caller
 * writes into `data` (a view of `frame`): the sender reads the file straight
 * into the frame, no copy between. `pooled`: in a big buffer used before
 * (big-buffers.ts), for the caller to give back once it is sent (a fresh
 * 256 KiB buffer per chunk cost the sender page faults and collections).
 */
export function chunkFrame(id: string, index: number, length: number, pooled = false): { frame: Buffer; data: Buffer } {
  if (!Number.isInteger(length) || length < 1 || length > MAX_CHUNK) throw ProtocolError.badFrame(`a chunk holds 1 to ${MAX_CHUNK} bytes, not ${length}`);
  checkSpan(index, 1, "chunk index");
  const frame = frameOf(FRAME_TYPE.fileChunk, CHUNK_PREFIX + length, id, pooled);
  frame.writeUInt32BE(index, HEADER_SIZE + UUID_BYTES);
  return { frame, data: frame.subarray(HEADER_SIZE + CHUNK_PREFIX) };
}

function encodeOffer(f: FileOfferFrame): Uint8Array {
  checkOffer(f.size, f.chunkSize, f.created);
  const name = encoder.encode(f.name);
  if (name.length < 1 || name.length > MAX_WIRE_NAME) throw ProtocolError.badFrame(`a file name has 1 to ${MAX_WIRE_NAME} bytes of UTF-8, not ${name.length}`);
  if (!f.name.isWellFormed()) throw ProtocolError.badUtf8("file name (a lone surrogate)");
  const out = frameOf(FRAME_TYPE.fileOffer, OFFER_FIXED + name.length, f.id);
  let pos = HEADER_SIZE + UUID_BYTES;
  putHex(out, pos, f.sha256, HASH_BYTES, "file SHA-256");
  putHex(out, pos + HASH_BYTES, f.root, HASH_BYTES, "manifest root");
  pos += HASH_BYTES * 2;
  writeU64(out, pos, f.size);
  out.writeUInt32BE(f.chunkSize, pos + 8);
  writeU64(out, pos + 12, f.created);
  out.set(name, pos + 20);
  return out;
}

function encodeAnswer(f: FileAnswerFrame): Uint8Array {
  const reason = truncateUtf8(encoder.encode(f.reason), MAX_REASON);
  const out = frameOf(FRAME_TYPE.fileAnswer, ANSWER_FIXED + reason.length, f.id);
  out[HEADER_SIZE + UUID_BYTES] = FILE_ANSWERS.indexOf(f.answer);
  out.writeUInt16BE(f.code === null ? 0 : errorCodeToWire(f.code), HEADER_SIZE + UUID_BYTES + 1);
  out.set(reason, HEADER_SIZE + ANSWER_FIXED);
  return out;
}

function encodeRanges(type: number, id: string, ranges: readonly FileRange[]): Uint8Array {
  if (ranges.length < 1 || ranges.length > MAX_RANGES) throw ProtocolError.badFrame(`a want or missing frame holds 1 to ${MAX_RANGES} ranges, not ${ranges.length}`);
  const out = frameOf(type, UUID_BYTES + 2 + ranges.length * RANGE_BYTES, id);
  let pos = HEADER_SIZE + UUID_BYTES;
  out.writeUInt16BE(ranges.length, pos);
  pos += 2;
  for (const r of ranges) {
    checkSpan(r.from, r.count, "chunk range");
    out.writeUInt32BE(r.from, pos);
    out.writeUInt32BE(r.count, pos + 4);
    pos += RANGE_BYTES;
  }
  return out;
}

/** A frame of `type` with a `size`-byte payload that starts with the transfer id (`pooled`: in a big buffer when it fits one). */
function frameOf(type: number, size: number, id: string, pooled = false): Buffer {
  const big = pooled && HEADER_SIZE + size <= BIG_BUFFER ? takeBigBuffer() : null;
  const out = big ? Buffer.from(big.buffer, 0, HEADER_SIZE + size) : Buffer.allocUnsafe(HEADER_SIZE + size);
  writeHeader(out, 0, type as (typeof FRAME_TYPE)[keyof typeof FRAME_TYPE], size);
  uuidToBytes(id, out, HEADER_SIZE);
  return out;
}

// --- decoding -------------------------------------------------------------------

/** The checks that need only the type and size (before the payload is buffered). */
export function checkFileHeader(type: number, size: number): void {
  const bad = (what: string) => ProtocolError.badFrame(`${what} payload of ${size} bytes`);
  switch (type) {
    case FRAME_TYPE.fileOffer:
      if (size <= OFFER_FIXED || size > OFFER_FIXED + MAX_WIRE_NAME) throw bad("file offer");
      return;
    case FRAME_TYPE.fileAnswer:
      if (size < ANSWER_FIXED || size > ANSWER_FIXED + MAX_REASON) throw bad("file answer");
      return;
    case FRAME_TYPE.fileManifestWant:
      if (size !== UUID_BYTES + 8) throw bad("file manifest want");
      return;
    case FRAME_TYPE.fileManifest:
      if (size < UUID_BYTES + 4 + HASH_BYTES || size > UUID_BYTES + 4 + MAX_MANIFEST_PIECE * HASH_BYTES || (size - UUID_BYTES - 4) % HASH_BYTES !== 0) throw bad("file manifest");
      return;
    case FRAME_TYPE.fileWant:
    case FRAME_TYPE.fileMissing:
      if (size < UUID_BYTES + 2 + RANGE_BYTES || size > UUID_BYTES + 2 + MAX_RANGES * RANGE_BYTES || (size - UUID_BYTES - 2) % RANGE_BYTES !== 0) throw bad("file want or missing");
      return;
    case FRAME_TYPE.fileChunk:
      if (size <= CHUNK_PREFIX || size > CHUNK_PREFIX + MAX_CHUNK) throw bad("file chunk");
      return;
    default:
      throw ProtocolError.unknownType(type);
  }
}

/** `owned`: `p` is this frame's alone (frame.ts), so a chunk's bytes are a view of it, not a copy. */
export function decodeFilePayload(type: number, p: Uint8Array, owned = false): FileFrame {
  const id = bytesToUuid(p, 0);
  const at = UUID_BYTES;
  switch (type) {
    case FRAME_TYPE.fileOffer: {
      const size = readU64(p, at + HASH_BYTES * 2, "file size");
      const chunkSize = readU32(p, at + HASH_BYTES * 2 + 8);
      const created = readU64(p, at + HASH_BYTES * 2 + 12, "offer time");
      checkOffer(size, chunkSize, created);
      return {
        type: "file-offer",
        id,
        sha256: hexString(p, at, HASH_BYTES),
        root: hexString(p, at + HASH_BYTES, HASH_BYTES),
        size,
        chunkSize,
        created,
        name: decodeUtf8(p.subarray(OFFER_FIXED), "file name"),
      };
    }
    case FRAME_TYPE.fileAnswer: {
      const answer = FILE_ANSWERS[p[at]!];
      if (answer === undefined) throw ProtocolError.badFrame(`file answer ${p[at]} is none of 0-${FILE_ANSWERS.length - 1}`);
      const wire = (p[at + 1]! << 8) | p[at + 2]!;
      return { type: "file-answer", id, answer, code: wire === 0 ? null : errorCodeFromWire(wire), reason: decodeUtf8(p.subarray(ANSWER_FIXED), "file answer reason") };
    }
    case FRAME_TYPE.fileManifestWant: {
      const from = readU32(p, at);
      const count = readU32(p, at + 4);
      checkSpan(from, count, "manifest want");
      return { type: "file-manifest-want", id, from, count };
    }
    case FRAME_TYPE.fileManifest: {
      const from = readU32(p, at);
      const hashes = owned ? p.subarray(at + 4) : copyFrom(p, at + 4);
      checkSpan(from, hashes.length / HASH_BYTES, "manifest piece");
      return { type: "file-manifest", id, from, hashes };
    }
    case FRAME_TYPE.fileWant:
    case FRAME_TYPE.fileMissing: {
      const n = (p[at]! << 8) | p[at + 1]!;
      if (n < 1 || at + 2 + n * RANGE_BYTES !== p.length) throw ProtocolError.badFrame(`file ranges: count ${n} does not match its ${p.length} bytes`);
      const ranges: FileRange[] = [];
      for (let i = 0, pos = at + 2; i < n; i++, pos += RANGE_BYTES) {
        const r = { from: readU32(p, pos), count: readU32(p, pos + 4) };
        checkSpan(r.from, r.count, "chunk range");
        ranges.push(r);
      }
      return { type: type === FRAME_TYPE.fileWant ? "file-want" : "file-missing", id, ranges };
    }
    case FRAME_TYPE.fileChunk:
      return { type: "file-chunk", id, index: readU32(p, at), data: owned ? p.subarray(CHUNK_PREFIX) : chunkCopy(p) };
    default:
      throw ProtocolError.unknownType(type);
  }
}

// --- checks and helpers -----------------------------------------------------------

function checkOffer(size: number, chunkSize: number, created: number): void {
  if (!Number.isSafeInteger(size) || size < 0) throw ProtocolError.badFrame(`file size ${size} is not an integer from 0 to 2^53 - 1`);
  if (!Number.isInteger(chunkSize) || chunkSize < MIN_CHUNK || chunkSize > MAX_CHUNK || (chunkSize & (chunkSize - 1)) !== 0) {
    throw ProtocolError.badFrame(`chunk size ${chunkSize} is not a power of two from ${MIN_CHUNK} to ${MAX_CHUNK}`);
  }
  if (Math.ceil(size / chunkSize) > MAX_U32 + 1) throw ProtocolError.badFrame(`a file of ${size} bytes has more than 2^32 chunks of ${chunkSize}`);
  if (!Number.isSafeInteger(created) || created < 0) throw ProtocolError.badFrame(`offer time ${created} is not an integer >= 0`);
}

/** `from .. from + count - 1` are u32 indices, count >= 1. */
function checkSpan(from: number, count: number, what: string): void {
  if (!Number.isInteger(from) || !Number.isInteger(count) || from < 0 || count < 1 || from + count - 1 > MAX_U32) {
    throw ProtocolError.badFrame(`${what} ${from} + ${count} is not a range of chunk indices`);
  }
}

function writeU64(out: Buffer, pos: number, n: number): void {
  out.writeUInt32BE(Math.floor(n / TWO_32), pos);
  out.writeUInt32BE(n >>> 0, pos + 4);
}

function readU64(b: Uint8Array, at: number, what: string): number {
  const hi = readU32(b, at);
  if (hi > 0x1fffff) throw ProtocolError.badFrame(`${what} is past 2^53`);
  return hi * TWO_32 + readU32(b, at + 4);
}

/** A copy of `p` from `at`, in a buffer of its own (a Buffer's slice() would be a view). */
function copyFrom(p: Uint8Array, at: number): Uint8Array {
  const out = new Uint8Array(p.length - at);
  out.set(p.subarray(at));
  return out;
}

/** A chunk's bytes copied out of a frame that is not its own, into a big buffer used before when they fit (big-buffers.ts). */
function chunkCopy(p: Uint8Array): Uint8Array {
  const n = p.length - CHUNK_PREFIX;
  if (n <= BIG_BUFFER && n > BIG_BUFFER / 4) {
    const out = takeBigBuffer().subarray(0, n);
    out.set(p.subarray(CHUNK_PREFIX));
    return out;
  }
  return copyFrom(p, CHUNK_PREFIX);
}

function readU32(b: Uint8Array, at: number): number {
  return ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
}

function decodeUtf8(b: Uint8Array, what: string): string {
  try {
    return utf8.decode(b);
  } catch (err) {
    throw ProtocolError.badUtf8(what, err);
  }
}
