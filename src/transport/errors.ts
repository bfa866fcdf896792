// The transport layer's one error class: listening failed, or our own
// identity files cannot be used. Callers branch on `code`.

export type TransportErrorCode = "PORT_IN_USE" | "ADDRESS_UNAVAILABLE" | "LISTEN_FAILED" | "BAD_IDENTITY";
/** The codes `listen()` raises. */
export type ListenErrorCode = Exclude<TransportErrorCode, "BAD_IDENTITY">;

export class TransportError extends Error {
  override readonly name = "TransportError";
  constructor(
    readonly code: TransportErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
