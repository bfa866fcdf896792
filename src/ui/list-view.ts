// The conversations view: one row per contact (its number for Alt-1..9, the
// unread count, link state, when the last message was and what it said),
// then requests, people who are not contacts yet, in a section of their own
// with the name they announced quoted and unverified (and said plainly when
// it imitates a contact's), then our notes. Pure: data in, rows out.
import type { Contact, HistoryEntry, NodeStatus, PeerRequest } from "../control/api.ts";
import { imitatedName } from "../domain/lookalike.ts";
import { colors } from "./colors.ts";
import { formatClock, printable } from "./format.ts";
import { noteRows } from "./layout.ts";
import { fit, pad, width } from "./wrap.ts";

export type ContactState = NodeStatus["contacts"][number];

export interface ListData {
  /** Contacts by name, with unread counts and last messages. */
  conversations: readonly { name: string; unread: number; last: HistoryEntry | null }[];
  states: ReadonlyMap<string, ContactState>;
  requests: readonly PeerRequest[];
  contacts: readonly Contact[];
}

/** What a row of the list stands for: Enter opens a contact, shows how to answer a request. */
export type Pick = { kind: "contact"; name: string } | { kind: "request"; request: PeerRequest };

export function picks(d: ListData): Pick[] {
  return [...d.conversations.map((c) => ({ kind: "contact" as const, name: c.name })), ...d.requests.map((request) => ({ kind: "request" as const, request }))];
}

/** When the last message was: the time today, the day this week, the date this year, else the year. */
export function shortWhen(ms: number, now = Date.now()): string {
  const d = new Date(ms);
  const n = new Date(now);
  if (d.toDateString() === n.toDateString()) return formatClock(ms);
  if (now - ms < 6 * 86_400_000 && ms < now) return ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"][d.getDay()]!;
  if (d.getFullYear() === n.getFullYear()) return `${d.getDate()} ${["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"][d.getMonth()]}`;
  return String(d.getFullYear());
}

/** A link state in a word or two. */
export function shortState(s: ContactState | undefined, now = Date.now()): string {
  if (!s) return "";
  switch (s.state) {
    case "linked":
      return colors.green("linked");
    case "waiting":
      return s.nextRetryAt ? `retry ${Math.max(1, Math.ceil((s.nextRetryAt - now) / 1000))} s` : "waiting";
    case "identity changed":
      return colors.red("identity changed");
    case "idle":
      return colors.dim("offline");
    default:
      return s.state;
  }
}

export function requestName(r: PeerRequest, contacts: readonly Contact[]): string {
  const imitates = imitatedName(r.name, contacts.map((c) => c.name));
  const imitation = imitates !== null ? colors.red(` NOT your contact ${imitates}`) : "";
  return `${JSON.stringify(printable(r.name))} (unverified)${imitation}`;
}

/** Notes get at least this share of the rows when the list is long (the list keeps the rest). */
const NOTES_SHARE = 1 / 2;

export interface ListLayout {
  rows: string[];
  /** The first note line shown (clamped). */
  notesTop: number;
  /** Note lines a page shows when they do not all fit; 0 when they do. */
  notesPage: number;
}

/**
 * The list at `columns` in `height` rows, the selected row kept in view.
 * `notes` (newest last) take the rows the list leaves free; when they are
 * more, they show from line `notesTop` (by default the start of the newest
 * note) with a row that says where they are and that PgUp/PgDn page them.
 */
export function listRows(d: ListData, selected: number, columns: number, height: number, notes: readonly string[], notesTop?: number): string[] {
  return listLayout(d, selected, columns, height, notes, notesTop).rows;
}

