// `p2pchat status` and `/status` as text: the node, its links, and per
// contact why it is or is not reachable, in aligned columns.
import type { NodeStatus } from "../control/api.ts";
import { colors } from "./colors.ts";
import { formatClock, formatDateTime } from "./format.ts";
import { alignRows } from "./table.ts";
import { mismatchAdvice } from "../domain/contact.ts";

export function formatStatus(s: NodeStatus, running: boolean): string {
  const lines: string[] = [`${colors.bold(s.name)} ${s.peerId}`];
  if (!running) lines.push(`node: not running (${s.discoverable ? "discoverable" : "hidden"} when it starts)`);
  else if (s.discoverable) lines.push(`discoverable: yes, ${s.listening ? `listening on ${s.listening}` : "dialing out only (not listening)"}`);
  else lines.push("discoverable: no (hidden: not listening, not dialing)");
  if (s.legacyListening) lines.push(colors.red(`legacy plaintext port: ${s.legacyListening} (unencrypted, unauthenticated)`));
  if (running && s.reach) {
    const r = s.reach;
    // Where you stand (reach-verdict.ts), as serve's first lines and invite say it.
    if (r.verdict) lines.push(...r.verdict.lines);
    else if (r.public) lines.push(`public: ${r.public.address}:${r.public.port} (${r.public.via})`);
    lines.push(`lan: ${r.lan === "on" ? `beacons on (${r.nearby} node${r.nearby === 1 ? "" : "s"} nearby)` : "off"}`);
    lines.push(`dht: ${r.dht === "on" ? "on" : `off${r.dhtNote ? ` (${r.dhtNote})` : ""}`}${r.dkey ? `, discovery key ${r.dkey}` : ""}`);
    for (const relay of r.relays) lines.push(`relay: ${relay.friend ? `${relay.friend}'s, ` : ""}${relay.uri} ${relay.state}${relay.note ? ` (${relay.note})` : ""}`);
    if (r.seenAt?.length) lines.push(`peers see you at: ${r.seenAt.join(", ")}`);
  }
  if (running && s.relayForContacts) lines.push(relayForContactsLine(s.relayForContacts));
  lines.push(`links up: ${s.links.length}`);
  const linkRows = s.links.map((l) => [
    l.device ? `${l.peer} (${l.device})` : l.peer,
    l.via ? `via ${l.via}` : l.punched ? `${l.address} (direct, punched)` : l.address,
    l.punched ? "both dialed" : l.direction === "in" ? "they dialed" : "we dialed",
    `since ${formatClock(l.since)}`,
    l.legacy ? colors.red("unencrypted, unauthenticated (legacy)") : "",
  ]);
  lines.push(...alignRows(linkRows).map((r) => `  ${r}`));
  if (s.contacts.length > 0) {
    lines.push("contacts:");
    // A linked contact is seen now, and an error from before its link is old news.
    const rows = s.contacts.map((c) => {
      const linked = c.state === "linked";
      return [
        c.name,
        c.stateText,
        c.pending > 0 ? `${c.pending} pending` : "",
        !linked && c.lastSeen ? `seen ${ago(c.lastSeen)}` : "",
        !linked && !c.mismatch && c.lastError ? `last error: ${c.lastError}${c.lastErrorAt ? ` (${ago(c.lastErrorAt)})` : ""}` : "",
      ];
    });
    lines.push(...alignRows(rows).map((r) => `  ${r}`));
    for (const c of s.contacts) {
      if (c.mismatch) lines.push(colors.yellow(`  ${c.name}: expected ${c.mismatch.expected}, got ${c.mismatch.got}. ${mismatchAdvice(c.name, c.mismatch.got)}`));
    }
  }
  const legacyPending = s.pending.filter((p) => p.legacy && p.pending > 0);
  for (const p of legacyPending) lines.push(`  ${p.peer}: ${p.pending} pending (legacy plaintext peer: messages go no further than sent)`);
  const total = s.pending.reduce((n, p) => n + p.pending + (p.legacy ? 0 : p.sent), 0);
  lines.push(total === 0 ? "pending: none" : `pending: ${total} message${total === 1 ? "" : "s"} not delivered yet`);
  if (s.requests > 0) lines.push(colors.yellow(`requests: ${s.requests} waiting for you (p2pchat requests)`));
  lines.push(`database: ${s.database}`);
  return lines.join("\n");
}

/** Relaying for contacts: where, how busy, within which caps; or why not. */
function relayForContactsLine(r: NonNullable<NodeStatus["relayForContacts"]>): string {
  if (r.state === "off") return `relaying for contacts: no (${r.why})`;
  const rate = r.rateKiB === null ? "no rate limit" : `${r.rateKiB} KiB/s each`;
  const where = r.at ? `at ${r.at}` : "(waiting for the router to forward its port)";
  return `relaying for contacts ${where}: ${r.sessions} of ${r.maxSessions} sessions, ${rate}, ${r.members} contact${r.members === 1 ? "" : "s"} joined`;
}

function ago(ms: number, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - ms) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400) return `${Math.round(s / 3600)} h ago`;
  return formatDateTime(ms);
}
