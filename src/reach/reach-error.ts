// The reach layer's one error class: finding peers and making ourselves
// findable (DHT records, discovery keys, bootstrap lists, port mappings on
// the gateway). Callers branch on `code`; `message` is one line a person can
// act on.
import { CodedError } from "../protocol/coded-error.ts";

export type ReachErrorCode =
  | "BAD_KEY" // not a discovery key (z-base-32, 32 bytes)
  | "KEY_FILE" // discovery.key cannot be read, written or is not an Ed25519 key
  | "BAD_SIGNATURE" // the record's signature does not verify
  | "WRONG_KEY" // signed by a key other than the one asked for
  | "TOO_LARGE" // value over the 1000 bytes BEP 44 allows
  | "MALFORMED_RECORD" // not a DNS packet, or no p2pchat TXT record in it
  | "STALE_RECORD" // not newer than a record already seen
  | "BAD_BOOTSTRAP" // a --dht-bootstrap entry is not HOST:PORT
  | "NO_DHT" // no bootstrap node to start from
  | "DHT_STOPPED" // the client was stopped
  | "ABORTED" // the caller gave up (AbortSignal)
  | "TIMEOUT" // a lookup, publish or gateway request took too long
  | "LOOKUP_FAILED" // the DHT client could not run the lookup
  | "PUBLISH_FAILED" // no DHT node stored the record
  | "NO_GATEWAY" // no default gateway, or none that answers UPnP or NAT-PMP
  | "GATEWAY_REFUSED" // the gateway answered with an error (UPnP fault, NAT-PMP result code)
  | "BAD_RESPONSE" // the gateway's answer could not be read
  | "OFF_GATEWAY" // a UPnP URL on a host other than the default gateway: never fetched
  | "PUNCH_FAILED"; // no hole punched: no candidates, no answer, or no SYN crossed

const INPUT_CODES: ReadonlySet<ReachErrorCode> = new Set(["BAD_KEY", "BAD_BOOTSTRAP"]);

export class ReachError extends CodedError<ReachErrorCode> {
  override readonly name = "ReachError";
  /** GATEWAY_REFUSED: the UPnP error code (718: port taken) or NAT-PMP result code. */
  readonly detail: number | undefined;

  constructor(code: ReachErrorCode, message: string, options?: { cause?: unknown; detail?: number }) {
    super(code, message, options);
    this.detail = options?.detail;
  }

  /** The user typed something wrong: the CLI exits with 2. */
  get isInputError(): boolean {
    return INPUT_CODES.has(this.code);
  }

  static badKey(text: string, why: string) {
    return new ReachError("BAD_KEY", `invalid discovery key ${JSON.stringify(text)}: ${why}`);
  }
  static tooLarge(bytes: number, max: number) {
    return new ReachError("TOO_LARGE", `record value is ${bytes} bytes; BEP 44 allows at most ${max}`);
  }
  static malformed(why: string, cause?: unknown) {
    return new ReachError("MALFORMED_RECORD", `malformed record: ${why}`, { cause });
  }
  static stale(seq: bigint, newerThan: bigint) {
    return new ReachError("STALE_RECORD", `record seq ${seq} is not newer than ${newerThan}, already seen`);
  }
  static timeout(what: string, ms: number) {
    return new ReachError("TIMEOUT", `${what} timed out after ${ms / 1000} s`);
  }
  static noGateway(why: string) {
    return new ReachError("NO_GATEWAY", `no gateway: ${why}`);
  }
  static refused(what: string, detail: number, description: string) {
    return new ReachError("GATEWAY_REFUSED", `${what}: the gateway refused (${detail} ${description})`, { detail });
  }
  static offGateway(what: string, url: string, why: string) {
    return new ReachError("OFF_GATEWAY", `${what}: refused ${JSON.stringify(url.slice(0, 200))}: ${why}`);
  }
  /** A gateway's answer past what we read (TOO_LARGE, as a record over BEP 44's size). */
  static overCap(what: string, max: number) {
    return new ReachError("TOO_LARGE", `${what}: the answer is over ${max / 1024} KiB: not read further`);
  }
  static badResponse(what: string, why: string, cause?: unknown) {
    return new ReachError("BAD_RESPONSE", `${what}: unreadable answer from the gateway: ${why}`, { cause });
  }
}
