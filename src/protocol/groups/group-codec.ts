// Group frames to bytes and back, with the same rules as codec.ts: encoding
// refuses what decoding would refuse, every size is checked from the header
// before a payload byte is kept, and decoding returns a frame or throws a
// ProtocolError. Payloads (after the 5-byte header):
//
//   group-key      key(32) | sig(64) | flags u8 (bit 0: again)
//   group-vector   group(16) | creator(32) | flags u8 (bit 0: full, bit 1: digests) | nKeys u16 | keys(nKeys * 32, ascending)
//                  | nRows u16 (>= 1) | rows: member u16 | n u16 | n * (author u16 | seq u32)
//                  | with bit 1: one digest(32) per entry of row 0, in its order (row 0 has at least one)
//                  row 0 is the sender's; the others ascend by member; entries ascend by author; seq >= 1
//                  (an older decoder refuses bit 1: digests go only to a peer with the "group-forks" cap)
//   group-fork     see group-forks.ts
//   group-want     group(16) | n u16 (>= 1) | n * (author(32) | from u32 | to u32), 1 <= from <= to
//   group-message  group(16) | author(32) | seq u32 (>= 1) | created u64 | kind u8 | sig(64) | UTF-8 body
//
// Keys, groups and signatures are lowercase hex in the frames the program
// sees. The canonical vector form (sorted keys) means a decoded frame
// encodes to the same bytes.
import { FRAME_TYPE, HEADER_SIZE, MAX_BODY, MAX_FRAME, writeHeader } from "../frame.ts";
import { hexString, putHex } from "../hex.ts";
import type { GroupFrame, GroupMessageFrame, GroupVectorFrame, GroupVectorRow, GroupWantFrame } from "../messages.ts";
import { ProtocolError } from "../protocol-error.ts";
import { checkForkHeader, decodeFork, encodeFork } from "./group-forks.ts";
import { checkMessageFields, DIGEST_BYTES, GROUP_ID_BYTES, KEY_BYTES, MAX_GROUP_SEQ, SIG_BYTES, writeMessageHead } from "./group-signed.ts";

/** Distinct keys one vector frame names (members and former members). */
export const MAX_VECTOR_KEYS = 1024;
/** Ranges in one want frame. */
export const MAX_WANT_RANGES = 1024;

const KEY_FRAME_SIZE = KEY_BYTES + SIG_BYTES + 1;
const VECTOR_MIN = GROUP_ID_BYTES + KEY_BYTES + 1 + 2 + 2;
const WANT_RANGE = KEY_BYTES + 8;
/** Everything before the body of a group message. */
export const GROUP_MESSAGE_PREFIX = GROUP_ID_BYTES + KEY_BYTES + 4 + 8 + 1 + SIG_BYTES;

const TWO_32 = 2 ** 32;
const utf8 = new TextDecoder("utf-8", { fatal: true });

export function isGroupFrameType(type: number): boolean {
  return (type >= FRAME_TYPE.groupKey && type <= FRAME_TYPE.groupMessage) || type === FRAME_TYPE.groupFork;
}

// --- encoding -------------------------------------------------------------------

export function encodeGroupFrame(f: GroupFrame): Uint8Array {
  switch (f.type) {
    case "group-key": {
      const out = Buffer.alloc(HEADER_SIZE + KEY_FRAME_SIZE);
      writeHeader(out, 0, FRAME_TYPE.groupKey, KEY_FRAME_SIZE);
      putHex(out, HEADER_SIZE, f.key, KEY_BYTES, "group key");
      putHex(out, HEADER_SIZE + KEY_BYTES, f.sig, SIG_BYTES, "group key signature");
      out[HEADER_SIZE + KEY_BYTES + SIG_BYTES] = f.again ? 1 : 0;
      return out;
    }
    case "group-vector":
      return encodeVector(f);
    case "group-want":
      return encodeWant(f);
    case "group-message":
      return encodeGroupMessages([f]);
    case "group-fork":
      return encodeFork(f);
  }
}

/** Many group-message frames in one buffer; throws before writing anything for one that would be refused. */
export function encodeGroupMessages(msgs: readonly Omit<GroupMessageFrame, "type">[]): Uint8Array {
  const sizes = new Array<number>(msgs.length);
  let total = 0;
  for (let i = 0; i < msgs.length; i++) {
    const m = msgs[i]!;
    checkMessageFields(m);
    const size = Buffer.byteLength(m.body, "utf8");
    if (size > MAX_BODY) throw ProtocolError.bodyTooLarge(size, MAX_BODY);
    sizes[i] = size;
    total += HEADER_SIZE + GROUP_MESSAGE_PREFIX + size;
  }
  const out = Buffer.alloc(total);
  let pos = 0;
  for (let i = 0; i < msgs.length; i++) {
    const m = msgs[i]!;
    writeHeader(out, pos, FRAME_TYPE.groupMessage, GROUP_MESSAGE_PREFIX + sizes[i]!);
    pos += HEADER_SIZE;
    pos = writeMessageHead(out, pos, m);
    putHex(out, pos, m.sig, SIG_BYTES, "signature");
    pos += SIG_BYTES;
    if (sizes[i]! > 0) out.write(m.body, pos, sizes[i]!, "utf8");
    pos += sizes[i]!;
  }
  return out;
}

