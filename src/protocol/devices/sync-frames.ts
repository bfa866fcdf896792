// The frames between two devices of one person (frames 16-19), with the rules
// of codec.ts: encoding refuses what decoding would refuse, sizes are checked
// from the header before a payload byte is kept, and decoding returns a frame
// or throws a ProtocolError. Payloads (after the 5-byte header):
//
//   device-vector  n u16 | n * (device(32) | seq u32)           devices ascending, seq >= 1
//   device-want    n u16 (>= 1) | n * (device(32) | from u32 | to u32), 1 <= from <= to
//   device-entry   device(32) | seq u32 (>= 1) | created u64 | kind u8 | UTF-8 JSON body
//
// A device id is a peer id (the SHA-256 of that device's certificate), its 32
// bytes on the wire. A vector says, per device log, the highest seq held with
// no gap; it is also the acknowledgement of what arrived. 19 is kept for the
// sync (unused so far): a peer that sends it gets UNKNOWN_TYPE.
import { FRAME_TYPE, HEADER_SIZE, MAX_FRAME, writeHeader } from "../frame.ts";
import { peerIdDigest, peerIdFromDigest } from "../peer-id.ts";
import type { PeerId } from "../peer-id.ts";
import { ProtocolError } from "../protocol-error.ts";
import { decodeEntry, type DeviceEntry } from "./sync-entries.ts";

/** The hello cap of a device that speaks the sync: frames 16-18 go only to a device whose hello lists it. */
export const DEVICE_SYNC_CAP = "device-sync";
/** Device logs one vector names. */
export const MAX_VECTOR_DEVICES = 1024;
/** Ranges in one want. */
export const MAX_DEVICE_WANT_RANGES = 1024;
export const MAX_DEVICE_SEQ = 0xffff_ffff;

const DEVICE_BYTES = 32;
const VECTOR_ENTRY = DEVICE_BYTES + 4;
const WANT_RANGE = DEVICE_BYTES + 8;
/** Everything before an entry's body. */
export const DEVICE_ENTRY_PREFIX = DEVICE_BYTES + 4 + 8 + 1;
/** Bytes of an entry's JSON body: what fits in one frame. */
export const MAX_ENTRY_BODY = MAX_FRAME - 1 - DEVICE_ENTRY_PREFIX;

export type DeviceVectorFrame = { type: "device-vector"; logs: { device: PeerId; seq: number }[] };
export type DeviceWantFrame = { type: "device-want"; ranges: { device: PeerId; from: number; to: number }[] };
/** One log entry: `text` is its body as logged (kept as it came), `entry` the same checked. */
export type DeviceEntryFrame = { type: "device-entry"; device: PeerId; seq: number; created: number; kind: number; text: string; entry: DeviceEntry };
export type DeviceSyncFrame = DeviceVectorFrame | DeviceWantFrame | DeviceEntryFrame;

/** An entry as the store holds it, ready to go out without being parsed again. */
export interface DeviceEntryRow {
  device: PeerId;
  seq: number;
  created: number;
  kind: number;
  text: string;
}

const TWO_32 = 2 ** 32;

// A link carries the ids of a handful of devices, in every entry frame: each
// id's bytes and each byte string's id are worked out once (base32 and check
// characters cost more than the rest of a frame).
const MAX_CACHED_IDS = 1024;
const digests = new Map<string, Uint8Array>();
const ids = new Map<string, PeerId>();

function deviceBytes(id: PeerId): Uint8Array {
  let d = digests.get(id);
  if (!d) {
    d = peerIdDigest(id);
    if (digests.size >= MAX_CACHED_IDS) digests.clear();
    digests.set(id, d);
  }
  return d;
}

