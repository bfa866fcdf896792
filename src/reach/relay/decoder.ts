// A per-connection reader of relay messages. Chunks arrive split anywhere;
// feed() keeps them, next() returns one whole message at a time, so a caller
// can stop after the message that ends the relay's part of a connection (the
// Response to a JoinSessionRequest) and take the bytes behind it with rest():
// they are the peer's. Garbage is refused from its first wrong byte: the
// magic is compared byte by byte, the type and length as soon as they are in.
import { HEADER_SIZE, MAX_PAYLOAD, MESSAGE_TYPE, RELAY_MAGIC, decodePayload, type RelayMessage } from "./protocol.ts";
import { RelayError } from "./relay-error.ts";

const MAGIC_BYTES = Uint8Array.of(RELAY_MAGIC >>> 24, (RELAY_MAGIC >>> 16) & 0xff, (RELAY_MAGIC >>> 8) & 0xff, RELAY_MAGIC & 0xff);
const LAST_TYPE = Math.max(...Object.values(MESSAGE_TYPE));

export class RelayDecoder {
  private buf = new Uint8Array(256);
  private start = 0;
  private end = 0;
  private failed: RelayError | null = null;

  /** Bytes kept that are not part of a message returned yet. */
  get buffered(): number {
    return this.end - this.start;
  }

  feed(chunk: Uint8Array): void {
    if (chunk.byteLength === 0) return;
    if (this.start === this.end) this.start = this.end = 0;
    if (this.end + chunk.byteLength > this.buf.byteLength) {
      const live = this.end - this.start;
      const next = live + chunk.byteLength > this.buf.byteLength ? new Uint8Array(Math.max(live + chunk.byteLength, this.buf.byteLength * 2)) : this.buf;
      next.set(this.buf.subarray(this.start, this.end), 0); // same buffer: set() copies overlapping bytes correctly
      this.buf = next;
      this.start = 0;
      this.end = live;
    }
    this.buf.set(chunk, this.end);
    this.end += chunk.byteLength;
  }

  /** The next whole message, or null until more bytes arrive. Throws a RelayError on garbage (and again on every later call). */
  next(): RelayMessage | null {
    if (this.failed) throw this.failed;
    try {
      return this.take();
    } catch (err) {
      if (err instanceof RelayError) this.failed = err;
      throw err;
    }
  }

  /** Every whole message in the buffer. */
  drain(): RelayMessage[] {
    const out: RelayMessage[] = [];
    for (let m = this.next(); m; m = this.next()) out.push(m);
    return out;
  }

  /** Takes the bytes after the last message returned (a copy); the decoder is empty afterwards. */
  rest(): Uint8Array {
    const r = this.buf.slice(this.start, this.end);
    this.start = this.end = 0;
    return r;
  }

  private take(): RelayMessage | null {
    const b = this.buf;
    const s = this.start;
    const avail = this.end - s;
    if (avail === 0) return null;
    for (let i = 0; i < Math.min(avail, 4); i++) {
      if (b[s + i] !== MAGIC_BYTES[i]) throw RelayError.badMagic(b.slice(s, s + Math.min(avail, 4)));
    }
    if (avail < 8) return null;
    const type = readInt32(b, s + 4);
    if (type < 0 || type > LAST_TYPE) throw RelayError.unknownType(type);
    if (avail < HEADER_SIZE) return null;
    const length = readInt32(b, s + 8);
    if (length < 0 || length > MAX_PAYLOAD) throw RelayError.badLength(length, MAX_PAYLOAD);
    if (avail < HEADER_SIZE + length) return null;
    const msg = decodePayload(type, b.subarray(s + HEADER_SIZE, s + HEADER_SIZE + length));
    this.start += HEADER_SIZE + length;
    return msg;
  }
}

function readInt32(b: Uint8Array, at: number): number {
  return (b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!;
}