function encodeVector(f: GroupVectorFrame): Uint8Array {
  const rows = normalizeRows(f.rows);
  const keys = [...new Set(rows.flatMap((r) => [r.member, ...r.entries.map((e) => e.author)]))].sort();
  if (keys.length > MAX_VECTOR_KEYS) throw ProtocolError.badFrame(`a group vector names at most ${MAX_VECTOR_KEYS} keys (this has ${keys.length})`);
  const index = new Map(keys.map((k, i) => [k, i]));
  const own = rows[0]!.entries;
  const digests = own.length > 0 && own[0]!.digest !== undefined;
  let size = VECTOR_MIN + keys.length * KEY_BYTES + (digests ? own.length * DIGEST_BYTES : 0);
  for (const r of rows) size += 4 + r.entries.length * 6;
  const out = Buffer.alloc(HEADER_SIZE + size);
  writeHeader(out, 0, FRAME_TYPE.groupVector, size);
  let pos = HEADER_SIZE;
  putHex(out, pos, f.group, GROUP_ID_BYTES, "group id");
  putHex(out, pos + GROUP_ID_BYTES, f.creator, KEY_BYTES, "creator key");
  pos += GROUP_ID_BYTES + KEY_BYTES;
  out[pos++] = (f.full ? 1 : 0) | (digests ? 2 : 0);
  out.writeUInt16BE(keys.length, pos);
  pos += 2;
  for (const k of keys) {
    putHex(out, pos, k, KEY_BYTES, "key");
    pos += KEY_BYTES;
  }
  out.writeUInt16BE(rows.length, pos);
  pos += 2;
  for (const r of rows) {
    out.writeUInt16BE(index.get(r.member)!, pos);
    out.writeUInt16BE(r.entries.length, pos + 2);
    pos += 4;
    for (const e of r.entries) {
      out.writeUInt16BE(index.get(e.author)!, pos);
      out.writeUInt32BE(e.seq, pos + 2);
      pos += 6;
    }
  }
  if (digests) {
    for (const e of own) {
      putHex(out, pos, e.digest!, DIGEST_BYTES, "log digest");
      pos += DIGEST_BYTES;
    }
  }
  return out;
}

/** Row 0 stays first; the others and every row's entries sorted by key; refuses duplicates and bad seqs. */
function normalizeRows(rows: readonly GroupVectorRow[]): GroupVectorRow[] {
  if (rows.length === 0) throw ProtocolError.badFrame("a group vector has at least the sender's row");
  const [own, ...others] = rows;
  const sorted = [own!, ...[...others].sort((a, b) => cmp(a.member, b.member))];
  const members = new Set<string>();
  return sorted.map((r) => {
    if (members.has(r.member)) throw ProtocolError.badFrame(`group vector: two rows for ${r.member}`);
    members.add(r.member);
    const entries = [...r.entries].sort((a, b) => cmp(a.author, b.author));
    const digests = r === own ? entries.filter((e) => e.digest !== undefined).length : 0;
    if (r !== own && r.entries.some((e) => e.digest !== undefined)) throw ProtocolError.badFrame("group vector: only the sender's row carries digests");
    if (digests > 0 && digests < entries.length) throw ProtocolError.badFrame("group vector: a digest for every entry of the sender's row, or none");
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i]!;
      if (!Number.isInteger(e.seq) || e.seq < 1 || e.seq > MAX_GROUP_SEQ) throw ProtocolError.badFrame(`group vector: seq ${e.seq} is not 1 to ${MAX_GROUP_SEQ}`);
      if (i > 0 && entries[i - 1]!.author === e.author) throw ProtocolError.badFrame(`group vector: ${e.author} twice in a row`);
    }
    return { member: r.member, entries };
  });
}

