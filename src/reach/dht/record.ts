// A signed p2pchat record in pkarr's format: a BEP 44 mutable item with no
// salt, `seq` = the time it was made in microseconds since 1970, `v` = the
// DNS packet of record-packet.ts, signed with the discovery key over the
// bencoding BEP 44 prescribes, `3:seqi<seq>e1:v<len>:<v>`. Pure: no I/O.
import { encodeZ32 } from "../../protocol/base32.ts";
import { ReachError } from "../reach-error.ts";
import { verifyEd25519, type DiscoveryKey } from "./discovery-key.ts";
import { decodePacket, encodePacket, type RecordContent } from "./record-packet.ts";

/** BEP 44: "the size of v must not exceed 1000 bytes". */
export const MAX_VALUE_BYTES = 1000;
/** bittorrent-dht's put() refuses 1000 itself, so what we make stays one below. */
const MAX_ENCODED_BYTES = MAX_VALUE_BYTES - 1;

/** What the DHT stores: the BEP 44 `k`, `seq`, `sig` and `v`. */
export interface SignedRecord {
  key: Uint8Array;
  seq: bigint;
  sig: Uint8Array;
  value: Uint8Array;
}

export interface DecodedRecord extends RecordContent {
  /** The discovery key that signed it. */
  key: Uint8Array;
  seq: bigint;
  /** When it was signed: `seq` read as microseconds. */
  time: Date;
  /** The record as it came, to pass on or compare. */
  signed: SignedRecord;
}

export interface CheckOptions {
  /** The key asked for: a record signed by any other is refused. */
  key?: Uint8Array;
  /** Refuse records whose seq is not greater than this (one already seen). */
  newerThan?: bigint;
}

/** The current time in microseconds: pkarr's `seq`. */
export function nowMicros(): bigint {
  return BigInt(Date.now()) * 1000n;
}

/** The bytes BEP 44 signs for a mutable item without salt. */
export function signable(seq: bigint, value: Uint8Array): Uint8Array {
  const head = new TextEncoder().encode(`3:seqi${seq}e1:v${value.length}:`);
  const out = new Uint8Array(head.length + value.length);
  out.set(head);
  out.set(value, head.length);
  return out;
}

/** Signs `content` with `key`; `seq` defaults to now. Throws TOO_LARGE past 999 bytes. */
export function encodeRecord(content: RecordContent, key: DiscoveryKey, seq: bigint = nowMicros()): SignedRecord {
  if (seq < 0n) throw new RangeError(`seq must not be negative (${seq})`);
  const value = encodePacket(key.z32, content);
  if (value.length > MAX_ENCODED_BYTES) throw ReachError.tooLarge(value.length, MAX_ENCODED_BYTES);
  return { key: key.publicKey, seq, sig: key.sign(signable(seq, value)), value };
}

/** Why `r` is refused, or null: size, key, freshness, then the signature. The DNS inside is not read. */
export function checkRecord(r: SignedRecord, opts: CheckOptions = {}): ReachError | null {
  if (r.value.length > MAX_VALUE_BYTES) return ReachError.tooLarge(r.value.length, MAX_VALUE_BYTES);
  if (opts.key && !sameBytes(opts.key, r.key)) {
    return new ReachError("WRONG_KEY", `record signed by ${encodeZ32(r.key)}, not by ${encodeZ32(opts.key)}`);
  }
  if (opts.newerThan !== undefined && r.seq <= opts.newerThan) return ReachError.stale(r.seq, opts.newerThan);
  if (r.seq < 0n || !verifyEd25519(r.sig, signable(r.seq, r.value), r.key)) {
    return new ReachError("BAD_SIGNATURE", `record signature does not verify for key ${encodeZ32(r.key)}`);
  }
  return null;
}

/** True when `r` passes checkRecord. */
export function verifyRecord(r: SignedRecord, opts: CheckOptions = {}): boolean {
  return checkRecord(r, opts) === null;
}

/** Verifies `r` and reads the peer id and addresses it carries; throws ReachError with the reason. */
export function decodeRecord(r: SignedRecord, opts: CheckOptions = {}): DecodedRecord {
  const problem = checkRecord(r, opts);
  if (problem) throw problem;
  const content = decodePacket(encodeZ32(r.key), r.value);
  return { ...content, key: r.key, seq: r.seq, time: new Date(Number(r.seq / 1000n)), signed: r };
}

/** pkarr's `more_recent_than`: the larger seq; on a tie, the larger value bytes. */
export function moreRecent(a: SignedRecord, b: SignedRecord): boolean {
  if (a.seq !== b.seq) return a.seq > b.seq;
  return Buffer.compare(Buffer.from(a.value), Buffer.from(b.value)) > 0;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.from(a).equals(Buffer.from(b));
}
