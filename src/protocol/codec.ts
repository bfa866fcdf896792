// Frames to bytes and back. Encoding refuses what a decoder would refuse, so
// we never send a frame the peer drops the link for. Decoding is a state
// machine over bytes (one per link): chunks may split anywhere, every size is
// checked from the header before a payload byte is kept, and whatever a peer
// sends, the decoder returns frames or throws a ProtocolError, nothing else.
import { FRAME_TYPE, FrameSplitter, HEADER_SIZE, MAX_BODY, MAX_FRAME, MAX_REASON, writeHeader, type FrameSink } from "./frame.ts";
import { checkFileHeader, decodeFilePayload, encodeFileFrame, isFileFrameType } from "./files/file-codec.ts";
import { isFileFrame } from "./files/file-frames.ts";
import { checkDeviceSyncHeader, decodeDeviceSyncPayload, encodeDeviceSyncFrame, isDeviceSyncFrameType } from "./devices/sync-frames.ts";
import { checkDeviceHeader, decodeDevicePayload, encodeDeviceFrame, isDeviceFrameType } from "./devices/device-frames.ts";
import { checkGroupHeader, decodeGroupPayload, encodeGroupFrame, isGroupFrameType } from "./groups/group-codec.ts";
import { MAX_HELLO, decodeHello, encodeHello } from "./hello.ts";
import { INVITE_ANSWERS, type ErrorFrame, type Frame, type OutgoingMessage, type RefuseFrame } from "./messages.ts";
import { ProtocolError, errorCodeFromWire, errorCodeToWire } from "./protocol-error.ts";
import { checkReachHeader, decodeReachPayload, encodeReachFrame, isReachFrameType } from "./reach-frames.ts";
import { truncateUtf8 } from "./utf8.ts";
import { UUID_BYTES, bytesToUuid, uuidToBytes } from "./uuid.ts";

export { bytesToUuid, isUuid, uuidToBytes } from "./uuid.ts";

/** id + created before the body of a message payload. */
const MESSAGE_PREFIX = UUID_BYTES + 8;
/** Most ids one ack frame holds. */
export const MAX_ACK_IDS = Math.floor((MAX_FRAME - 1) / UUID_BYTES);
/** Most ids one refuse frame holds (its code, count and reason take the rest). */
export const MAX_REFUSE_IDS = 1024;

const TWO_32 = 2 ** 32;
const utf8 = new TextDecoder("utf-8", { fatal: true });
const encoder = new TextEncoder();

// --- encoding -------------------------------------------------------------------

export function encodeFrame(f: Frame): Uint8Array {
  if (isFileFrame(f)) return encodeFileFrame(f);
  switch (f.type) {
    case "hello": {
      const payload = encodeHello(f);
      const out = new Uint8Array(HEADER_SIZE + payload.length);
      writeHeader(out, 0, FRAME_TYPE.hello, payload.length);
      out.set(payload, HEADER_SIZE);
      return out;
    }
    case "message":
      return encodeMessages([f]);
    case "ack":
      if (f.ids.length === 0) throw ProtocolError.badFrame("an ack frame holds at least one id");
      if (f.ids.length > MAX_ACK_IDS) throw ProtocolError.frameTooLarge(1 + f.ids.length * UUID_BYTES, MAX_FRAME);
      return encodeAck(f.ids);
    case "keepalive": {
      const out = new Uint8Array(HEADER_SIZE);
      writeHeader(out, 0, FRAME_TYPE.keepalive, 0);
      return out;
    }
    case "error":
      return encodeError(f);
    case "refuse":
      return encodeRefuse(f);
    case "invite-answer": {
      const out = new Uint8Array(HEADER_SIZE + 1);
      writeHeader(out, 0, FRAME_TYPE.inviteAnswer, 1);
      out[HEADER_SIZE] = INVITE_ANSWERS.indexOf(f.answer);
      return out;
    }
    case "group-key":
    case "group-vector":
    case "group-want":
    case "group-message":
    case "group-fork":
      return encodeGroupFrame(f);
    case "punch-offer":
    case "punch-answer":
    case "punch-sync":
    case "punch-cancel":
    case "relay-offer":
      return encodeReachFrame(f);
    case "device-vector":
    case "device-want":
    case "device-entry":
      return encodeDeviceSyncFrame(f);
    case "device-roster":
    case "device-welcome":
    case "device-revoke":
      return encodeDeviceFrame(f);
    default:
      return unreachable(f);
  }
}

