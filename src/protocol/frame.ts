// The framing layer. Every frame on the wire is
//
//   u32 BE length | u8 type | payload (length - 1 bytes)
//
// where the length counts the type byte and the payload and must be
// 1..MAX_FRAME. FrameSplitter cuts a byte stream, arriving in chunks split
// anywhere, into (type, payload) pairs. It checks the length from the four
// length bytes alone and asks its sink about the type and size before it
// keeps a single payload byte, so a peer cannot make it buffer more than the
// sink allows. Payloads are views: valid only during the sink's frame() call.
import { BIG_BUFFER, takeBigBuffer } from "./big-buffers.ts";
import { ProtocolError } from "./protocol-error.ts";

/** Largest value of the length field: type byte + payload. */
export const MAX_FRAME = 1 << 20;
/** Bytes of UTF-8 in a message body. */
export const MAX_BODY = 64 * 1024;
/** Bytes of UTF-8 in an error frame's reason. */
export const MAX_REASON = 1024;
/** Length field + type byte. */
export const HEADER_SIZE = 5;

export const FRAME_TYPE = {
  hello: 1,
  message: 2,
  ack: 3,
  keepalive: 4,
  error: 5,
  // Groups (group-codec.ts): a link carries them only to a peer whose hello lists the "groups" cap.
  groupKey: 6,
  groupVector: 7,
  groupWant: 8,
  groupMessage: 9,
  // To a peer whose hello lists the "invite-answer" cap and presented a token.
  inviteAnswer: 10,
  // To a peer whose hello lists the "refuse" cap: its messages we will not store, and why.
  refuse: 11,
  // To a peer whose hello lists the "group-forks" cap (group-codec.ts).
  groupFork: 12,
  // Devices (devices/device-frames.ts): to a peer whose hello lists "devices". 16-19: device sync's.
  deviceRoster: 13,
  deviceWelcome: 14,
  deviceRevoke: 15,
  // Between two devices of one person (devices/sync-frames.ts): their logs' vectors, wants and entries. 19 is kept for the sync.
  deviceVector: 16,
  deviceWant: 17,
  deviceEntry: 18,
  // Reaching each other better (reach-frames.ts): hole punching, to a peer whose hello lists "punch",
  punchOffer: 20,
  punchAnswer: 21,
  punchSync: 22,
  punchCancel: 23,
  // and a friend's relay, to a peer whose hello lists "friend-relay".
  relayOffer: 24,
  // Files (files/file-codec.ts): only to a peer whose hello lists the "files" cap. 25-34 are files'.
  fileOffer: 25,
  fileAnswer: 26,
  fileManifestWant: 27,
  fileManifest: 28,
  fileWant: 29,
  fileChunk: 30,
  fileMissing: 31,
} as const;

export type FrameTypeName = keyof typeof FRAME_TYPE;
export type FrameTypeNumber = (typeof FRAME_TYPE)[FrameTypeName];

/** Writes the 5-byte header for a payload of `payloadSize` bytes at `offset`. */
export function writeHeader(out: Uint8Array, offset: number, type: FrameTypeNumber, payloadSize: number): void {
  const length = payloadSize + 1;
  if (length > MAX_FRAME) throw ProtocolError.frameTooLarge(length, MAX_FRAME);
  out[offset] = length >>> 24;
  out[offset + 1] = (length >>> 16) & 0xff;
  out[offset + 2] = (length >>> 8) & 0xff;
  out[offset + 3] = length & 0xff;
  out[offset + 4] = type;
}

export interface FrameSink {
  /** The type byte and payload size are known, no payload byte kept yet: throw to refuse. */
  header(type: number, payloadSize: number): void;
  /**
   * A whole frame. `payload` may be a view of the splitter's buffer: copy what
   * you keep, unless `owned`: then the buffer is the frame's alone (a big
   * frame that arrived in pieces, which the splitter let go of), and a view
   * of it may be kept as it is.
   */
  frame(type: number, payload: Uint8Array, owned?: boolean): void;
}

