// The protocol layer's one error class. Callers branch on `code`; the same
// codes travel in error frames as u16 numbers, so the numbers below are part
// of the wire format: append new codes, never renumber.
//
// The decoder raises only the first ten codes. The transport and node layers
// use the rest when they refuse or drop a peer.
import { CodedError } from "./coded-error.ts";

export type ProtocolErrorCode =
  | "FRAME_TOO_LARGE"
  | "BODY_TOO_LARGE"
  | "BAD_UTF8"
  | "UNKNOWN_TYPE"
  | "NO_HELLO"
  | "DUPLICATE_HELLO"
  | "BAD_MAGIC"
  | "VERSION_TOO_OLD"
  | "VERSION_TOO_NEW"
  | "BAD_FRAME"
  | "HANDSHAKE_TIMEOUT"
  | "KEEPALIVE_TIMEOUT"
  | "IDENTITY_MISMATCH"
  | "BLOCKED"
  | "UNKNOWN_PEER"
  | "DUPLICATE_LINK"
  | "OVERLOADED"
  | "SHUTDOWN"
  | "HIDDEN"
  | "REQUESTS_FULL"
  | "BLANK_MESSAGE"
  | FileErrorCode
  | "UNKNOWN_ERROR";

/** Why a file transfer ended (in a file-answer frame): numbers 28-31 are files'. */
export type FileErrorCode = "FILE_REFUSED" | "FILE_TOO_LARGE" | "FILE_CORRUPT" | "FILE_UNAVAILABLE";

/** Wire number i + 1 for WIRE_CODES[i]; UNKNOWN_ERROR is 65535. */
const WIRE_CODES = [
  "FRAME_TOO_LARGE",
  "BODY_TOO_LARGE",
  "BAD_UTF8",
  "UNKNOWN_TYPE",
  "NO_HELLO",
  "DUPLICATE_HELLO",
  "BAD_MAGIC",
  "VERSION_TOO_OLD",
  "VERSION_TOO_NEW",
  "BAD_FRAME",
  "HANDSHAKE_TIMEOUT",
  "KEEPALIVE_TIMEOUT",
  "IDENTITY_MISMATCH",
  "BLOCKED",
  "UNKNOWN_PEER",
  "DUPLICATE_LINK",
  "OVERLOADED",
  "SHUTDOWN",
  "HIDDEN",
  "REQUESTS_FULL",
  // In a refuse frame: a message with nothing to show (protocol/text.ts), not stored.
  "BLANK_MESSAGE",
] as const satisfies readonly ProtocolErrorCode[];

/**
 * Codes whose wire numbers are set apart for a feature, not appended in
 * turn: several features add codes at once, and each keeps its own range.
 */
const RANGED_CODES: readonly (readonly [ProtocolErrorCode, number])[] = [
  // A user refused the file, or a contact's offer is over what we take unasked from it.
  ["FILE_REFUSED", 28],
  // Over what this node takes at all (the disk would not hold it).
  ["FILE_TOO_LARGE", 29],
  // The sender's bytes never match the hashes it offered.
  ["FILE_CORRUPT", 30],
  // The sender no longer has the file (removed, or changed since it was offered).
  ["FILE_UNAVAILABLE", 31],
];

const UNKNOWN_ERROR_WIRE = 0xffff;

/** Every code, in wire order, UNKNOWN_ERROR last. */
export const PROTOCOL_ERROR_CODES: readonly ProtocolErrorCode[] = [...WIRE_CODES, ...RANGED_CODES.map(([code]) => code), "UNKNOWN_ERROR"];

const TO_WIRE = new Map<string, number>([...WIRE_CODES.map((code, i) => [code, i + 1] as const), ...RANGED_CODES]);
const FROM_RANGED = new Map<number, ProtocolErrorCode>(RANGED_CODES.map(([code, n]) => [n, code]));

export function isProtocolErrorCode(s: string): s is ProtocolErrorCode {
  return s === "UNKNOWN_ERROR" || TO_WIRE.has(s);
}

/** The u16 sent in an error frame. A code this build does not know goes out as UNKNOWN_ERROR. */
export function errorCodeToWire(code: ProtocolErrorCode): number {
  return TO_WIRE.get(code) ?? UNKNOWN_ERROR_WIRE;
}

/** A u16 from an error frame. Numbers from a newer peer map to UNKNOWN_ERROR. */
export function errorCodeFromWire(n: number): ProtocolErrorCode {
  return (Number.isInteger(n) && n >= 1 ? (WIRE_CODES[n - 1] ?? FROM_RANGED.get(n)) : undefined) ?? "UNKNOWN_ERROR";
}

export class ProtocolError extends CodedError<ProtocolErrorCode> {
  override readonly name = "ProtocolError";

  static frameTooLarge(length: number, max: number) {
    return new ProtocolError("FRAME_TOO_LARGE", `frame of ${length} bytes is over the ${max}-byte limit`);
  }
  static bodyTooLarge(bytes: number, max: number) {
    return new ProtocolError("BODY_TOO_LARGE", `message body of ${bytes} bytes is over the ${max}-byte limit`);
  }
  static badUtf8(what: string, cause?: unknown) {
    return new ProtocolError("BAD_UTF8", `${what} is not valid UTF-8`, { cause });
  }
  static unknownType(type: number) {
    return new ProtocolError("UNKNOWN_TYPE", `unknown frame type ${type}`);
  }
  static noHello(type: number) {
    return new ProtocolError("NO_HELLO", `expected a hello first, got a frame of type ${type}`);
  }
  static duplicateHello() {
    return new ProtocolError("DUPLICATE_HELLO", "a second hello on the same link");
  }
  static badMagic(got: Uint8Array) {
    const hex = Array.from(got, (b) => b.toString(16).padStart(2, "0")).join(" ");
    return new ProtocolError("BAD_MAGIC", `not a p2pchat hello (magic bytes ${hex || "missing"})`);
  }
  static versionTooOld(version: number, min: number) {
    return new ProtocolError("VERSION_TOO_OLD", `peer speaks protocol version ${version}, the oldest we support is ${min}`);
  }
  static versionTooNew(version: number, max: number) {
    return new ProtocolError("VERSION_TOO_NEW", `peer speaks protocol version ${version}, the newest we support is ${max}`);
  }
  static badFrame(why: string, options?: { cause?: unknown }) {
    return new ProtocolError("BAD_FRAME", why, options);
  }
}
