// Backpressure: Bun's socket.write() takes what fits and returns how much.
// The rest waits here, in order, and goes out on `drain`. A link whose queue
// passes its cap is dropped: a peer that stops reading cannot make us grow.
/** Anything that takes bytes the way Bun's socket.write() does. */
export interface ByteSink {
  write(b: Uint8Array): number;
}

export class WriteQueue {
  private chunks: Uint8Array[] = [];
  private head = 0;
  bytes = 0;

  constructor(readonly cap: number) {}

  /** Writes or queues `b`. Returns false when the queue would pass its cap (the caller drops the link). */
  send(s: ByteSink, b: Uint8Array): boolean {
    if (b.byteLength === 0) return true;
    if (this.bytes > 0) return this.push(b); // keep order
    const n = s.write(b);
    if (n < 0) return true; // closed: the close handler cleans up
    if (n < b.byteLength) return this.push(b.subarray(n));
    return true;
  }

  /** Flushes what the socket will take; true when the queue is empty. */
  drain(s: ByteSink): boolean {
    while (this.head < this.chunks.length) {
      const c = this.chunks[this.head]!;
      const n = s.write(c);
      if (n < 0) return false;
      this.bytes -= Math.max(0, n);
      if (n < c.byteLength) {
        this.chunks[this.head] = c.subarray(Math.max(0, n));
        return false;
      }
      this.chunks[this.head++] = EMPTY;
    }
    this.chunks = [];
    this.head = 0;
    return true;
  }

  private push(b: Uint8Array): boolean {
    if (this.bytes + b.byteLength > this.cap) return false;
    this.chunks.push(b);
    this.bytes += b.byteLength;
    return true;
  }
}

const EMPTY = new Uint8Array(0);
