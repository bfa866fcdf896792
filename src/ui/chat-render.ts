// The full-screen chat's frame, from a read-only view of its state: in a
// conversation, the title, the window of messages at the scroll position,
// the status line and the input; in the list, the title, the conversations
// and requests, the status line and the question. Pure: the same view and
// size give the same rows. What the layout decides back (where scrolling
// stops, what is seen) is settled before drawing, from the same functions.
import { colors } from "./colors.ts";
import { composeRows, type ComposeView } from "./compose.ts";
import { viewWindow, type Window } from "./layout.ts";
import { listLayout, type ListData, type ListLayout } from "./list-view.ts";
import { statusRow, titleRow } from "./status-line.ts";
import { fit } from "./wrap.ts";

export const QUESTION = "Who do you want to talk to? ";

export interface Size {
  columns: number;
  rows: number;
}

/** The line being written: the text either side of the cursor. */
export interface EditorView {
  readonly line: string;
  readonly beforeCursor: string;
}

interface ScreenBase {
  self: string;
  /** Discoverable, but another program holds the port: this run dials out and nobody can dial in. */
  dialOnly: boolean;
  /** Other conversations with unread messages, in list order. */
  unread: readonly { name: string; unread: number }[];
  requests: number;
  editor: EditorView;
}

export interface ConversationScreen extends ScreenBase {
  mode: "chat";
  peer: string;
  /** The link in words ("linked", "retry in 4 s"), when the node knows one. */
  link: string | undefined;
  discoverable: boolean;
  /** The conversation's blocks of rows at a width, oldest first. */
  blocks(columns: number): readonly (readonly string[])[];
  /** Rows scrolled up from the newest. */
  offset: number;
  newBelow: number;
}

export interface ListScreen extends ScreenBase {
  mode: "list";
  discoverable: boolean;
  listening: string | null;
  /** The question asks for this new contact's address. */
  asking: string | null;
  list: ListData;
  selected: number;
  notes: readonly string[];
  notesTop: number | undefined;
}

export type Screen = ConversationScreen | ListScreen;

export interface Frame {
  rows: string[];
  cursor: { row: number; col: number };
}

/** What a run that could not listen (another user's node holds the port) says where the user looks. */
const DIAL_ONLY = "dialing out only, not listening";

/** Below this the chat's lines cut each other into nonsense (`pending: noe`): it says so instead. */
export const MIN_COLUMNS = 20;
export const MIN_ROWS = 6;

/** Draws the whole screen. */
export function drawScreen(s: Screen, size: Size): Frame {
  if (size.columns < MIN_COLUMNS || size.rows < MIN_ROWS) return tooSmall(size);
  return s.mode === "chat" ? drawConversation(s, size) : drawList(s, size);
}

/** What a terminal below the minimum shows: the words, wrapped to it; keys still work (Ctrl-C quits, a draft is kept). */
function tooSmall(size: Size): Frame {
  const text = `terminal too small (${size.columns}×${size.rows}): make it at least ${MIN_COLUMNS}×${MIN_ROWS}`;
  const rows = wrapWords(text, Math.max(1, size.columns)).slice(0, Math.max(1, size.rows));
  return { rows, cursor: { row: 0, col: 0 } };
}

function wrapWords(text: string, columns: number): string[] {
  const out: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    const next = line ? `${line} ${word}` : word;
    if (Bun.stringWidth(next) <= columns) line = next;
    else {
      if (line) out.push(line);
      line = Bun.stringWidth(word) <= columns ? word : fit(word, columns);
    }
  }
  if (line) out.push(line);
  return out;
}

/** What places a conversation's rows on the screen. */
export type WindowOf = Pick<ConversationScreen, "peer" | "editor" | "blocks" | "offset">;

/** The rows of messages a conversation shows at its scroll position (stopped at the oldest row). */
export function conversationWindow(s: WindowOf, size: Size): Window {
  return windowOf(s, size, conversationInput(s, size));
}

/** Where the list's notes are, as drawn: their first line shown and lines per page (0: all shown). */
export function notesShown(s: ListScreen, size: Size): { top: number; page: number } {
  const laid = layList(s, size, listInput(s, size));
  return { top: laid.notesTop, page: laid.notesPage };
}

function maxInput(size: Size): number {
  return Math.max(1, Math.min(8, Math.floor(size.rows / 3)));
}

function conversationInput(s: WindowOf, size: Size): ComposeView {
  const e = s.editor;
  return composeRows(`${s.peer}> `, e.beforeCursor, e.line.slice(e.beforeCursor.length), size.columns, maxInput(size));
}

function windowOf(s: WindowOf, size: Size, input: ComposeView): Window {
  const area = size.rows - 2 - input.rows.length;
  const blocks = s.blocks(size.columns);
  return viewWindow(blocks.length, (i) => blocks[i]!, area, s.offset);
}

function drawConversation(s: ConversationScreen, size: Size): Frame {
  const { columns, rows: height } = size;
  const input = conversationInput(s, size);
  const win = windowOf(s, size, input);
  const you = !s.discoverable ? " · you are hidden" : s.dialOnly ? ` · ${DIAL_ONLY}` : "";
  const title = titleRow(`${s.peer}${s.link !== undefined ? ` · ${s.link}` : ""}${you}`, columns);
  const status = statusRow({ self: s.self, current: s.peer, unread: s.unread, requests: s.requests, below: win.offset, newBelow: s.newBelow, hint: "Esc: all conversations · /help", dialOnly: s.dialOnly }, columns);
  return { rows: [title, ...win.rows, status, ...input.rows], cursor: { row: height - input.rows.length + input.cursorRow, col: input.cursorCol } };
}

function listInput(s: ListScreen, size: Size): ComposeView {
  const e = s.editor;
  const prompt = s.asking ? `${s.asking}'s address› ` : QUESTION + colors.dim("› ");
  return composeRows(prompt, e.beforeCursor, e.line.slice(e.beforeCursor.length), size.columns, maxInput(size), s.asking ? colors.dim("192.168.1.20:20001") : "");
}

function layList(s: ListScreen, size: Size, input: ComposeView): ListLayout {
  const area = size.rows - 2 - input.rows.length;
  return listLayout(s.list, s.selected, size.columns, area, s.notes, s.notesTop);
}

function drawList(s: ListScreen, size: Size): Frame {
  const { columns, rows: height } = size;
  const input = listInput(s, size);
  const where = !s.discoverable ? "hidden: not listening, not dialing" : s.listening ? `discoverable, listening on ${s.listening}` : `discoverable, ${DIAL_ONLY}: the port is in use (p2pchat config set port N)`;
  const title = titleRow(`p2pchat · ${s.self} · ${where}`, columns);
  const status = statusRow({ self: s.self, current: null, unread: s.unread, requests: s.requests, below: 0, newBelow: 0, hint: "↑/↓ Enter · Tab completes · /help", dialOnly: s.dialOnly }, columns);
  const list = layList(s, size, input);
  return { rows: [title, ...list.rows, status, ...input.rows], cursor: { row: height - input.rows.length + input.cursorRow, col: input.cursorCol } };
}
