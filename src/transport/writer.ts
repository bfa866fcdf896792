// Backpressure: Bun's socket.write() takes what fits and returns how much.
// The rest waits here, in order, and goes out on `drain`. A link whose queue
// passes its cap is dropped: a peer that stops reading cannot make us grow.
//
// Two queues: chat (messages, acks, every control frame) and bulk (file
// chunks and manifest pieces). What waits in the chat queue goes before any
// bulk frame not yet started, so a message typed during a transfer waits
// at most for the one bulk frame already half on the wire (a chunk is at
// most 256 KiB), never behind the transfer. Frames never interleave: a bulk
// frame once started is finished first.
/** Anything that takes bytes the way Bun's socket.write() does. */
export interface ByteSink {
  write(b: Uint8Array): number;
}

class Fifo {
  private chunks: Uint8Array[] = [];
  /** Called once the chunk at the same place is all written (the sender may use its buffer again). */
  private sent: (((() => void) | undefined)[]) = [];
  private head = 0;
  bytes = 0;

  get empty(): boolean {
    return this.head >= this.chunks.length;
  }

  push(b: Uint8Array, sent?: () => void): void {
    this.chunks.push(b);
    this.sent.push(sent);
    this.bytes += b.byteLength;
  }

  /** The front chunk is all written: let it go. */
  private shift(): void {
    const done = this.sent[this.head];
    this.chunks[this.head] = EMPTY;
    this.sent[this.head++] = undefined;
    done?.();
  }

  private reset(): void {
    this.chunks = [];
    this.sent = [];
    this.head = 0;
  }

  /** Writes the rest of the front chunk only; true once it is all written. */
  flushOne(s: ByteSink): boolean {
    const c = this.chunks[this.head];
    if (!c) return true;
    const n = s.write(c);
    if (n < 0) return false;
    this.bytes -= Math.max(0, n);
    if (n < c.byteLength) {
      this.chunks[this.head] = c.subarray(Math.max(0, n));
      return false;
    }
    this.shift();
    if (this.empty) this.reset();
    return true;
  }

  /**
   * Writes from the front while the socket takes it. `started` is called
   * when the front is written in part (it waits for the next drain). True
   * when it emptied.
   */
  flush(s: ByteSink, started?: () => void): boolean {
    while (this.head < this.chunks.length) {
      const c = this.chunks[this.head]!;
      const n = s.write(c);
      if (n < 0) return false;
      this.bytes -= Math.max(0, n);
      if (n < c.byteLength) {
        this.chunks[this.head] = c.subarray(Math.max(0, n));
        if (n > 0) started?.();
        return false;
      }
      this.shift();
    }
    this.reset();
    return true;
  }
}

export class WriteQueue {
  private readonly chat = new Fifo();
  private readonly bulk = new Fifo();
  /** The bulk queue's front frame is partly written: it goes on before any chat frame. */
  private bulkStarted = false;

  constructor(readonly cap: number) {}

  /** Bytes waiting in the chat queue (what the outbox's soft cap looks at: bulk never holds chat back). */
  get bytes(): number {
    return this.chat.bytes;
  }

  /** Bytes waiting in the bulk queue. */
  get bulkBytes(): number {
    return this.bulk.bytes;
  }

  /** Writes or queues a chat frame. Returns false when the queue would pass its cap (the caller drops the link). */
  send(s: ByteSink, b: Uint8Array): boolean {
    if (b.byteLength === 0) return true;
    if (!this.chat.empty || this.bulkStarted) return this.push(this.chat, b); // keep order; never cut into a bulk frame
    const n = s.write(b);
    if (n < 0) return true; // closed: the close handler cleans up
    if (n < b.byteLength) return this.push(this.chat, b.subarray(n));
    return true;
  }

  /**
   * Writes or queues a bulk frame: after every chat frame waiting. `sent` is
   * called once the socket has taken all of it (its buffer may be used
   * again: a TLS socket encrypts what it takes at once); never if the link
   * closes first.
   */
  sendBulk(s: ByteSink, b: Uint8Array, sent?: () => void): boolean {
    if (b.byteLength === 0) return true;
    if (!this.chat.empty || !this.bulk.empty) return this.push(this.bulk, b, sent);
    const n = s.write(b);
    if (n < 0) return true;
    if (n < b.byteLength) {
      this.bulkStarted = n > 0;
      return this.push(this.bulk, b.subarray(n), sent);
    }
    sent?.();
    return true;
  }

  /** Flushes what the socket will take: a started bulk frame, then chat, then bulk. True when both are empty. */
  drain(s: ByteSink): boolean {
    if (this.bulkStarted) {
      // Only the rest of that one frame: the chat queue goes next.
      if (!this.bulk.flushOne(s)) return false;
      this.bulkStarted = false;
    }
    if (!this.chat.flush(s)) return false;
    return this.bulk.flush(s, () => (this.bulkStarted = true));
  }

  private push(q: Fifo, b: Uint8Array, sent?: () => void): boolean {
    if (q.bytes + b.byteLength > this.cap) return false;
    q.push(b, sent);
    return true;
  }
}

const EMPTY = new Uint8Array(0);