function deviceAt(p: Uint8Array, at: number): PeerId {
  const key = Buffer.from(p.buffer, p.byteOffset + at, DEVICE_BYTES).toString("latin1");
  let id = ids.get(key);
  if (!id) {
    id = peerIdFromDigest(p.slice(at, at + DEVICE_BYTES));
    if (ids.size >= MAX_CACHED_IDS) ids.clear();
    ids.set(key, id);
  }
  return id;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

export function isDeviceSyncFrameType(type: number): boolean {
  return type === FRAME_TYPE.deviceVector || type === FRAME_TYPE.deviceWant || type === FRAME_TYPE.deviceEntry;
}

// --- encoding -----------------------------------------------------------------------

export function encodeDeviceSyncFrame(f: DeviceSyncFrame): Uint8Array {
  switch (f.type) {
    case "device-vector":
      return encodeVector(f);
    case "device-want":
      return encodeWant(f);
    case "device-entry":
      return encodeDeviceEntries([f]);
  }
}

function checkSeq(seq: number, what: string): void {
  if (!Number.isInteger(seq) || seq < 1 || seq > MAX_DEVICE_SEQ) throw ProtocolError.badFrame(`${what} seq ${seq} is not 1 to ${MAX_DEVICE_SEQ}`);
}

function encodeVector(f: DeviceVectorFrame): Uint8Array {
  const logs = [...f.logs].sort((a, b) => (a.device < b.device ? -1 : a.device > b.device ? 1 : 0));
  if (logs.length > MAX_VECTOR_DEVICES) throw ProtocolError.badFrame(`a device vector names at most ${MAX_VECTOR_DEVICES} logs (this has ${logs.length})`);
  const size = 2 + logs.length * VECTOR_ENTRY;
  const out = Buffer.alloc(HEADER_SIZE + size);
  writeHeader(out, 0, FRAME_TYPE.deviceVector, size);
  out.writeUInt16BE(logs.length, HEADER_SIZE);
  let pos = HEADER_SIZE + 2;
  let last: string | null = null;
  for (const l of logs) {
    if (l.device === last) throw ProtocolError.badFrame(`device vector: ${l.device} twice`);
    last = l.device;
    checkSeq(l.seq, "device vector");
    out.set(deviceBytes(l.device), pos);
    out.writeUInt32BE(l.seq, pos + DEVICE_BYTES);
    pos += VECTOR_ENTRY;
  }
  return out;
}

function encodeWant(f: DeviceWantFrame): Uint8Array {
  const n = f.ranges.length;
  if (n < 1 || n > MAX_DEVICE_WANT_RANGES) throw ProtocolError.badFrame(`a device want holds 1 to ${MAX_DEVICE_WANT_RANGES} ranges (this has ${n})`);
  const size = 2 + n * WANT_RANGE;
  const out = Buffer.alloc(HEADER_SIZE + size);
  writeHeader(out, 0, FRAME_TYPE.deviceWant, size);
  out.writeUInt16BE(n, HEADER_SIZE);
  let pos = HEADER_SIZE + 2;
  for (const r of f.ranges) {
    checkSeq(r.from, "device want");
    checkSeq(r.to, "device want");
    if (r.to < r.from) throw ProtocolError.badFrame(`device want range ${r.from}..${r.to} ends before it starts`);
    out.set(deviceBytes(r.device), pos);
    out.writeUInt32BE(r.from, pos + DEVICE_BYTES);
    out.writeUInt32BE(r.to, pos + DEVICE_BYTES + 4);
    pos += WANT_RANGE;
  }
  return out;
}

/** Many entry frames in one buffer (a batch read from the store); throws before writing anything for one that would be refused. */
export function encodeDeviceEntries(rows: readonly DeviceEntryRow[]): Uint8Array {
  const sizes = new Array<number>(rows.length);
  let total = 0;
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    checkSeq(r.seq, "device entry");
    if (!Number.isSafeInteger(r.created) || r.created < 0) throw ProtocolError.badFrame(`device entry created ${r.created} is not a time`);
    if (!Number.isInteger(r.kind) || r.kind < 0 || r.kind > 255) throw ProtocolError.badFrame(`device entry kind ${r.kind} is not a byte`);
    const size = Buffer.byteLength(r.text, "utf8");
    if (size > MAX_ENTRY_BODY) throw ProtocolError.bodyTooLarge(size, MAX_ENTRY_BODY);
    sizes[i] = size;
    total += HEADER_SIZE + DEVICE_ENTRY_PREFIX + size;
  }
  const out = Buffer.alloc(total);
  let pos = 0;
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    writeHeader(out, pos, FRAME_TYPE.deviceEntry, DEVICE_ENTRY_PREFIX + sizes[i]!);
    pos += HEADER_SIZE;
    out.set(deviceBytes(r.device), pos);
    out.writeUInt32BE(r.seq, pos + DEVICE_BYTES);
    out.writeUInt32BE(Math.floor(r.created / TWO_32), pos + DEVICE_BYTES + 4);
    out.writeUInt32BE(r.created % TWO_32, pos + DEVICE_BYTES + 8);
    out[pos + DEVICE_BYTES + 12] = r.kind;
    pos += DEVICE_ENTRY_PREFIX;
    if (sizes[i]! > 0) out.write(r.text, pos, sizes[i]!, "utf8");
    pos += sizes[i]!;
  }
  return out;
}

