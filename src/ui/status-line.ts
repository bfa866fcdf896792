// The full-screen chat's two bars: the title on top (who this conversation is
// with and how the link is, or who you are in the list) and the status line
// above the input (the other conversations with unread messages, `bob (2)`,
// waiting requests, rows below when scrolled up).
import { colors } from "./colors.ts";
import { pad } from "./wrap.ts";

export interface StatusInfo {
  /** Our name. */
  self: string;
  /** The conversation open, or null in the list. */
  current: string | null;
  /** Other conversations with unread messages, in list order. */
  unread: readonly { name: string; unread: number }[];
  requests: number;
  /** Rows below the window (scrolled up); 0 at the bottom. */
  below: number;
  /** More than rows: messages that came while scrolled up. */
  newBelow: number;
  hint: string;
  /** Discoverable, but this run could not listen (the port is taken). */
  dialOnly?: boolean;
}

export function statusRow(s: StatusInfo, columns: number): string {
  const parts: string[] = [s.current ? `${s.self} › ${s.current}` : s.self];
  if (s.unread.length > 0) parts.push(s.unread.map((u) => `${u.name} (${u.unread})`).join(" "));
  if (s.requests > 0) parts.push(`${s.requests} request${s.requests === 1 ? "" : "s"}`);
  if (s.dialOnly) parts.push("not listening: peers cannot reach you");
  if (s.below > 0) parts.push(s.newBelow > 0 ? `↓ ${s.newBelow} new below (PgDn)` : "↓ more below (PgDn)");
  else if (s.hint) parts.push(s.hint);
  return colors.inverse(pad(` ${parts.join(" │ ")}`, columns));
}

export function titleRow(text: string, columns: number): string {
  return colors.inverse(colors.bold(pad(` ${text}`, columns)));
}