/**
 * Many MESSAGE frames in one buffer: the send path. Sizes every body first
 * (throwing before any output for a body over MAX_BODY bytes or one that is
 * not well-formed UTF-16, which could not arrive unchanged), then writes in
 * place with no per-message allocation.
 */
export function encodeMessages(msgs: readonly OutgoingMessage[]): Uint8Array {
  let total = 0;
  const sizes = new Array<number>(msgs.length);
  for (let i = 0; i < msgs.length; i++) {
    const m = msgs[i]!;
    const size = Buffer.byteLength(m.body, "utf8");
    if (size > MAX_BODY) throw ProtocolError.bodyTooLarge(size, MAX_BODY);
    if (!m.body.isWellFormed()) throw ProtocolError.badUtf8(`body of message ${m.id} (a lone surrogate)`);
    if (!Number.isSafeInteger(m.created) || m.created < 0) throw ProtocolError.badFrame(`message ${m.id}: created ${m.created} is not an integer >= 0`);
    sizes[i] = size;
    total += HEADER_SIZE + MESSAGE_PREFIX + size;
  }
  const out = Buffer.allocUnsafe(total);
  let pos = 0;
  for (let i = 0; i < msgs.length; i++) {
    const m = msgs[i]!;
    const size = sizes[i]!;
    writeHeader(out, pos, FRAME_TYPE.message, MESSAGE_PREFIX + size);
    pos += HEADER_SIZE;
    uuidToBytes(m.id, out, pos);
    out.writeUInt32BE(Math.floor(m.created / TWO_32), pos + 16);
    out.writeUInt32BE(m.created >>> 0, pos + 20);
    pos += MESSAGE_PREFIX;
    if (size > 0 && out.write(m.body, pos, size, "utf8") !== size) throw new Error("encodeMessages: UTF-8 size changed while writing");
    pos += size;
  }
  return out;
}

/** ACK frames for `ids`, as many as needed (MAX_ACK_IDS per frame); none for no ids. */
export function encodeAck(ids: readonly string[]): Uint8Array {
  const frames = Math.ceil(ids.length / MAX_ACK_IDS);
  const out = new Uint8Array(frames * HEADER_SIZE + ids.length * UUID_BYTES);
  let pos = 0;
  for (let start = 0; start < ids.length; start += MAX_ACK_IDS) {
    const end = Math.min(ids.length, start + MAX_ACK_IDS);
    writeHeader(out, pos, FRAME_TYPE.ack, (end - start) * UUID_BYTES);
    pos += HEADER_SIZE;
    for (let i = start; i < end; i++, pos += UUID_BYTES) uuidToBytes(ids[i]!, out, pos);
  }
  return out;
}

/** The reason is cut (on a character boundary) to MAX_REASON bytes rather than refused: it is only a diagnostic. */
function encodeError(f: ErrorFrame): Uint8Array {
  const reason = truncateUtf8(encoder.encode(f.reason), MAX_REASON);
  const out = new Uint8Array(HEADER_SIZE + 2 + reason.length);
  writeHeader(out, 0, FRAME_TYPE.error, 2 + reason.length);
  const code = errorCodeToWire(f.code);
  out[HEADER_SIZE] = code >>> 8;
  out[HEADER_SIZE + 1] = code & 0xff;
  out.set(reason, HEADER_SIZE + 2);
  return out;
}