export function listLayout(d: ListData, selected: number, columns: number, height: number, notes: readonly string[], notesTop?: number): ListLayout {
  const body: string[] = [];
  let selectedRow = 0;
  body.push(colors.bold("Conversations"));
  if (d.conversations.length === 0) body.push(colors.dim("  no contacts yet: type a name below to add one (its address is asked), or use p2pchat invite"));
  const nameWidth = Math.min(16, Math.max(4, ...d.conversations.map((c) => width(c.name))));
  const states = d.conversations.map((c) => shortState(d.states.get(c.name)));
  const stateWidth = Math.max(0, ...states.map(width));
  // As wide as the widest count, so 5-digit counts line up too (no column at all when nothing is unread).
  const unreads = d.conversations.map((c) => (c.unread > 0 ? `(${c.unread})` : ""));
  const unreadWidth = Math.max(0, ...unreads.map(width));
  d.conversations.forEach((c, i) => {
    const mine = i === selected;
    if (mine) selectedRow = body.length;
    const num = i < 9 ? String(i + 1) : " ";
    const unread = unreadWidth > 0 ? pad(colors.bold(colors.yellow(unreads[i]!)), unreadWidth) + " " : "";
    const when = c.last ? shortWhen(c.last.time) : "";
    const head = `${mine ? "›" : " "}${num} ${pad(c.name, nameWidth)} ${unread}${pad(states[i]!, stateWidth)} ${pad(when, 6)} `;
    const preview = c.last ? (c.last.direction === "out" ? colors.dim("you: ") : "") + printable(c.last.text.split("\n")[0]!) : colors.dim("no messages yet");
    const row = fit(head + preview, columns);
    body.push(mine ? colors.inverse(pad(row, columns)) : row);
  });
  if (d.requests.length > 0) {
    body.push("", colors.bold(`Requests: not your contacts (select one, then /accept [NAME], /reject or /block)`));
    d.requests.forEach((r, j) => {
      const mine = d.conversations.length + j === selected;
      if (mine) selectedRow = body.length;
      const waiting = r.waiting > 0 ? colors.yellow(` ${r.waiting} waiting`) : "";
      const row = fit(`${mine ? "›" : " "}? ${requestName(r, d.contacts)} ${colors.dim(r.peerId.split("-")[0]!)}${waiting}`, columns);
      body.push(mine ? colors.inverse(pad(row, columns)) : row);
    });
  }
  const h = Math.max(1, height);
  const noteLines = notes.map((n) => noteRows(n, columns));
  const lines = noteLines.flat();
  // The notes take what the list leaves free, and at least a share of the screen; a blank row above them.
  const free = Math.max(0, h - body.length - 1);
  const noteRoom = lines.length === 0 ? 0 : Math.min(lines.length, Math.max(free, Math.floor((h - 1) * NOTES_SHARE)), Math.max(0, h - 2));
  let shownNotes: string[] = [];
  let top = 0;
  let page = 0;
  if (noteRoom >= lines.length) shownNotes = lines;
  else if (noteRoom >= 2) {
    // Cut: a page of lines and a row that says which.
    page = noteRoom - 1;
    const newest = lines.length - (noteLines.at(-1)?.length ?? 0);
    top = Math.max(0, Math.min(notesTop ?? newest, lines.length - page));
    const more = lines.length - top - page;
    shownNotes = [...lines.slice(top, top + page), colors.dim(`── notes ${top + 1}–${top + page} of ${lines.length}${top > 0 ? " · PgUp" : ""}${more > 0 ? " · PgDn" : ""} ──`)];
  } else if (noteRoom === 1) shownNotes = lines.slice(-1);
  const room = h - (shownNotes.length > 0 ? shownNotes.length + 1 : 0);
  const rows = listWindow(body, selectedRow, room, shownNotes.length > 0 ? " · Esc hides the notes" : "");
  while (rows.length < room) rows.push("");
  if (shownNotes.length > 0) rows.push("", ...shownNotes.map((n) => fit(n, columns)));
  return { rows, notesTop: top, notesPage: page };
}

/**
 * `room` rows of the list, scrolled so the selected row shows; rows cut off
 * are never hidden silently: `↑ 2 more` / `↓ 1 more` take a row where they are.
 */
function listWindow(body: readonly string[], selectedRow: number, room: number, hint: string): string[] {
  if (body.length <= room) return [...body];
  const more = (arrow: string, n: number) => colors.dim(`  ${arrow} ${n} more${hint}`);
  if (room <= 1) return room === 1 ? [body[selectedRow]!] : [];
  // The top of the list, and a row for what is below it.
  const n = room - 1;
  if (selectedRow < n) return [...body.slice(0, n), more("↓", body.length - n)];
  // The end of it, and a row for what is above.
  if (selectedRow >= body.length - n) return [more("↑", body.length - n), ...body.slice(body.length - n)];
  // In between: a row each side, the selected row with one below it where there is room.
  const mid = Math.max(1, room - 2);
  const start = Math.min(Math.max(1, selectedRow - mid + 2), body.length - mid - 1, selectedRow);
  return [more("↑", start), ...body.slice(start, start + mid), more("↓", body.length - start - mid)].slice(0, room);
}
