// Frames for reaching each other better over a link that already works:
// hole punching (DCUtR-style: libp2p/specs relay/DCUtR.md) and a friend's
// offer to relay for us. Same rules as codec.ts: encoding refuses what
// decoding would refuse, sizes are checked from the header first, and
// decoding returns a frame or throws a ProtocolError. Payloads (after the
// 5-byte header):
//
//   punch-offer   attempt u32 | n u8 (<= MAX_PUNCH_ADDRS) | n * (len u8 | ASCII HOST:PORT)
//   punch-answer  the same
//   punch-sync    attempt u32
//   punch-cancel  attempt u32 | UTF-8 reason (the rest, <= MAX_REASON)
//   relay-offer   UTF-8 relay URI (the rest, <= MAX_RELAY_URI; empty: the offer is withdrawn)
//
// Sent only to a peer whose hello lists PUNCH_CAP (punch-*) or
// FRIEND_RELAY_CAP (relay-offer). What the addresses say is a hint: the
// receiver screens them as any address from the wire, and the TLS pin on
// the link they lead to decides who answers.
import { FRAME_TYPE, HEADER_SIZE, MAX_REASON, writeHeader, type FrameTypeNumber } from "./frame.ts";
import { ProtocolError } from "./protocol-error.ts";

/** The hello cap of nodes that take punch-* frames. */
export const PUNCH_CAP = "punch";
/** The hello cap of nodes that take relay-offer frames (and may join a friend's relay). */
export const FRIEND_RELAY_CAP = "friend-relay";

/** Candidate addresses in one offer or answer, and the length of each. */
export const MAX_PUNCH_ADDRS = 8;
export const MAX_PUNCH_ADDR = 64;
/** Bytes of a relay URI in a relay-offer (a hello's relays take as much). */
export const MAX_RELAY_URI = 200;

/** "Let us try a direct link: dial me at these, I will dial you": the initiator's candidates for attempt `attempt`. */
export type PunchOfferFrame = { type: "punch-offer"; attempt: number; addrs: string[] };
/** The responder's candidates; the initiator measures the round trip from its offer to this. */
export type PunchAnswerFrame = { type: "punch-answer"; attempt: number; addrs: string[] };
/** "Dial now": the responder dials at once, the initiator half a round trip later, so the two SYNs cross. */
export type PunchSyncFrame = { type: "punch-sync"; attempt: number };
/** Either side gives the attempt up (no address to offer, busy, timed out), saying why. */
export type PunchCancelFrame = { type: "punch-cancel"; attempt: number; reason: string };
/** "I relay for you" (relay://HOST:PORT/?id=...), or null: no longer. */
export type RelayOfferFrame = { type: "relay-offer"; uri: string | null };

export type PunchFrame = PunchOfferFrame | PunchAnswerFrame | PunchSyncFrame | PunchCancelFrame;
export type ReachFrame = PunchFrame | RelayOfferFrame;

const ADDR_RE = /^[\x21-\x7e]+$/;
const utf8 = new TextDecoder("utf-8", { fatal: true });
const encoder = new TextEncoder();

export function isReachFrameType(type: number): boolean {
  return type >= FRAME_TYPE.punchOffer && type <= FRAME_TYPE.relayOffer;
}

// --- encoding -------------------------------------------------------------------

export function encodeReachFrame(f: ReachFrame): Uint8Array {
  switch (f.type) {
    case "punch-offer":
    case "punch-answer": {
      checkAttempt(f.attempt);
      if (f.addrs.length > MAX_PUNCH_ADDRS) throw ProtocolError.badFrame(`${f.type} with ${f.addrs.length} addresses, over ${MAX_PUNCH_ADDRS}`);
      const addrs = f.addrs.map((a) => {
        if (a.length < 1 || a.length > MAX_PUNCH_ADDR || !ADDR_RE.test(a)) throw ProtocolError.badFrame(`${f.type}: ${JSON.stringify(a)} is not 1 to ${MAX_PUNCH_ADDR} printable ASCII characters`);
        return encoder.encode(a);
      });
      const body = [u32(f.attempt), Uint8Array.of(addrs.length), ...addrs.flatMap((a) => [Uint8Array.of(a.length), a])];
      return frame(f.type === "punch-offer" ? FRAME_TYPE.punchOffer : FRAME_TYPE.punchAnswer, body);
    }
    case "punch-sync":
      checkAttempt(f.attempt);
      return frame(FRAME_TYPE.punchSync, [u32(f.attempt)]);
    case "punch-cancel": {
      checkAttempt(f.attempt);
      return frame(FRAME_TYPE.punchCancel, [u32(f.attempt), truncateUtf8(encoder.encode(f.reason), MAX_REASON)]);
    }
    case "relay-offer": {
      const uri = encoder.encode(f.uri ?? "");
      if (uri.length > MAX_RELAY_URI || (f.uri !== null && (f.uri === "" || !ADDR_RE.test(f.uri)))) throw ProtocolError.badFrame(`relay-offer: not a relay URI of 1 to ${MAX_RELAY_URI} printable ASCII characters`);
      return frame(FRAME_TYPE.relayOffer, [uri]);
    }
  }
}

