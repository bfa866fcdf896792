// Message ids: UUID strings in lowercase canonical form
// (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx), 16 raw bytes on the wire. Both
// directions run once per message on the hot path, so they use lookup tables
// and no regular expressions. Any 16 bytes make an id: version and variant
// bits are not checked, so whatever a peer sends reads back the same.
import { ProtocolError } from "./protocol-error.ts";

export const UUID_BYTES = 16;
const UUID_LENGTH = 36;

/** Nibble value of a char code, -1 for anything but 0-9 and a-f. */
const NIBBLE = new Int8Array(128).fill(-1);
for (let i = 0; i < 10; i++) NIBBLE[48 + i] = i;
for (let i = 0; i < 6; i++) NIBBLE[97 + i] = 10 + i;

/** Where each byte's two digits start in the string. */
const DIGIT_AT = [0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34] as const;

const DASH = 45;

/** True for a lowercase canonical UUID string. */
export function isUuid(id: string): boolean {
  if (id.length !== UUID_LENGTH) return false;
  if (id.charCodeAt(8) !== DASH || id.charCodeAt(13) !== DASH || id.charCodeAt(18) !== DASH || id.charCodeAt(23) !== DASH) return false;
  for (const at of DIGIT_AT) {
    if ((NIBBLE[id.charCodeAt(at)] ?? -1) < 0 || (NIBBLE[id.charCodeAt(at + 1)] ?? -1) < 0) return false;
  }
  return true;
}

/**
 * Writes the 16 bytes of `id` at `out[offset]`. Throws BAD_FRAME for anything
 * but a lowercase canonical UUID (bytes at `offset` are then unspecified).
 */
export function uuidToBytes(id: string, out: Uint8Array, offset: number): void {
  if (
    id.length !== UUID_LENGTH ||
    id.charCodeAt(8) !== DASH ||
    id.charCodeAt(13) !== DASH ||
    id.charCodeAt(18) !== DASH ||
    id.charCodeAt(23) !== DASH ||
    offset < 0 ||
    offset + UUID_BYTES > out.length
  ) {
    throw badId(id);
  }
  let bad = 0;
  for (let i = 0; i < UUID_BYTES; i++) {
    const at = DIGIT_AT[i]!;
    const hi = NIBBLE[id.charCodeAt(at)] ?? -1;
    const lo = NIBBLE[id.charCodeAt(at + 1)] ?? -1;
    bad |= hi | lo; // negative once any digit is not hex
    out[offset + i] = (hi << 4) | lo;
  }
  if (bad < 0) throw badId(id);
}

/** Lowercase hex digit char codes. */
const HEX_CODES = new Uint8Array(16).map((_, i) => "0123456789abcdef".charCodeAt(i));
/** One id's characters, written in place and decoded in one go (dashes fixed). */
const SCRATCH = new Uint8Array(UUID_LENGTH).fill(DASH);
/** ASCII in, a flat string out (latin1 and ASCII agree on every digit and the dash). */
const ascii = new TextDecoder("latin1");

/**
 * The id whose 16 bytes start at `b[offset]` (the caller checked there are
 * 16). Decoded as one flat string: ids concatenated from pieces are ropes,
 * which every Map or Set lookup (the outbox's in-flight map, on each ack)
 * first flattens, and that cost more than the decoding itself.
 */
export function bytesToUuid(b: Uint8Array, offset: number): string {
  const s = SCRATCH;
  for (let i = 0; i < UUID_BYTES; i++) {
    const x = b[offset + i]!;
    const at = DIGIT_AT[i]!;
    s[at] = HEX_CODES[x >> 4]!;
    s[at + 1] = HEX_CODES[x & 15]!;
  }
  return ascii.decode(s);
}

function badId(id: string): ProtocolError {
  const shown = id.length > 40 ? `${id.slice(0, 40)}...` : id;
  return ProtocolError.badFrame(`message id ${JSON.stringify(shown)} is not a lowercase canonical UUID`);
}
