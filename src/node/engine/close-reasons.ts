// Why a link closed, or a message of ours was refused, in the words the
// user reads (events, status, history): ours for the codes we know, the
// peer's otherwise, cut short.
import type { ProtocolErrorCode } from "../../protocol/protocol-error.ts";
import type { CloseInfo } from "../../transport/link.ts";
import { SHUTDOWN_REASON } from "../../transport/transport.ts";

/** Why the receiver refused our message, as history keeps it: our words for a code we know, else the peer's (cut short). */
export function refusalReason(code: ProtocolErrorCode, reason: string): string {
  if (code === "BLANK_MESSAGE") return "refused by the receiver: a blank message (only spaces or invisible characters)";
  const said = [...reason].slice(0, 200).join("");
  return `refused by the receiver (${code})${said ? `: ${said}` : ""}`;
}

/** Our own reasons for closing, as we say them (the peer gets the code and a reason from its side). */
const OUR_SIDE: Partial<Record<string, string>> = {
  HIDDEN: "we went hidden",
};

const THEIR_SIDE: Partial<Record<string, string>> = {
  HIDDEN: "they went hidden",
  SHUTDOWN: "they stopped their node",
};

export function describeClose(info: CloseInfo): string {
  if (info.local?.code === "SHUTDOWN") return info.local.reason === SHUTDOWN_REASON ? "we are shutting down" : info.local.reason;
  if (info.local) return OUR_SIDE[info.local.code] ?? `${info.local.code}: ${info.local.reason}`;
  if (info.remote) return THEIR_SIDE[info.remote.code] ?? `peer said ${info.remote.code}: ${info.remote.reason}`;
  if (info.error) return info.error.message || String(info.error);
  return "closed";
}
