// UTF-8 helpers the codecs share.

/** `b` cut to at most `max` bytes on a character boundary (a reason is only a diagnostic: cut, not refused). */
export function truncateUtf8(b: Uint8Array, max: number): Uint8Array {
  if (b.length <= max) return b;
  let end = max;
  while (end > 0 && (b[end]! & 0xc0) === 0x80) end--; // b[end] continues a character: cut before it
  return b.subarray(0, end);
}
