// How contacts and messages look on a terminal (and in plain text when piped).
import type { Contact } from "../domain/contact.ts";
import type { HistoryEntry } from "../domain/history-entry.ts";
import { formatHostPort } from "../domain/host-port.ts";
import { formatLocalDateTime } from "../domain/local-time.ts";
import { colors } from "./colors.ts";
import { formatTable } from "./table.ts";

export function formatClock(ms: number): string {
  const d = new Date(ms);
  return `${String(d.getHours()).padStart(2, "0")}:${String(d.getMinutes()).padStart(2, "0")}`;
}

export function formatDateTime(ms: number): string {
  return formatLocalDateTime(ms);
}

/**
 * What a peer wrote, safe to print: control characters (escape sequences that
 * would move the cursor, clear the screen or retitle the window) and bidi
 * overrides are shown as visible symbols instead of acting on the terminal.
 */
/** A message without the line breaks and blank lines that end it (a paste that ends in a newline), which would only leave empty rows. */
export function trimEndLines(text: string): string {
  return text.replace(/(?:\r?\n[^\S\n]*)+$/, "");
}

export function printable(text: string): string {
  return text.replace(/[\p{Cc}\u202a-\u202e\u2066-\u2069]/gu, (c) => {
    const code = c.charCodeAt(0);
    if (code === 0x0a) return "↵ "; // ↵: a line break in a message stays on its line
    if (code === 0x09) return "    ";
    if (code < 0x20) return String.fromCharCode(0x2400 + code); // ␛, ␇, ...
    if (code === 0x7f) return "␡"; // ␡
    return "�";
  });
}

/** What a post whose author signed different versions for different members shows instead of its text: each version, when known. */
export function forkWarning(author: string, versions?: readonly string[]): string {
  const said = versions && versions.length > 1 ? `: ${versions.map((v) => `"${printable(v)}"`).join(" / ")}` : "";
  return `⚠ ${printable(author)} sent different messages to different members${said}`;
}

/** The text an entry shows (printable): its own, or the fork warning in its place. */
export function shownText(e: Pick<HistoryEntry, "text" | "author" | "peer" | "forked" | "versions">): string {
  return e.forked ? forkWarning(e.author ?? e.peer, e.versions) : printable(e.text);
}

/** The delivery mark after a message we wrote; a failed one says why (`reason`). */
export function statusMark(status: string, reason?: string): string {
  switch (status) {
    case "pending":
      return colors.yellow("… pending");
    case "sent":
      return colors.cyan("✓ sent");
    case "delivered":
      return colors.green("✓✓ delivered");
    case "cancelled":
      return colors.red("✗ cancelled");
    case "failed":
      return colors.red(reason ? `✗ failed: ${printable(reason)}` : "✗ failed");
    default:
      return "";
  }
}

/** Who a received entry is from: the contact, or in a group `#club alice`. */
export function senderOf(e: Pick<HistoryEntry, "peer" | "author">): string {
  return e.author !== undefined ? `${e.peer} ${e.author}` : e.peer;
}

/** The mark after our own message in a group: how many of the other members hold it. */
export function deliveredMark(d: { to: number; of: number }): string {
  if (d.of === 0) return colors.dim("✓ stored (no other member)");
  if (d.to === d.of) return colors.green(`✓✓ delivered to ${d.of === 1 ? "the other member" : `all ${d.of}`}`);
  return colors.cyan(`✓ delivered to ${d.to} of ${d.of}`);
}

/** `[HH:MM] name: text`, the line a received message prints as. */
export function formatIncoming(peer: string, text: string, time: number): string {
  return `[${formatClock(time)}] ${colors.bold(peer)}: ${printable(text)}`;
}

/** `text` with its [start, end) ranges (sorted, apart) marked, as grep marks a match; plain without colour. */
export function highlight(text: string, ranges: readonly (readonly [number, number])[]): string {
  let out = "";
  let at = 0;
  for (const [start, end] of ranges) {
    out += printable(text.slice(at, start)) + colors.bold(colors.red(printable(text.slice(start, end))));
    at = end;
  }
  return out + printable(text.slice(at));
}

export interface EntryFormat {
  /** Our own display name, shown on lines we wrote. */
  self: string;
  /** Name the peer on each line (history across conversations). */
  showPeer: boolean;
  /** Print the date too, not just the time. */
  dates: boolean;
}

/** `shown` is the text as it should print (already made printable, perhaps highlighted). */
export function formatEntry(e: HistoryEntry, f: EntryFormat, shown: string = shownText(e)): string {
  const when = f.dates ? formatDateTime(e.time) : formatClock(e.time);
  if (e.event) shown = colors.dim(shown);
  if (e.forked) shown = colors.red(shown);
  if (e.direction === "in") {
    const from = e.author !== undefined ? (f.showPeer ? `${colors.bold(e.peer)} ${colors.bold(e.author)}` : colors.bold(e.author)) : colors.bold(e.peer);
    return `[${when}] ${from}: ${shown}`;
  }
  const who = f.showPeer ? `${colors.dim(f.self)} → ${colors.bold(e.peer)}` : colors.dim(f.self);
  if (e.event) return `[${when}] ${who}: ${shown}`;
  return `[${when}] ${who}: ${shown}  ${e.delivered ? deliveredMark(e.delivered) : statusMark(e.status, e.reason)}`;
}

/** An entry as `--json` prints it: `time` when written; for incoming messages `received` too, when it arrived. */
export function entryJson(e: HistoryEntry): Record<string, unknown> {
  const out: Record<string, unknown> = { id: e.id, direction: e.direction, peer: e.peer, text: e.text, status: e.status, time: e.time };
  if (e.received !== undefined) out.received = e.received;
  if (e.reason !== undefined) out.reason = e.reason;
  return out;
}

export function formatContacts(list: readonly Contact[]): string {
  if (list.length === 0) return colors.dim("no contacts yet: add one with `p2pchat contacts add NAME HOST:PORT`");
  // The address that worked last first, then the others and the relays, a line each.
  const rows = list.flatMap((c) => {
    // Port 0: it told us it does not listen (it dials us), so there is no address to show.
    const first = c.port > 0 ? formatHostPort(c.host, c.port) : "none (they dial you)";
    const more = c.addresses.filter((a) => a.port > 0).map((a) => formatHostPort(a.host, a.port)).filter((a) => a !== first);
    const relays = c.relays.map((r) => `relay ${relayHost(r)}`);
    const flags = [c.blocked ? "blocked" : "", c.legacy ? "legacy (plaintext)" : "", c.dkey ? "dht key" : ""].filter(Boolean).join(", ");
    return [[c.name, first, c.peerId ?? "not pinned yet", flags], ...[...more, ...relays].map((a) => ["", a, "", ""])];
  });
  return formatTable(["NAME", "ADDRESS", "PEER ID", "FLAGS"], rows);
}

/** relay://HOST:PORT/?id=… as HOST:PORT (the id is in `contacts --json`). */
function relayHost(uri: string): string {
  try {
    return new URL(uri).host || uri;
  } catch {
    return uri;
  }
}