// --- decoding -----------------------------------------------------------------------

/** The checks that need only the type and size (before the payload is buffered). */
export function checkDeviceSyncHeader(type: number, size: number): void {
  switch (type) {
    case FRAME_TYPE.deviceVector:
      if (size < 2 || (size - 2) % VECTOR_ENTRY !== 0) throw ProtocolError.badFrame(`device-vector payload of ${size} bytes is not a count and whole entries`);
      if ((size - 2) / VECTOR_ENTRY > MAX_VECTOR_DEVICES) throw ProtocolError.badFrame(`device-vector of more than ${MAX_VECTOR_DEVICES} logs`);
      return;
    case FRAME_TYPE.deviceWant:
      if (size < 2 + WANT_RANGE || (size - 2) % WANT_RANGE !== 0) throw ProtocolError.badFrame(`device-want payload of ${size} bytes is not a count and whole ranges`);
      if ((size - 2) / WANT_RANGE > MAX_DEVICE_WANT_RANGES) throw ProtocolError.badFrame(`device-want of more than ${MAX_DEVICE_WANT_RANGES} ranges`);
      return;
    case FRAME_TYPE.deviceEntry:
      if (size < DEVICE_ENTRY_PREFIX + 2) throw ProtocolError.badFrame(`device-entry payload of ${size} bytes: its fixed part and "{}" take ${DEVICE_ENTRY_PREFIX + 2}`);
      if (size - DEVICE_ENTRY_PREFIX > MAX_ENTRY_BODY) throw ProtocolError.bodyTooLarge(size - DEVICE_ENTRY_PREFIX, MAX_ENTRY_BODY);
      return;
    default:
      throw ProtocolError.unknownType(type);
  }
}

export function decodeDeviceSyncPayload(type: number, p: Uint8Array): DeviceSyncFrame {
  checkDeviceSyncHeader(type, p.length);
  switch (type) {
    case FRAME_TYPE.deviceVector: {
      const n = readU16(p, 0);
      if (2 + n * VECTOR_ENTRY !== p.length) throw ProtocolError.badFrame(`device vector: count ${n} does not match its ${p.length} bytes`);
      const logs: DeviceVectorFrame["logs"] = [];
      for (let i = 0, pos = 2; i < n; i++, pos += VECTOR_ENTRY) {
        const device = deviceAt(p, pos);
        const seq = readU32(p, pos + DEVICE_BYTES);
        if (seq < 1) throw ProtocolError.badFrame("device vector: a seq of 0");
        if (i > 0 && logs[i - 1]!.device >= device) throw ProtocolError.badFrame("device vector: devices are not in ascending order");
        logs.push({ device, seq });
      }
      return { type: "device-vector", logs };
    }
    case FRAME_TYPE.deviceWant: {
      const n = readU16(p, 0);
      if (n < 1 || 2 + n * WANT_RANGE !== p.length) throw ProtocolError.badFrame(`device want: count ${n} does not match its ${p.length} bytes`);
      const ranges: DeviceWantFrame["ranges"] = [];
      for (let i = 0, pos = 2; i < n; i++, pos += WANT_RANGE) {
        const from = readU32(p, pos + DEVICE_BYTES);
        const to = readU32(p, pos + DEVICE_BYTES + 4);
        if (from < 1 || to < from) throw ProtocolError.badFrame(`device want range ${from}..${to} is not 1 <= from <= to`);
        ranges.push({ device: deviceAt(p, pos), from, to });
      }
      return { type: "device-want", ranges };
    }
    default: {
      const seq = readU32(p, DEVICE_BYTES);
      if (seq < 1) throw ProtocolError.badFrame("device entry seq 0: seqs start at 1");
      const hi = readU32(p, DEVICE_BYTES + 4);
      if (hi > 0x1fffff) throw ProtocolError.badFrame("device entry created time is past 2^53 ms");
      let text: string;
      try {
        text = utf8.decode(p.subarray(DEVICE_ENTRY_PREFIX));
      } catch (err) {
        throw ProtocolError.badUtf8("device entry body", err);
      }
      const kind = p[DEVICE_BYTES + 12]!;
      return {
        type: "device-entry",
        device: deviceAt(p, 0),
        seq,
        created: hi * TWO_32 + readU32(p, DEVICE_BYTES + 8),
        kind,
        text,
        entry: decodeEntry(kind, text),
      };
    }
  }
}

function readU16(b: Uint8Array, at: number): number {
  return (b[at]! << 8) | b[at + 1]!;
}

function readU32(b: Uint8Array, at: number): number {
  return ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
}
