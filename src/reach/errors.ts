// The reach layer's one error class: finding peers and making ourselves
// findable (here: asking the gateway for a port mapping). Callers branch on
// `code`; `message` is one line a person can act on.

export type ReachErrorCode =
  | "NO_GATEWAY" // no default gateway, or none that answers UPnP or NAT-PMP
  | "GATEWAY_REFUSED" // the gateway answered with an error (UPnP fault, NAT-PMP result code)
  | "BAD_RESPONSE" // the gateway's answer could not be read
  | "TIMEOUT"; // a request took too long

export class ReachError extends Error {
  override readonly name = "ReachError";
  constructor(
    readonly code: ReachErrorCode,
    message: string,
    options?: { cause?: unknown; detail?: number },
  ) {
    super(message, options);
    this.detail = options?.detail;
  }

  /** GATEWAY_REFUSED: the UPnP error code (718: port taken) or NAT-PMP result code. */
  readonly detail: number | undefined;

  static noGateway(why: string) {
    return new ReachError("NO_GATEWAY", `no gateway: ${why}`);
  }
  static refused(what: string, detail: number, description: string) {
    return new ReachError("GATEWAY_REFUSED", `${what}: the gateway refused (${detail} ${description})`, { detail });
  }
  static badResponse(what: string, why: string, cause?: unknown) {
    return new ReachError("BAD_RESPONSE", `${what}: unreadable answer from the gateway: ${why}`, { cause });
  }
  static timeout(what: string, ms: number) {
    return new ReachError("TIMEOUT", `${what} timed out after ${ms / 1000} s`);
  }
}