/** Refuse frames for `f.ids`, MAX_REFUSE_IDS a frame, each with the code and the reason (cut to MAX_REASON bytes). */
function encodeRefuse(f: RefuseFrame): Uint8Array {
  if (f.ids.length === 0) throw ProtocolError.badFrame("a refuse frame holds at least one id");
  const reason = truncateUtf8(encoder.encode(f.reason), MAX_REASON);
  const code = errorCodeToWire(f.code);
  const parts: Uint8Array[] = [];
  for (let start = 0; start < f.ids.length; start += MAX_REFUSE_IDS) {
    const ids = f.ids.slice(start, start + MAX_REFUSE_IDS);
    const size = 4 + ids.length * UUID_BYTES + reason.length;
    const out = Buffer.alloc(HEADER_SIZE + size);
    writeHeader(out, 0, FRAME_TYPE.refuse, size);
    out.writeUInt16BE(code, HEADER_SIZE);
    out.writeUInt16BE(ids.length, HEADER_SIZE + 2);
    let pos = HEADER_SIZE + 4;
    for (const id of ids) {
      uuidToBytes(id, out, pos);
      pos += UUID_BYTES;
    }
    out.set(reason, pos);
    parts.push(out);
  }
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
}

// --- decoding -------------------------------------------------------------------

export interface DecoderOptions {
  /** The first frame must be a hello and there is only one (default true). Off, hellos are plain frames. */
  expectHello?: boolean;
}

export interface Decoder {
  /** The frames `chunk` completes, in order. Throws ProtocolError; after that every push throws the same error. */
  push(chunk: Uint8Array): Frame[];
  /** Bytes held for a frame not yet whole. */
  readonly buffered: number;
}

export function createDecoder(opts: DecoderOptions = {}): Decoder {
  return new StreamDecoder(opts.expectHello ?? true);
}

class StreamDecoder implements Decoder, FrameSink {
  private readonly splitter = new FrameSplitter(this);
  private out: Frame[] = [];
  private seenHello = false;
  private failed: ProtocolError | null = null;

  constructor(private readonly expectHello: boolean) {}

  get buffered(): number {
    return this.splitter.buffered;
  }

  push(chunk: Uint8Array): Frame[] {
    if (this.failed) throw this.failed;
    const out: Frame[] = (this.out = []);
    try {
      this.splitter.push(chunk);
    } catch (err) {
      // Anything but a ProtocolError is a bug here; the caller still gets the one error type it handles.
      this.failed = err instanceof ProtocolError ? err : ProtocolError.badFrame("decoder failed", { cause: err });
      throw this.failed;
    } finally {
      this.out = [];
    }
    return out;
  }

  /** Every check that needs only the type and size, before the payload is buffered. */
  header(type: number, size: number): void {
    // An error may come first: a peer can refuse (or stop) before it greets.
    if (this.expectHello && type !== FRAME_TYPE.error) {
      if (!this.seenHello && type !== FRAME_TYPE.hello) throw ProtocolError.noHello(type);
      if (this.seenHello && type === FRAME_TYPE.hello) throw ProtocolError.duplicateHello();
      this.seenHello = true;
    }
    switch (type) {
      case FRAME_TYPE.hello:
        if (size > MAX_HELLO) throw ProtocolError.badFrame(`hello payload of ${size} bytes is over ${MAX_HELLO}`);
        return;
      case FRAME_TYPE.message:
        if (size < MESSAGE_PREFIX) throw ProtocolError.badFrame(`message payload of ${size} bytes: id and time alone take ${MESSAGE_PREFIX}`);
        if (size - MESSAGE_PREFIX > MAX_BODY) throw ProtocolError.bodyTooLarge(size - MESSAGE_PREFIX, MAX_BODY);
        return;
      case FRAME_TYPE.ack:
        if (size === 0 || size % UUID_BYTES !== 0) throw ProtocolError.badFrame(`ack payload of ${size} bytes is not a positive multiple of ${UUID_BYTES}`);
        return;
      case FRAME_TYPE.keepalive:
        if (size !== 0) throw ProtocolError.badFrame(`keep-alive with a ${size}-byte payload`);
        return;
      case FRAME_TYPE.error:
        if (size < 2) throw ProtocolError.badFrame("error frame without a code");
        if (size - 2 > MAX_REASON) throw ProtocolError.badFrame(`error reason of ${size - 2} bytes is over ${MAX_REASON}`);
        return;
      case FRAME_TYPE.inviteAnswer:
        if (size !== 1) throw ProtocolError.badFrame(`invite answer of ${size} bytes, not 1`);
        return;
      case FRAME_TYPE.refuse:
        if (size < 4 + UUID_BYTES) throw ProtocolError.badFrame(`refuse payload of ${size} bytes: a code, a count and one id take ${4 + UUID_BYTES}`);
        if (size > 4 + MAX_REFUSE_IDS * UUID_BYTES + MAX_REASON) throw ProtocolError.badFrame(`refuse payload of ${size} bytes is over its limit`);
        return;
      default:
        if (isGroupFrameType(type)) return checkGroupHeader(type, size);
        if (isReachFrameType(type)) return checkReachHeader(type, size);
        if (isFileFrameType(type)) return checkFileHeader(type, size);
        if (isDeviceSyncFrameType(type)) return checkDeviceSyncHeader(type, size);
        if (isDeviceFrameType(type)) return checkDeviceHeader(type, size);
        throw ProtocolError.unknownType(type);
    }
  }