/**
 * The first buffer for a frame that arrives in pieces holds up to this much
 * (never more than its size): a whole file chunk frame (256 KiB and its
 * header), filled once rather than grown ten times, each time copied. A peer
 * mid-frame holds at most this much before its bytes arrive. Up to
 * KEEP_BUFFER is kept between frames; a larger buffer is let go (and handed
 * to the sink as the frame's own).
 */
const FIRST_BUFFER = BIG_BUFFER;
const KEEP_BUFFER = 64 * 1024 + 64;

export class FrameSplitter {
  /** Header bytes of the current frame when it arrived split (0..5). */
  private readonly head = new Uint8Array(HEADER_SIZE);
  private headLen = 0;
  /** Payload of the current frame when it arrived split. */
  private body: Uint8Array = new Uint8Array(0);
  private bodyLen = 0;
  /** Payload size of the current frame; -1 while reading a header. */
  private need = -1;
  private type = 0;

  constructor(private readonly sink: FrameSink) {}

  /** Bytes received that are not part of a whole frame yet. */
  get buffered(): number {
    return this.need < 0 ? this.headLen : HEADER_SIZE + this.bodyLen;
  }

  /** Feeds a chunk; the sink sees every frame it completes. Copies only the bytes of a frame split across chunks. */
  push(chunk: Uint8Array): void {
    const n = chunk.length;
    let pos = 0;
    while (pos < n) {
      if (this.need >= 0) {
        pos = this.fill(chunk, pos);
        continue;
      }
      let length: number;
      if (this.headLen === 0 && n - pos >= HEADER_SIZE) {
        length = readLength(chunk, pos);
        this.type = chunk[pos + 4]!;
        pos += HEADER_SIZE;
      } else {
        const take = Math.min(HEADER_SIZE - this.headLen, n - pos);
        this.head.set(chunk.subarray(pos, pos + take), this.headLen);
        this.headLen += take;
        pos += take;
        if (this.headLen >= 4) checkLength(readLength(this.head, 0));
        if (this.headLen < HEADER_SIZE) return;
        length = readLength(this.head, 0);
        this.type = this.head[4]!;
        this.headLen = 0;
      }
      checkLength(length);
      const size = length - 1;
      this.sink.header(this.type, size);
      if (n - pos >= size) {
        this.sink.frame(this.type, chunk.subarray(pos, pos + size));
        pos += size;
      } else {
        this.need = size;
        this.bodyLen = 0;
      }
    }
  }

  /** Copies payload bytes of a split frame; hands the frame on once whole. */
  private fill(chunk: Uint8Array, pos: number): number {
    const take = Math.min(this.need - this.bodyLen, chunk.length - pos);
    const want = this.bodyLen + take;
    // A frame that will be its buffer's own and fits a big buffer (a file chunk) takes one used before (big-buffers.ts).
    if (this.bodyLen === 0 && this.need > KEEP_BUFFER && this.need <= BIG_BUFFER && this.body.length < this.need) this.body = takeBigBuffer();
    if (want > this.body.length) {
      // Grow with the bytes that actually arrived, never past the checked size.
      const next = new Uint8Array(Math.min(this.need, Math.max(want, this.body.length * 2, FIRST_BUFFER)));
      next.set(this.body.subarray(0, this.bodyLen));
      this.body = next;
    }
    this.body.set(chunk.subarray(pos, pos + take), this.bodyLen);
    this.bodyLen = want;
    if (want === this.need) {
      const payload = this.body.subarray(0, want);
      this.need = -1;
      this.bodyLen = 0;
      const owned = this.body.length > KEEP_BUFFER;
      if (owned) this.body = new Uint8Array(0);
      this.sink.frame(this.type, payload, owned);
    }
    return pos + take;
  }
}

function readLength(b: Uint8Array, at: number): number {
  return ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
}

function checkLength(length: number): void {
  if (length > MAX_FRAME) throw ProtocolError.frameTooLarge(length, MAX_FRAME);
  if (length === 0) throw ProtocolError.badFrame("frame length 0: a frame has at least its type byte");
}
