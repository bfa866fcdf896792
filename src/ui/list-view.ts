// The conversations view: one row per contact (its number for Alt-1..9, the
// unread count, link state, when the last message was and what it said),
// then requests, people who are not contacts yet, in a section of their own
// with the name they announced quoted and unverified (and said plainly when
// it imitates a contact's), then our notes. Pure: data in, rows out.
import type { Contact, HistoryEntry, NodeStatus, PeerRequest } from "../control/api.ts";
import { looksLike } from "../node/lookalike.ts";
import { colors } from "./colors.ts";
import { formatClock, printable } from "./format.ts";
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
  const imitates = contacts.find((c) => looksLike(r.name, c.name));
  const imitation = imitates ? colors.red(` NOT your contact ${imitates.name}`) : "";
  return `${JSON.stringify(printable(r.name))} (unverified)${imitation}`;
}

/**
 * The list at `columns` in `height` rows, the selected row kept in view.
 * `notes` (newest last) fill what is left below.
 */
export function listRows(d: ListData, selected: number, columns: number, height: number, notes: readonly string[]): string[] {
  const body: string[] = [];
  let selectedRow = 0;
  body.push(colors.bold("Conversations"));
  if (d.conversations.length === 0) body.push(colors.dim("  no contacts yet: type a name below to add one (its address is asked), or use p2pchat invite"));
  const nameWidth = Math.min(16, Math.max(4, ...d.conversations.map((c) => width(c.name))));
  const states = d.conversations.map((c) => shortState(d.states.get(c.name)));
  const stateWidth = Math.max(0, ...states.map(width));
  d.conversations.forEach((c, i) => {
    const mine = i === selected;
    if (mine) selectedRow = body.length;
    const num = i < 9 ? String(i + 1) : " ";
    const unread = c.unread > 0 ? colors.bold(colors.yellow(`(${c.unread})`)) : "";
    const when = c.last ? shortWhen(c.last.time) : "";
    const head = `${mine ? "›" : " "}${num} ${pad(c.name, nameWidth)} ${pad(unread, 6)} ${pad(states[i]!, stateWidth)} ${pad(when, 6)} `;
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
  const lines = notes.flatMap((n) => n.split("\n"));
  const k = Math.min(lines.length, 4, Math.max(0, h - 3));
  const shownNotes = k > 0 ? lines.slice(-k) : [];
  const room = h - (shownNotes.length > 0 ? shownNotes.length + 1 : 0);
  // Scroll the list so the selected row shows.
  const start = body.length <= room ? 0 : Math.min(Math.max(0, selectedRow - room + 2), body.length - room);
  const rows = body.slice(start, start + room);
  while (rows.length < room) rows.push("");
  if (shownNotes.length > 0) rows.push("", ...shownNotes.map((n) => fit(n, columns)));
  return rows;
}
