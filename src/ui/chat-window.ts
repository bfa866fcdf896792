// The open conversation as the user sees it: which one, the line being
// written, how far it is scrolled up from the newest row, and how many
// messages came while it was. Each conversation keeps its own draft and
// its "new since you last read" line (conversation.ts); the scroll is the
// window's, and starts at the bottom whenever a conversation opens.
import type { HistoryEntry } from "../control/api.ts";
import type { Conversation } from "./conversation.ts";
import { LineEditor } from "./input.ts";
import type { Window } from "./layout.ts";

export class ChatWindow {
  /** The message being written. */
  readonly editor = new LineEditor();
  private conv: Conversation | null = null;
  /** Rows scrolled up from the newest. */
  private rowsUp = 0;
  private unseenBelow = 0;

  /** The conversation open, or the last one open while the list shows. */
  get current(): Conversation | null {
    return this.conv;
  }

  /** Rows scrolled up from the newest; 0 at the bottom. */
  get offset(): number {
    return this.rowsUp;
  }

  /** Messages that came while scrolled up. */
  get newBelow(): number {
    return this.unseenBelow;
  }

  /** `conv` opens at the bottom, with its draft in the input. */
  show(conv: Conversation): void {
    this.editor.set(conv.draft);
    this.rowsUp = 0;
    this.unseenBelow = 0;
    this.conv = conv;
  }

  /** The conversation is left: its draft stays with it, its read line goes. */
  leave(): void {
    const conv = this.conv;
    if (!conv) return;
    conv.keepDraft(this.editor.line);
    conv.clearMarker();
    this.rowsUp = 0;
  }

  scrollUp(rows: number): void {
    this.rowsUp += rows;
  }

  scrollDown(rows: number): void {
    this.rowsUp = Math.max(0, this.rowsUp - rows);
  }

  /** Back to the newest (a message sent). */
  toBottom(): void {
    this.rowsUp = 0;
  }

  /** `entry` goes at the end of `conv` (`columns` wide); false when it was there already. */
  append(conv: Conversation, entry: HistoryEntry, columns: number): boolean {
    return this.keepingView(conv, columns, () => conv.append(entry));
  }

  /**
   * A message came into the open conversation while it was out of sight:
   * counted, and the read line goes above the first (a row below the window
   * when scrolled up).
   */
  cameUnseen(entry: HistoryEntry, columns: number): void {
    this.unseenBelow++;
    const conv = this.conv;
    if (conv) this.keepingView(conv, columns, () => conv.markUnreadFrom(entry.id));
  }

  /**
   * As the screen lays it out: at the bottom, nothing new is below; scrolled
   * past the oldest row, it stops there, unless older messages are on their
   * way (PgUp pressed 50 times goes 50 pages up while older pages come).
   */
  fit(win: Window, olderComing: boolean): void {
    if (win.offset === 0) this.unseenBelow = 0;
    if (!olderComing) this.rowsUp = win.offset;
  }

  /** Rows added below the window of the open conversation, scrolled up, leave the rows on screen where they are. */
  private keepingView<T>(conv: Conversation, columns: number, change: () => T): T {
    if (conv !== this.conv || this.rowsUp === 0) return change();
    const before = rowsOf(conv, columns);
    const result = change();
    this.rowsUp += rowsOf(conv, columns) - before;
    return result;
  }
}

function rowsOf(conv: Conversation, columns: number): number {
  return conv.blocks(columns).reduce((n, b) => n + b.length, 0);
}
