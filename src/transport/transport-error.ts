// The transport layer's one error class: listening failed, or our own
// identity files cannot be used. Callers branch on `code`.
import { CodedError } from "../protocol/coded-error.ts";

export type TransportErrorCode = "PORT_IN_USE" | "ADDRESS_UNAVAILABLE" | "LISTEN_FAILED" | "BAD_IDENTITY";
/** The codes `listen()` raises. */
export type ListenErrorCode = Exclude<TransportErrorCode, "BAD_IDENTITY">;

export class TransportError extends CodedError<TransportErrorCode> {
  override readonly name = "TransportError";
}
