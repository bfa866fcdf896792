// The full-screen chat's state, without the terminal: who everyone is
// (roster.ts), the conversations view (list-state.ts), the open
// conversation (chat-window.ts), our messages on their way (outgoing.ts),
// the jobs typed (jobs.ts), and the conversations loaded. Its methods are
// what the user does that changes more than one of them (open a
// conversation, go back to the list, ask a new name's address); keys,
// commands and node events (chat-input.ts, chat-commands.ts,
// chat-events.ts) call them. `settle` makes the state agree with the screen
// it is about to be drawn on (what is drawn is chat-screen.ts's view of it).
import type { HistoryEntry, NodeApi, NodeStatus } from "../control/api.ts";
import { colors } from "./colors.ts";
import { Completer } from "./complete.ts";
import { Conversation } from "./conversation.ts";
import { conversationWindow, type Size } from "./chat-render.ts";
import { ChatWindow } from "./chat-window.ts";
import { Jobs } from "./jobs.ts";
import type { Key } from "./keys.ts";
import { picks } from "./list-view.ts";
import { ListState } from "./list-state.ts";
import { BELL, notification } from "./notify.ts";
import { Outgoing } from "./outgoing.ts";
import { Roster, type RefreshWhat } from "./roster.ts";

/** How the chat ended: by the user, or because the node it was attached to stopped. */
export type ChatEnd = "quit" | "lost";

/** What the chat's state needs of the screen it is shown on. */
export interface ChatHost {
  readonly columns: number;
  readonly rows: number;
  /** A frame soon: the state changed outside a key press. */
  schedule(): void;
  /** The user leaves (or the node went). */
  finish(): void;
  /** Everything is drawn again on the next frame (Ctrl-L). */
  redraw(): void;
  /** Bytes that are not part of a frame: the bell, a notification. */
  write(bytes: string): void;
  /** Keys held while the view changed, to be applied now. */
  press(keys: Key[]): void;
}

export class ChatState {
  readonly self: string;
  readonly roster: Roster;
  readonly list = new ListState();
  readonly window = new ChatWindow();
  readonly outgoing = new Outgoing();
  readonly jobs: Jobs;
  /** Tab completion, shared by the list's question and the conversations' input. */
  readonly completer = new Completer();
  private shown: "list" | "chat" = "list";
  private readonly convs = new Map<string, Conversation>();
  private hasFocus = true;
  private ended: { end: ChatEnd; reason: string } = { end: "quit", reason: "" };

  constructor(
    readonly api: NodeApi,
    status: NodeStatus,
    private readonly host: ChatHost,
    private readonly quiet: boolean,
  ) {
    this.self = status.name;
    this.roster = new Roster(status);
    this.jobs = new Jobs({
      failed: (message) => this.note(colors.red(`! ${message}`)),
      done: () => host.schedule(),
      replay: (keys) => host.press(keys),
    });
  }

  /** The list of conversations, or one conversation. */
  get mode(): "list" | "chat" {
    return this.shown;
  }

  /** The conversation open (or the last one open while the list shows). */
  get current(): Conversation | null {
    return this.window.current;
  }

  get names(): string[] {
    return this.roster.names;
  }

  /** The terminal has the user's focus: what is at the bottom of a conversation is read. */
  get focused(): boolean {
    return this.hasFocus;
  }

  setFocus(on: boolean): void {
    this.hasFocus = on;
  }

  get end(): ChatEnd {
    return this.ended.end;
  }

  get lostReason(): string {
    return this.ended.reason;
  }

  /** The node this chat is attached to stopped: the chat ends, saying why. */
  lost(reason: string): void {
    this.ended = { end: "lost", reason };
    this.host.finish();
  }

  /** The screen's size, to page by. */
  get size(): Size {
    return { columns: this.host.columns, rows: this.host.rows };
  }

  finish(): void {
    this.host.finish();
  }

  schedule(): void {
    this.host.schedule();
  }

  redraw(): void {
    this.host.redraw();
  }

  /** Reads again what the list shows. */
  refresh(what: RefreshWhat): Promise<void> {
    return this.roster.refresh(this.api, what);
  }

  /** Reads again what the list shows, and draws it when it comes. */
  refreshSoon(what: RefreshWhat): void {
    void this.refresh(what).then(() => this.schedule());
  }

  /** `name`'s conversation, made when first asked for. */
  conversation(name: string): Conversation {
    let c = this.convs.get(name);
    if (!c) this.convs.set(name, (c = new Conversation(name, this.self)));
    return c;
  }