function encodeWant(f: GroupWantFrame): Uint8Array {
  const n = f.ranges.length;
  if (n < 1 || n > MAX_WANT_RANGES) throw ProtocolError.badFrame(`a group want holds 1 to ${MAX_WANT_RANGES} ranges (this has ${n})`);
  const size = GROUP_ID_BYTES + 2 + n * WANT_RANGE;
  const out = Buffer.alloc(HEADER_SIZE + size);
  writeHeader(out, 0, FRAME_TYPE.groupWant, size);
  let pos = HEADER_SIZE;
  putHex(out, pos, f.group, GROUP_ID_BYTES, "group id");
  pos += GROUP_ID_BYTES;
  out.writeUInt16BE(n, pos);
  pos += 2;
  for (const r of f.ranges) {
    if (!Number.isInteger(r.from) || !Number.isInteger(r.to) || r.from < 1 || r.to < r.from || r.to > MAX_GROUP_SEQ) {
      throw ProtocolError.badFrame(`group want range ${r.from}..${r.to} is not 1 <= from <= to <= ${MAX_GROUP_SEQ}`);
    }
    putHex(out, pos, r.author, KEY_BYTES, "author key");
    out.writeUInt32BE(r.from, pos + KEY_BYTES);
    out.writeUInt32BE(r.to, pos + KEY_BYTES + 4);
    pos += WANT_RANGE;
  }
  return out;
}

// --- decoding -------------------------------------------------------------------

/** The checks that need only the type and size (before the payload is buffered). */
export function checkGroupHeader(type: number, size: number): void {
  switch (type) {
    case FRAME_TYPE.groupKey:
      if (size !== KEY_FRAME_SIZE) throw ProtocolError.badFrame(`group-key payload of ${size} bytes, not ${KEY_FRAME_SIZE}`);
      return;
    case FRAME_TYPE.groupVector:
      if (size < VECTOR_MIN) throw ProtocolError.badFrame(`group-vector payload of ${size} bytes is under ${VECTOR_MIN}`);
      return;
    case FRAME_TYPE.groupWant:
      if (size < GROUP_ID_BYTES + 2 + WANT_RANGE || (size - GROUP_ID_BYTES - 2) % WANT_RANGE !== 0) {
        throw ProtocolError.badFrame(`group-want payload of ${size} bytes is not a group id, a count and whole ranges`);
      }
      if ((size - GROUP_ID_BYTES - 2) / WANT_RANGE > MAX_WANT_RANGES) throw ProtocolError.badFrame(`group-want of more than ${MAX_WANT_RANGES} ranges`);
      return;
    case FRAME_TYPE.groupMessage:
      if (size < GROUP_MESSAGE_PREFIX) throw ProtocolError.badFrame(`group-message payload of ${size} bytes: its fixed part alone takes ${GROUP_MESSAGE_PREFIX}`);
      if (size - GROUP_MESSAGE_PREFIX > MAX_BODY) throw ProtocolError.bodyTooLarge(size - GROUP_MESSAGE_PREFIX, MAX_BODY);
      return;
    case FRAME_TYPE.groupFork:
      return checkForkHeader(size);
    default:
      throw ProtocolError.unknownType(type);
  }
}

export function decodeGroupPayload(type: number, p: Uint8Array): GroupFrame {
  switch (type) {
    case FRAME_TYPE.groupKey: {
      const flags = p[KEY_BYTES + SIG_BYTES]!;
      if (flags > 1) throw ProtocolError.badFrame(`group key: unknown flags ${flags}`);
      return { type: "group-key", key: hexString(p, 0, KEY_BYTES), sig: hexString(p, KEY_BYTES, SIG_BYTES), again: flags === 1 };
    }
    case FRAME_TYPE.groupVector:
      return decodeVector(p);
    case FRAME_TYPE.groupWant:
      return decodeWant(p);
    case FRAME_TYPE.groupFork:
      return decodeFork(p);
    case FRAME_TYPE.groupMessage: {
      const at = GROUP_ID_BYTES + KEY_BYTES;
      const seq = readU32(p, at);
      if (seq < 1) throw ProtocolError.badFrame("group message seq 0: seqs start at 1");
      const hi = readU32(p, at + 4);
      if (hi > 0x1fffff) throw ProtocolError.badFrame("group message created time is past 2^53 ms");
      let body: string;
      try {
        body = utf8.decode(p.subarray(GROUP_MESSAGE_PREFIX));
      } catch (err) {
        throw ProtocolError.badUtf8("group message body", err);
      }
      return {
        type: "group-message",
        group: hexString(p, 0, GROUP_ID_BYTES),
        author: hexString(p, GROUP_ID_BYTES, KEY_BYTES),
        seq,
        created: hi * TWO_32 + readU32(p, at + 8),
        kind: p[at + 12]!,
        body,
        sig: hexString(p, at + 13, SIG_BYTES),
      };
    }
    default:
      throw ProtocolError.unknownType(type);
  }
}

