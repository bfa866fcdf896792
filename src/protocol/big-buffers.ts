// Buffers for big frames coming in (a file chunk and its header), used again
// rather than allocated fresh for each: a new 256 KiB buffer per chunk cost
// the receiver's thread more than copying into it (fresh pages, zeroed, then
// collected). A buffer handed to the file thread comes back with its verdict
// (part-writer.ts) and waits here for the next frame. Only buffers of
// exactly BIG_BUFFER bytes are kept, at most MAX_KEPT of them: a peer's
// frames cannot make it grow past that, and one that was never given back
// is simply collected.

/** A whole file chunk frame (256 KiB and what comes before its bytes) fits. */
export const BIG_BUFFER = 256 * 1024 + 64;
/** Buffers kept at most (8 MiB): about what a download has in flight and on the file thread. */
const MAX_KEPT = 32;

const kept: ArrayBuffer[] = [];

/** A buffer of BIG_BUFFER bytes, not zeroed: its first `size` bytes are the caller's to fill. */
export function takeBigBuffer(): Uint8Array {
  const b = kept.pop();
  return b ? new Uint8Array(b) : new Uint8Array(BIG_BUFFER);
}

/** A buffer from takeBigBuffer() that nothing holds any more. */
export function giveBackBigBuffer(b: ArrayBuffer): void {
  if (b.byteLength === BIG_BUFFER && !b.detached && kept.length < MAX_KEPT && !(b instanceof SharedArrayBuffer)) kept.push(b);
}