  /** `name`'s conversation when it was opened before; else its messages are read when it opens. */
  known(name: string): Conversation | undefined {
    return this.convs.get(name);
  }

  /** Opens a conversation: its history, the read line, and what is known about the link. */
  async open(name: string): Promise<void> {
    if (this.current && this.mode === "chat") this.window.leave();
    const conv = this.conversation(name);
    const first = !conv.loaded;
    await conv.open(this.api, this.roster.unread.of(name));
    // Above the backlog, so the first screen reads from the top: who this is, then what was said.
    if (first) conv.header = this.roster.intro(name);
    // Leaving the list: what it said was for then.
    if (this.mode === "list") this.list.notes.clear();
    this.window.show(conv);
    this.shown = "chat";
    this.list.stopAsking();
    const i = this.names.indexOf(name);
    if (i >= 0) this.list.select(i);
  }

  /** Back to the list; the draft stays with its conversation. */
  showList(): void {
    this.window.leave();
    this.shown = "list";
    this.refreshSoon("contacts");
  }

  /** The conversation is left for the list's question (/switch to a new name). */
  leaveForList(): void {
    this.window.leave();
    this.list.notes.clear();
  }

  /** The list's question turns to the address of a name not in the address book. */
  ask(name: string): void {
    this.shown = "list";
    this.list.ask(name);
    this.listNote(colors.yellow(`${name} is not in your contacts. What is ${name}'s address (HOST:PORT)? Esc to cancel`));
  }

  /** A line in the open conversation (or the list's notes when none is open). */
  note(text: string): void {
    if (this.mode === "chat" && this.current) this.current.note(text);
    else this.listNote(text);
    this.schedule();
  }

  /**
   * A request was accepted, rejected or blocked (here or in another terminal):
   * the "* request from ..." lines that offered it say nothing true any more.
   */
  requestDecided(peerId: string): void {
    const stale = (text: string) => text.includes("request from ") && text.includes(peerId);
    for (const conv of this.convs.values()) conv.dropNotes(stale);
    this.list.notes.drop(stale);
    this.schedule();
  }

  listNote(text: string): void {
    this.list.notes.add(text);
    this.schedule();
  }

  /** A message at the end of `conv` (with a mark that came before it); scrolled up, the rows on screen stay where they are. */
  append(conv: Conversation, entry: HistoryEntry): void {
    const early = this.outgoing.takeEarly(entry.id);
    if (early) entry.status = early;
    this.window.append(conv, entry, this.host.columns);
  }

  /** A message came where the user is not looking: the bell, and a desktop notification when the terminal is not focused. */
  alert(title: string, text: string): void {
    if (this.quiet) return;
    this.host.write(BELL);
    if (!this.focused) this.host.write(notification(title, text));
  }

  /**
   * Makes the state agree with the screen it is drawn on next: the scroll
   * stops at the oldest row (or older messages are fetched), what shows at
   * the bottom of the open conversation with the terminal focused is read,
   * and the list's selection stays on a row.
   */
  settle(size: Size): void {
    const conv = this.current;
    if (this.mode === "chat" && conv) {
      const win = conversationWindow({ peer: conv.peer, editor: this.window.editor, blocks: (columns) => conv.blocks(columns), offset: this.window.offset }, size);
      const olderComing = win.top && conv.hasMore;
      if (olderComing && !conv.isLoading) {
        // Scrolled past what is loaded: the offset asked for stays (PgUp pressed 50 times goes 50 pages up) while older pages come.
        void conv.loadOlder(this.api).then(
          () => this.schedule(),
          (err: unknown) => this.note(colors.red(`! older messages: ${err instanceof Error ? err.message : String(err)}`)),
        );
      }
      this.window.fit(win, olderComing);
      if (win.offset === 0 && this.focused) this.markSeen(conv);
      return;
    }
    this.list.fit(picks(this.roster.listData()).length);
  }

  /** What is on screen at the bottom of the open conversation is read; the node keeps the mark (counts survive a restart). */
  private markSeen(conv: Conversation): void {
    const last = conv.lastIncoming();
    const unread = this.roster.unread;
    if (!last || !unread.readUpTo(conv.peer, last.id)) return;
    // A contact's mark and a group's ('#alias') are kept in the database.
    this.api.markRead(conv.peer, last.id).then(
      (n) => {
        unread.set(conv.peer, n);
        this.schedule();
      },
      () => unread.markFailed(conv.peer),
    );
  }
}
