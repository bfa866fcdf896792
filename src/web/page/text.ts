// What a peer wrote, made safe to show: the same rule as the terminal's
// printable() (src/ui/format.ts), less the line breaks, which the page
// keeps. Control characters show as their symbols (␛, ␇), bidi overrides and
// isolates as �: text can neither act nor flip the row around it.

export function shown(text: string): string {
  return text.replace(/[\p{Cc}\u202a-\u202e\u2066-\u2069]/gu, (c) => {
    const code = c.charCodeAt(0);
    if (code === 0x0a || code === 0x09) return c;
    if (code < 0x20) return String.fromCharCode(0x2400 + code);
    if (code === 0x7f) return "␡";
    return "�";
  });
}

/** A message without the blank lines that end it (a paste that ends in a newline). */
export function trimEndLines(text: string): string {
  return text.replace(/(?:\r?\n[^\S\n]*)+$/, "");
}

const pad = (n: number) => String(n).padStart(2, "0");

export function clock(ms: number): string {
  const d = new Date(ms);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** When, briefly (the list's): the time today, the day this week, the date this year, else the year (as the terminal's list). */
export function shortWhen(ms: number, now = Date.now()): string {
  const d = new Date(ms);
  const n = new Date(now);
  if (d.toDateString() === n.toDateString()) return clock(ms);
  if (now - ms < 6 * 86_400_000 && ms < now) return DAYS[d.getDay()]!;
  if (d.getFullYear() === n.getFullYear()) return `${d.getDate()} ${MONTHS[d.getMonth()]}`;
  return String(d.getFullYear());
}

/** A day's heading in a conversation: "Today", "Yesterday", or "Mon 3 Jun 2024". */
export function dayLabel(ms: number, now = Date.now()): string {
  const d = new Date(ms);
  const today = new Date(now);
  if (d.toDateString() === today.toDateString()) return "Today";
  const yesterday = new Date(now - 86_400_000);
  if (d.toDateString() === yesterday.toDateString()) return "Yesterday";
  return `${DAYS[d.getDay()]} ${d.getDate()} ${MONTHS[d.getMonth()]} ${d.getFullYear()}`;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
