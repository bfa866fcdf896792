// Syncthing's relay protocol v1, bytes in and out (no sockets). Every message
// is a 12-byte header, then an XDR payload:
//
//   u32 magic 0x9E79BC40 | i32 type | i32 payload length (0..1024) | payload
//
// XDR: integers are 4 bytes big-endian (a u16 port or a bool takes 4 too),
// opaque and string fields are a u32 length, the bytes, zero padding to a
// multiple of 4. Decoding follows Syncthing's reader: the length limit, the
// 32-byte limits of the opaque fields, and trailing payload bytes ignored (an
// old relay read a newer JoinRelayRequest that way).
import { RelayError } from "./relay-error.ts";

/** What a relay's TLS speaks in its protocol mode (both ends name it). */
export const ALPN = "bep-relay";
/** ALPN in its wire form (a length byte, then the name): what Bun's ALPNProtocols takes. */
export const ALPN_WIRE = Buffer.from([ALPN.length, ...Buffer.from(ALPN)]);

export const RELAY_MAGIC = 0x9e79bc40;
export const HEADER_SIZE = 12;
/** Largest payload a reader accepts. */
export const MAX_PAYLOAD = 1024;
/** Opaque fields (ids, keys, addresses) hold at most this many bytes. */
export const MAX_OPAQUE = 32;

export const MESSAGE_TYPE = {
  ping: 0,
  pong: 1,
  joinRelayRequest: 2,
  joinSessionRequest: 3,
  response: 4,
  connectRequest: 5,
  sessionInvitation: 6,
  relayFull: 7,
} as const;

export type RelayMessageType = keyof typeof MESSAGE_TYPE;

export type RelayMessage =
  | { type: "ping" }
  | { type: "pong" }
  | { type: "relayFull" }
  | { type: "joinRelayRequest"; token: string }
  | { type: "joinSessionRequest"; key: Uint8Array }
  | { type: "response"; code: number; message: string }
  | { type: "connectRequest"; id: Uint8Array }
  | { type: "sessionInvitation"; from: Uint8Array; key: Uint8Array; address: Uint8Array; port: number; serverSocket: boolean };

const TYPE_NAMES = Object.keys(MESSAGE_TYPE) as RelayMessageType[];
const utf8 = new TextEncoder();
const text = new TextDecoder();

const padded = (n: number) => (n + 3) & ~3;

export function encodeMessage(m: RelayMessage): Uint8Array {
  const fields = payloadFields(m);
  let size = 0;
  for (const f of fields) size += typeof f === "number" ? 4 : 4 + padded(f.byteLength);
  if (size > MAX_PAYLOAD) throw RelayError.badMessage(`a ${m.type} of ${size} bytes is over the ${MAX_PAYLOAD}-byte limit`);
  const out = new Uint8Array(HEADER_SIZE + size);
  const view = new DataView(out.buffer);
  view.setUint32(0, RELAY_MAGIC);
  view.setInt32(4, MESSAGE_TYPE[m.type]);
  view.setInt32(8, size);
  let at = HEADER_SIZE;
  for (const f of fields) {
    if (typeof f === "number") {
      view.setUint32(at, f >>> 0);
      at += 4;
    } else {
      view.setUint32(at, f.byteLength);
      out.set(f, at + 4);
      at += 4 + padded(f.byteLength);
    }
  }
  return out;
}

/** The payload as a list of XDR items: a number is a 4-byte integer, bytes an opaque/string field. */
function payloadFields(m: RelayMessage): (number | Uint8Array)[] {
  switch (m.type) {
    case "ping":
    case "pong":
    case "relayFull":
      return [];
    case "joinRelayRequest":
      return [utf8.encode(m.token)];
    case "joinSessionRequest":
      return [opaque("key", m.key)];
    case "response":
      if (!Number.isInteger(m.code) || m.code < -(2 ** 31) || m.code >= 2 ** 31) throw RelayError.badMessage(`response code ${m.code}`);
      return [m.code, utf8.encode(m.message)];
    case "connectRequest":
      return [opaque("id", m.id)];
    case "sessionInvitation":
      if (!Number.isInteger(m.port) || m.port < 0 || m.port > 0xffff) throw RelayError.badMessage(`port ${m.port}`);
      return [opaque("from", m.from), opaque("key", m.key), opaque("address", m.address), m.port, m.serverSocket ? 1 : 0];
  }
}

function opaque(name: string, b: Uint8Array): Uint8Array {
  if (b.byteLength > MAX_OPAQUE) throw RelayError.badMessage(`${name} of ${b.byteLength} bytes is over ${MAX_OPAQUE}`);
  return b;
}

/** Decodes one payload of a known type. */
export function decodePayload(type: number, p: Uint8Array): RelayMessage {
  const r = new XdrReader(p, TYPE_NAMES[type] ?? String(type));
  switch (type) {
    case MESSAGE_TYPE.ping:
      return { type: "ping" };
    case MESSAGE_TYPE.pong:
      return { type: "pong" };
    case MESSAGE_TYPE.relayFull:
      return { type: "relayFull" };
    case MESSAGE_TYPE.joinRelayRequest:
      // Before the token field existed the payload was empty.
      return { type: "joinRelayRequest", token: p.byteLength === 0 ? "" : text.decode(r.bytes(MAX_PAYLOAD)) };
    case MESSAGE_TYPE.joinSessionRequest:
      return { type: "joinSessionRequest", key: r.bytes(MAX_OPAQUE) };
    case MESSAGE_TYPE.response:
      return { type: "response", code: r.int32(), message: text.decode(r.bytes(MAX_PAYLOAD)) };
    case MESSAGE_TYPE.connectRequest:
      return { type: "connectRequest", id: r.bytes(MAX_OPAQUE) };
    case MESSAGE_TYPE.sessionInvitation: {
      const from = r.bytes(MAX_OPAQUE);
      const key = r.bytes(MAX_OPAQUE);
      const address = r.bytes(MAX_OPAQUE);
      // XDR u16 and bool: the low 16 bits and the low byte of a 4-byte word, as Syncthing reads them.
      const port = r.uint32() & 0xffff;
      const serverSocket = (r.uint32() & 0xff) !== 0;
      return { type: "sessionInvitation", from, key, address, port, serverSocket };
    }
    default:
      throw RelayError.unknownType(type);
  }
}

class XdrReader {
  private at = 0;
  constructor(
    private readonly p: Uint8Array,
    private readonly what: string,
  ) {}

  uint32(): number {
    if (this.p.byteLength - this.at < 4) throw RelayError.badMessage(`${this.what} ends inside an integer`);
    const b = this.p;
    const v = ((b[this.at]! << 24) | (b[this.at + 1]! << 16) | (b[this.at + 2]! << 8) | b[this.at + 3]!) >>> 0;
    this.at += 4;
    return v;
  }

  int32(): number {
    return this.uint32() | 0;
  }

  /** A length-prefixed field of at most `max` bytes, copied out. */
  bytes(max: number): Uint8Array {
    const n = this.uint32();
    if (n > max) throw RelayError.badMessage(`${this.what} has a field of ${n} bytes, over ${max}`);
    if (this.p.byteLength - this.at < padded(n)) throw RelayError.badMessage(`${this.what} ends inside a field of ${n} bytes`);
    const v = this.p.slice(this.at, this.at + n);
    this.at += padded(n);
    return v;
  }
}