function decodeVector(p: Uint8Array): GroupVectorFrame {
  const bad = (why: string) => ProtocolError.badFrame(`group vector: ${why}`);
  let pos = GROUP_ID_BYTES + KEY_BYTES;
  const flags = p[pos++]!;
  if (flags > 3) throw bad(`unknown flags ${flags}`);
  const nKeys = readU16(p, pos);
  pos += 2;
  if (nKeys > MAX_VECTOR_KEYS) throw bad(`${nKeys} keys is over ${MAX_VECTOR_KEYS}`);
  if (pos + nKeys * KEY_BYTES + 2 > p.length) throw bad("ends inside its keys");
  const keys = new Array<string>(nKeys);
  for (let i = 0; i < nKeys; i++, pos += KEY_BYTES) {
    keys[i] = hexString(p, pos, KEY_BYTES);
    if (i > 0 && keys[i - 1]! >= keys[i]!) throw bad("keys are not in ascending order");
  }
  const nRows = readU16(p, pos);
  pos += 2;
  if (nRows < 1) throw bad("no row: the sender's comes first");
  if (nRows > nKeys) throw bad(`${nRows} rows for ${nKeys} keys`);
  const rows: GroupVectorRow[] = [];
  let lastMember = -1;
  const seen = new Set<number>();
  for (let r = 0; r < nRows; r++) {
    if (pos + 4 > p.length) throw bad("ends inside a row");
    const member = readU16(p, pos);
    const n = readU16(p, pos + 2);
    pos += 4;
    if (member >= nKeys) throw bad(`member index ${member} of ${nKeys} keys`);
    if (seen.has(member) || (r > 1 && member <= lastMember)) throw bad("rows after the first are not in ascending member order");
    seen.add(member);
    if (r > 0) lastMember = member;
    if (pos + n * 6 > p.length) throw bad("ends inside a row's entries");
    const entries: { author: string; seq: number }[] = [];
    let last = -1;
    for (let i = 0; i < n; i++, pos += 6) {
      const author = readU16(p, pos);
      const seq = readU32(p, pos + 2);
      if (author >= nKeys || author <= last) throw bad("entries are not in ascending author order within the keys");
      if (seq < 1) throw bad("a seq of 0");
      last = author;
      entries.push({ author: keys[author]!, seq });
    }
    rows.push({ member: keys[member]!, entries });
  }
  if (flags & 2) {
    const own = rows[0]!.entries;
    if (own.length === 0) throw bad("digests for a sender's row with no entry");
    if (pos + own.length * DIGEST_BYTES !== p.length) throw bad(`${p.length - pos} bytes after the last row for ${own.length} digests`);
    for (const e of own) {
      e.digest = hexString(p, pos, DIGEST_BYTES);
      pos += DIGEST_BYTES;
    }
  }
  if (pos !== p.length) throw bad(`${p.length - pos} bytes after the last row`);
  return { type: "group-vector", group: hexString(p, 0, GROUP_ID_BYTES), creator: hexString(p, GROUP_ID_BYTES, KEY_BYTES), full: (flags & 1) === 1, rows };
}

function decodeWant(p: Uint8Array): GroupWantFrame {
  const n = readU16(p, GROUP_ID_BYTES);
  if (n < 1 || GROUP_ID_BYTES + 2 + n * WANT_RANGE !== p.length) throw ProtocolError.badFrame(`group want: count ${n} does not match its ${p.length} bytes`);
  const ranges: GroupWantFrame["ranges"] = [];
  for (let i = 0, pos = GROUP_ID_BYTES + 2; i < n; i++, pos += WANT_RANGE) {
    const from = readU32(p, pos + KEY_BYTES);
    const to = readU32(p, pos + KEY_BYTES + 4);
    if (from < 1 || to < from) throw ProtocolError.badFrame(`group want range ${from}..${to} is not 1 <= from <= to`);
    ranges.push({ author: hexString(p, pos, KEY_BYTES), from, to });
  }
  return { type: "group-want", group: hexString(p, 0, GROUP_ID_BYTES), ranges };
}

// --- helpers --------------------------------------------------------------------------

function readU16(b: Uint8Array, at: number): number {
  return (b[at]! << 8) | b[at + 1]!;
}

function readU32(b: Uint8Array, at: number): number {
  return ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Max frame size guard for callers that batch: a vector of this many rows and keys (and digests) fits. */
export function vectorFits(keys: number, entries: number, rows: number, digests = 0): boolean {
  return VECTOR_MIN + keys * KEY_BYTES + rows * 4 + entries * 6 + digests * DIGEST_BYTES + 1 <= MAX_FRAME;
}