function frame(type: FrameTypeNumber, parts: Uint8Array[]): Uint8Array {
  const size = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(HEADER_SIZE + size);
  writeHeader(out, 0, type, size);
  let at = HEADER_SIZE;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function checkAttempt(n: number): void {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw ProtocolError.badFrame(`punch attempt ${n} is not a u32`);
}

function u32(n: number): Uint8Array {
  return Uint8Array.of(n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
}

function truncateUtf8(b: Uint8Array, max: number): Uint8Array {
  if (b.length <= max) return b;
  let end = max;
  while (end > 0 && (b[end]! & 0xc0) === 0x80) end--;
  return b.subarray(0, end);
}

// --- decoding -------------------------------------------------------------------

/** The checks that need only the type and size (before the payload is buffered). */
export function checkReachHeader(type: number, size: number): void {
  switch (type) {
    case FRAME_TYPE.punchOffer:
    case FRAME_TYPE.punchAnswer:
      if (size < 5 || size > 5 + MAX_PUNCH_ADDRS * (1 + MAX_PUNCH_ADDR)) throw ProtocolError.badFrame(`punch candidates payload of ${size} bytes is outside 5..${5 + MAX_PUNCH_ADDRS * (1 + MAX_PUNCH_ADDR)}`);
      return;
    case FRAME_TYPE.punchSync:
      if (size !== 4) throw ProtocolError.badFrame(`punch-sync payload of ${size} bytes, not 4`);
      return;
    case FRAME_TYPE.punchCancel:
      if (size < 4 || size - 4 > MAX_REASON) throw ProtocolError.badFrame(`punch-cancel payload of ${size} bytes is outside 4..${4 + MAX_REASON}`);
      return;
    case FRAME_TYPE.relayOffer:
      if (size > MAX_RELAY_URI) throw ProtocolError.badFrame(`relay-offer of ${size} bytes is over ${MAX_RELAY_URI}`);
      return;
    default:
      throw ProtocolError.unknownType(type);
  }
}

export function decodeReachPayload(type: number, p: Uint8Array): ReachFrame {
  switch (type) {
    case FRAME_TYPE.punchOffer:
    case FRAME_TYPE.punchAnswer: {
      const attempt = readU32(p, 0);
      const n = p[4]!;
      if (n > MAX_PUNCH_ADDRS) throw ProtocolError.badFrame(`punch candidates: ${n} addresses, over ${MAX_PUNCH_ADDRS}`);
      const addrs: string[] = [];
      let at = 5;
      for (let i = 0; i < n; i++) {
        const len = p[at];
        if (len === undefined || len < 1 || len > MAX_PUNCH_ADDR || at + 1 + len > p.length) throw ProtocolError.badFrame(`punch candidates: address ${i + 1} does not fit the payload`);
        const text = String.fromCharCode(...p.subarray(at + 1, at + 1 + len));
        if (!ADDR_RE.test(text)) throw ProtocolError.badFrame(`punch candidates: address ${i + 1} is not printable ASCII`);
        addrs.push(text);
        at += 1 + len;
      }
      if (at !== p.length) throw ProtocolError.badFrame(`punch candidates: ${p.length - at} bytes after the last address`);
      return { type: type === FRAME_TYPE.punchOffer ? "punch-offer" : "punch-answer", attempt, addrs };
    }
    case FRAME_TYPE.punchSync:
      return { type: "punch-sync", attempt: readU32(p, 0) };
    case FRAME_TYPE.punchCancel:
      return { type: "punch-cancel", attempt: readU32(p, 0), reason: decodeUtf8(p.subarray(4), "punch-cancel reason") };
    case FRAME_TYPE.relayOffer: {
      if (p.length === 0) return { type: "relay-offer", uri: null };
      const uri = decodeUtf8(p, "relay-offer URI");
      if (!ADDR_RE.test(uri)) throw ProtocolError.badFrame("relay-offer: the URI holds spaces or control characters");
      return { type: "relay-offer", uri };
    }
    default:
      throw ProtocolError.unknownType(type);
  }
}

function readU32(b: Uint8Array, at: number): number {
  return ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
}

function decodeUtf8(b: Uint8Array, what: string): string {
  try {
    return utf8.decode(b);
  } catch (err) {
    throw ProtocolError.badUtf8(what, err);
  }
}
