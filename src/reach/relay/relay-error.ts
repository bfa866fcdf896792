// The relay's one error class: the codec's refusals, a relay URI that does
// not parse, and what a relay answered or failed to answer. Callers branch
// on `code` (a dialer tries the next relay on NOT_FOUND, backs off longer on
// RELAY_FULL, and treats RELAY_ID_MISMATCH as an attack, not an outage).
import { CodedError } from "../../protocol/coded-error.ts";

export type RelayErrorCode =
  | "BAD_MAGIC"
  | "BAD_LENGTH"
  | "UNKNOWN_TYPE"
  | "BAD_MESSAGE"
  | "BAD_URI"
  | "CONNECT_FAILED"
  | "TLS_FAILED"
  | "RELAY_ID_MISMATCH"
  | "TIMEOUT"
  | "CLOSED"
  | "UNEXPECTED"
  | "NOT_FOUND"
  | "ALREADY_CONNECTED"
  | "WRONG_TOKEN"
  | "RELAY_FULL"
  | "REFUSED"
  | "ABORTED"
  | "LISTEN_FAILED";

/** Response codes of relay protocol v1 (Syncthing lib/relay/protocol/protocol.go). */
export const RESPONSE_CODE = {
  success: 0,
  notFound: 1,
  alreadyConnected: 2,
  wrongToken: 3,
  internalError: 99,
  unexpectedMessage: 100,
} as const;

export class RelayError extends CodedError<RelayErrorCode> {
  override readonly name = "RelayError";

  static badMagic(got: Uint8Array) {
    const hex = Array.from(got, (b) => b.toString(16).padStart(2, "0")).join(" ");
    return new RelayError("BAD_MAGIC", `not a relay message: it starts with ${hex}, a relay message with 9e 79 bc 40`);
  }
  static badLength(length: number, max: number) {
    return new RelayError("BAD_LENGTH", `relay message length ${length} is outside 0..${max}`);
  }
  static unknownType(type: number) {
    return new RelayError("UNKNOWN_TYPE", `unknown relay message type ${type}`);
  }
  static badMessage(what: string) {
    return new RelayError("BAD_MESSAGE", `malformed relay message: ${what}`);
  }
  static badUri(text: string, why: string) {
    return new RelayError("BAD_URI", `invalid relay address ${JSON.stringify(text)}: ${why}`);
  }
  static timeout(what: string, ms: number) {
    return new RelayError("TIMEOUT", `${what}: no answer within ${ms / 1000} s`);
  }
  static closed(what: string) {
    return new RelayError("CLOSED", `${what}: the relay closed the connection`);
  }
  static unexpected(what: string, type: string) {
    return new RelayError("UNEXPECTED", `${what}: the relay sent an unexpected ${type}`);
  }
  static aborted(what: string) {
    return new RelayError("ABORTED", `${what}: cancelled`);
  }
  /** A non-success Response: the code picks the error code. */
  static response(what: string, code: number, message: string) {
    const c: RelayErrorCode =
      code === RESPONSE_CODE.notFound
        ? "NOT_FOUND"
        : code === RESPONSE_CODE.alreadyConnected
          ? "ALREADY_CONNECTED"
          : code === RESPONSE_CODE.wrongToken
            ? "WRONG_TOKEN"
            : "REFUSED";
    return new RelayError(c, `${what}: the relay answered ${code} (${message || "no text"})`);
  }
}
