// How a conversation is laid out on the full-screen chat: each message a
// block of rows (`[12:42] bob: ` then its text, continuation rows indented,
// our own messages' mark at the end), day separators, the "new since you
// last read" line, and the window of rows a scroll position shows. Pure: the
// same input and width give the same rows, so a mark that changes is a block
// laid out again, never a line printed twice.
import type { HistoryEntry } from "../control/api.ts";
import { colors } from "./colors.ts";
import { deliveredMark, forkWarning, formatClock, printable, statusMark, trimEndLines } from "./format.ts";
import { fit, width, wrapStyled, wrapText } from "./wrap.ts";

/** Continuation rows of a message start this far in: under the text, past `[12:42] `. */
export const INDENT = 8;

/** Every mark is given this many columns when placed, so a status change never moves a row. */
export const MARK_WIDTH = Math.max(...(["pending", "sent", "delivered", "cancelled"] as const).map((s) => width(statusMark(s))));

/** Narrower than this, the text of a message starts on the row below its `[12:42] name:`. */
const MIN_TEXT = 12;

/** A message's rows at `columns`. `self` names our own messages. */
export function entryRows(e: HistoryEntry, self: string, columns: number): string[] {
  const w = Math.max(INDENT + MIN_TEXT, columns);
  // In a group's conversation, a line names its author (the group is the conversation).
  const from = e.author ?? e.peer;
  if (e.event) return wrapStyled(colors.dim(`[${formatClock(e.time)}] * ${printable(from)} ${printable(e.text)}`), w);
  const who = e.direction === "in" ? colors.bold(printable(from)) : colors.dim(printable(self));
  const head = `${colors.dim(`[${formatClock(e.time)}]`)} ${who}: `;
  const headWidth = width(head);
  const indent = " ".repeat(INDENT);
  // Blank lines at the end would put the mark on a row of its own (a message sent with them, by another client).
  const lines = e.forked ? [forkWarning(from, e.versions)] : trimEndLines(e.text).split("\n").map((l) => printable(l));
  const rows: string[] = [];
  const [firstLine = "", ...more] = lines;
  if (w - headWidth >= MIN_TEXT) {
    const wrapped = wrapText(firstLine, w - headWidth, w - INDENT);
    rows.push(head + wrapped[0]!, ...wrapped.slice(1).map((r) => indent + r));
  } else {
    rows.push(head.trimEnd(), ...wrapText(firstLine, w - INDENT, w - INDENT).map((r) => indent + r));
  }
  for (const line of more) rows.push(...wrapText(line, w - INDENT, w - INDENT).map((r) => (r ? indent + r : "")));
  if (e.direction === "out") {
    const mark = e.delivered && e.status !== "delivered" ? deliveredMark(e.delivered) : statusMark(e.status, e.reason);
    const last = rows.length - 1;
    if (width(rows[last]!) + 2 + Math.max(MARK_WIDTH, width(mark)) <= w) rows[last] += `  ${mark}`;
    else rows.push(indent + mark);
  }
  return rows;
}

/** Our notes (command output, link changes): wrapped as they are, already styled. */
export function noteRows(text: string, columns: number): string[] {
  return wrapStyled(text, Math.max(1, columns));
}

const DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];

/** The local day of `ms`, as a number that differs between days. */
export function dayOf(ms: number): number {
  const d = new Date(ms);
  return d.getFullYear() * 10000 + d.getMonth() * 100 + d.getDate();
}

export function dayName(ms: number, now = Date.now()): string {
  const d = new Date(ms);
  const label = `${DAYS[d.getDay()]} ${d.getDate()} ${MONTHS[d.getMonth()]} ${d.getFullYear()}`;
  if (dayOf(ms) === dayOf(now)) return `Today, ${label}`;
  if (dayOf(ms) === dayOf(now - 86_400_000)) return `Yesterday, ${label}`;
  return label;
}

/** `── Monday 3 March 2025 ──────` across the row. */
export function ruleRow(label: string, columns: number, paint: (s: string) => string = colors.dim): string {
  const text = `── ${label} `;
  return paint(fit(text + "─".repeat(Math.max(0, columns - width(text))), columns));
}

export const UNREAD_LABEL = "new since you last read";

/**
 * A window of `height` rows over blocks laid out bottom-up: `offset` rows
 * scrolled up from the newest. Blocks are asked for from the newest back,
 * only as far as the window needs. Fewer rows than `height` leave blank rows
 * on top (the conversation sits on the status line, as in a chat).
 */
export interface Window {
  rows: string[];
  /** The offset shown: past the oldest row it stops there. */
  offset: number;
  /** The oldest row of the oldest block is in view (or nothing is): time to load older messages. */
  top: boolean;
}

export function viewWindow(count: number, block: (i: number) => readonly string[], height: number, offset: number): Window {
  const h = Math.max(0, height);
  const want = Math.max(0, offset) + h;
  const reversed: string[] = []; // newest row first
  let i = count - 1;
  while (i >= 0 && reversed.length < want) {
    const rows = block(i);
    for (let r = rows.length - 1; r >= 0; r--) reversed.push(rows[r]!);
    i--;
  }
  const exhausted = i < 0;
  const shown = exhausted ? Math.max(0, Math.min(offset, reversed.length - h)) : Math.max(0, offset);
  const slice = reversed.slice(shown, shown + h).reverse();
  const top = exhausted && shown + h >= reversed.length;
  return { rows: [...Array<string>(h - slice.length).fill(""), ...slice], offset: shown, top };
}