  /** A whole frame whose header passed header(). */
  frame(type: number, p: Uint8Array, owned = false): void {
    this.out.push(decodePayload(type, p, owned));
  }
}

function decodePayload(type: number, p: Uint8Array, owned: boolean): Frame {
  switch (type) {
    case FRAME_TYPE.hello:
      return decodeHello(p);
    case FRAME_TYPE.message: {
      const id = bytesToUuid(p, 0);
      const hi = readU32(p, 16);
      if (hi > 0x1fffff) throw ProtocolError.badFrame(`message ${id}: created time is past 2^53 ms`);
      const created = hi * TWO_32 + readU32(p, 20);
      return { type: "message", id, created, body: decodeUtf8(p.subarray(MESSAGE_PREFIX), "message body") };
    }
    case FRAME_TYPE.ack: {
      const ids = new Array<string>(p.length / UUID_BYTES);
      for (let i = 0; i < ids.length; i++) ids[i] = bytesToUuid(p, i * UUID_BYTES);
      return { type: "ack", ids };
    }
    case FRAME_TYPE.keepalive:
      return { type: "keepalive" };
    case FRAME_TYPE.error:
      return { type: "error", code: errorCodeFromWire((p[0]! << 8) | p[1]!), reason: decodeUtf8(p.subarray(2), "error reason") };
    case FRAME_TYPE.refuse: {
      const n = (p[2]! << 8) | p[3]!;
      if (n < 1 || n > MAX_REFUSE_IDS || 4 + n * UUID_BYTES > p.length) throw ProtocolError.badFrame(`refuse frame: ${n} ids do not fit its ${p.length} bytes`);
      if (p.length - 4 - n * UUID_BYTES > MAX_REASON) throw ProtocolError.badFrame(`refuse reason of ${p.length - 4 - n * UUID_BYTES} bytes is over ${MAX_REASON}`);
      const ids = new Array<string>(n);
      for (let i = 0; i < n; i++) ids[i] = bytesToUuid(p, 4 + i * UUID_BYTES);
      return { type: "refuse", code: errorCodeFromWire((p[0]! << 8) | p[1]!), ids, reason: decodeUtf8(p.subarray(4 + n * UUID_BYTES), "refuse reason") };
    }
    case FRAME_TYPE.inviteAnswer: {
      const answer = INVITE_ANSWERS[p[0]!];
      if (answer === undefined) throw ProtocolError.badFrame(`invite answer ${p[0]} is none of 0-${INVITE_ANSWERS.length - 1}`);
      return { type: "invite-answer", answer };
    }
    default:
      if (isGroupFrameType(type)) return decodeGroupPayload(type, p);
      if (isReachFrameType(type)) return decodeReachPayload(type, p);
      if (isFileFrameType(type)) return decodeFilePayload(type, p, owned);
      if (isDeviceSyncFrameType(type)) return decodeDeviceSyncPayload(type, p);
      if (isDeviceFrameType(type)) return decodeDevicePayload(type, p);
      throw ProtocolError.unknownType(type);
  }
}

function decodeUtf8(b: Uint8Array, what: string): string {
  try {
    return utf8.decode(b);
  } catch (err) {
    throw ProtocolError.badUtf8(what, err);
  }
}

function readU32(b: Uint8Array, at: number): number {
  return ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
}

function unreachable(f: never): never {
  throw ProtocolError.badFrame(`cannot encode a frame of type ${JSON.stringify((f as { type?: unknown }).type)}`);
}
