// `p2pchat status` and `/status` as text.
import type { NodeStatus } from "../control/api.ts";
import { colors } from "./colors.ts";
import { formatClock } from "./format.ts";

export function formatStatus(s: NodeStatus, running: boolean): string {
  const lines: string[] = [`${colors.bold(s.name)} ${s.peerId}`];
  if (!running) lines.push(`node: not running (${s.discoverable ? "discoverable" : "hidden"} when it starts)`);
  else if (s.discoverable) lines.push(`discoverable: yes, ${s.listening ? `listening on ${s.listening}` : "dialing out only (not listening)"}`);
  else lines.push("discoverable: no (hidden: not listening, not dialing)");
  if (s.legacyListening) lines.push(colors.red(`legacy plaintext port: ${s.legacyListening} (unencrypted, unauthenticated)`));
  lines.push(`links up: ${s.links.length}`);
  for (const l of s.links) {
    const legacy = l.legacy ? colors.red("  unencrypted, unauthenticated (legacy)") : "";
    lines.push(`  ${l.peer}  ${l.address}  ${l.direction === "in" ? "they dialed" : "we dialed"}  since ${formatClock(l.since)}${legacy}`);
  }
  if (s.pending.length === 0) lines.push("pending: none");
  else {
    lines.push("pending:");
    for (const p of s.pending) {
      lines.push(p.legacy ? `  ${p.peer}: ${p.pending} pending (legacy plaintext peer: messages go no further than sent)` : `  ${p.peer}: ${p.pending} pending, ${p.sent} sent (awaiting ack)`);
    }
  }
  lines.push(`database: ${s.database}`);
  return lines.join("\n");
}
