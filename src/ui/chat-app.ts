// `p2pchat chat` on a terminal: a full-screen chat over every conversation.
// The list of conversations (unread counts, last messages, link states,
// requests) with the question "Who do you want to talk to?" below it; a
// conversation with its history from the database (scrolled with PgUp/PgDn
// or the wheel), a status line that counts what came elsewhere, and an
// input area for messages of one line or several. Each change redraws the
// screen from the state here, so a mark changes in place at any width.
// Keys and commands are chat-input.ts's, node events chat-events.ts's, the
// frame chat-render.ts's.
import type { Contact, GroupInfo, HistoryEntry, NodeApi, NodeEvent, NodeStatus, PeerRequest } from "../control/api.ts";
import { colors } from "./colors.ts";
import { Conversation } from "./conversation.ts";
import { LineEditor } from "./input.ts";
import type { ListData } from "./list-view.ts";
import { Terminal, type TerminalStreams } from "./term.ts";
import { applyEvent } from "./chat-events.ts";
import { enqueueSwitch, handleKeys } from "./chat-input.ts";
import type { Key } from "./keys.ts";
import { listData, renderApp } from "./chat-render.ts";
import { takeTypedAhead } from "./prompt.ts";

/** How the chat ended: by the user, or because the node it was attached to stopped. */
export type ChatEnd = "quit" | "lost";

export interface ChatAppOptions {
  /** Open this conversation first (else the list). Not a contact yet: its address is asked. */
  peer?: string | null;
  /** No bell, no desktop notifications. */
  quiet: boolean;
  input?: NodeJS.ReadStream;
  output?: NodeJS.WriteStream;
}

/** Link states and the like are asked for again this often while the chat runs (retry timers count down). */
const REFRESH_MS = 5_000;
/** Notes kept for the list view. */
const MAX_NOTES = 50;

export class ChatApp {
  readonly term: Terminal;
  readonly self: string;
  mode: "list" | "chat" = "list";
  /** The list's question is asking for this new contact's address. */
  asking: string | null = null;
  current: Conversation | null = null;
  selected = 0;
  focused = true;
  readonly listEditor = new LineEditor();
  readonly chatEditor = new LineEditor();
  readonly listNotes: string[] = [];
  /** The first note line shown when the user paged the notes; undefined: the start of the newest note. */
  notesTop: number | undefined = undefined;
  /** As the last frame laid the notes out: their first line shown, and lines per page (0: all shown). */
  notesShown = { top: 0, page: 0 };
  readonly convs = new Map<string, Conversation>();
  contacts: Contact[] = [];
  /** Groups we are in ('#alias'), listed after the contacts. */
  groups: GroupInfo[] = [];
  requests: PeerRequest[] = [];
  status: NodeStatus;
  readonly unread = new Map<string, number>();
  readonly lasts = new Map<string, HistoryEntry | null>();
  /** Statuses that came before the send that made the message returned. */
  readonly early = new Map<string, string>();
  /** Our messages not delivered yet, per conversation, oldest first (for /cancel). */
  readonly undelivered = new Map<string, string[]>();
  /** Conversations we wrote in, to say on the way out what still waits. */
  readonly wroteTo = new Set<string>();
  /** The last message marked read, per conversation (not asked twice). */
  readonly markedUpTo = new Map<string, string>();
  /** New messages that came while scrolled up in the open conversation. */
  newBelow = 0;
  /** Lines and switches, handled one after another in the order typed. */
  queue: Promise<void> = Promise.resolve();
  /** Jobs in the queue that change the view (open a conversation, run a command). */
  switching = 0;
  /** Keys typed while `switching`: applied, in order, once the view has changed. */
  readonly held: Key[] = [];
  end: ChatEnd = "quit";
  lostReason = "";
  private scheduled = false;
  private readonly finished = Promise.withResolvers<void>();

  private constructor(
    readonly api: NodeApi,
    readonly opts: ChatAppOptions,
    status: NodeStatus,
    streams: TerminalStreams,
  ) {
    this.status = status;
    this.self = status.name;
    this.term = new Terminal(streams, {
      keys: (keys) => handleKeys(this, keys),
      resize: () => this.render(),
      end: () => this.finish(),
    });
  }

  static async create(api: NodeApi, opts: ChatAppOptions): Promise<ChatApp> {
    const streams = { input: opts.input ?? process.stdin, output: opts.output ?? process.stdout };
    return new ChatApp(api, opts, await api.status(), streams);
  }

  /** Runs until the user leaves (or the node goes); the screen is the user's again after. */
  async run(): Promise<ChatEnd> {
    // Subscribed first, then read the state: what changes after is an event.
    const unsubscribe = await this.api.subscribe((e) => {
      try {
        this.onEvent(e);
      } catch (err) {
        this.note(colors.red(`! ${(err as Error).message}`));
      }
      this.schedule();
    });
    const onSignal = () => this.finish();
    process.on("SIGTERM", onSignal);
    process.on("SIGHUP", onSignal);
    process.on("SIGINT", onSignal);
    // Retry timers count down, and a request's messages come without an event of their own.
    const refresh = setInterval(() => void Promise.all([this.refresh("status"), this.refresh("requests")]).then(() => this.schedule()), REFRESH_MS);
    try {
      await this.refresh("all");
      // Typed ahead of the view, with the answer to a question before it: kept, and applied after the first view opens.
      const ahead = takeTypedAhead();
      this.term.start(ahead.rest);
      const first = this.opts.peer;
      if (first && this.names.includes(first)) enqueueSwitch(this, () => this.open(first));
      else if (first) this.ask(first);
      if (ahead.keys.length > 0) handleKeys(this, ahead.keys);
      await this.queue;
      this.render();
      await this.finished.promise;
      // Keys held while the view changed may have queued more (a send typed just before leaving).
      for (let q = this.queue; ; q = this.queue) {
        await q;
        if (q === this.queue) break;
      }
    } finally {
      clearInterval(refresh);
      process.off("SIGTERM", onSignal);
      process.off("SIGHUP", onSignal);
      process.off("SIGINT", onSignal);
      unsubscribe();
      this.term.stop();
    }
    return this.end;
  }

  finish(): void {
    this.finished.resolve();
  }

  /** Reads again what the list shows. */
  async refresh(what: "all" | "status" | "contacts" | "requests"): Promise<void> {
    if (what === "all" || what === "status") this.status = await this.api.status();
    if (what === "all" || what === "contacts") {
      this.contacts = await this.api.contacts();
      this.groups = await this.api.groups();
      for (const g of this.groups) {
        if (!this.lasts.has(g.name)) this.lasts.set(g.name, (await this.api.history({ peer: g.name, limit: 1 })).at(-1) ?? null);
      }
      for (const c of await this.api.conversations()) {
        this.unread.set(c.name, c.unread);
        this.lasts.set(c.name, c.last);
      }
    }
    if (what === "all" || what === "requests" || what === "contacts") this.requests = await this.api.requests();
  }

  /** The contacts by name, then the groups, as the list numbers them (Alt-1..9, Ctrl-N/P). */
  get names(): string[] {
    const groups = this.groups.filter((g) => g.role === "creator" || g.role === "member").map((g) => g.name);
    return [...this.contacts.map((c) => c.name).sort((a, b) => a.localeCompare(b)), ...groups];
  }

  isGroup(name: string): boolean {
    return this.groups.some((g) => g.name === name);
  }

  conversation(name: string): Conversation {
    let c = this.convs.get(name);
    if (!c) this.convs.set(name, (c = new Conversation(name, this.self)));
    return c;
  }

  /** A contact's name or a group's ('#team', or 'team' when no contact has that name), as the list knows it; null when neither. */
  resolveName(text: string): string | null {
    const names = this.names;
    if (names.includes(text)) return text;
    if (!text.startsWith("#") && this.isGroup(`#${text}`) && names.includes(`#${text}`)) return `#${text}`;
    return null;
  }

  /** Opens a contact's conversation: its history, the read line, and what is known about the link. */
  async open(name: string): Promise<void> {
    if (this.current && this.mode === "chat") this.leaveCurrent();
    const conv = this.conversation(name);
    const first = !conv.loaded;
    await conv.open(this.api, this.unread.get(name) ?? 0);
    // Above the backlog, so the first screen reads from the top: who this is, then what was said.
    if (first) conv.header = this.intro(name);
    // Leaving the list: what it said was for then.
    if (this.mode === "list") this.clearNotes();
    this.chatEditor.set(conv.draft);
    conv.offset = 0;
    this.newBelow = 0;
    this.current = conv;
    this.mode = "chat";
    this.asking = null;
    const i = this.names.indexOf(name);
    if (i >= 0) this.selected = i;
  }

  private intro(name: string): string {
    const group = this.groups.find((g) => g.name === name);
    if (group) {
      const title = group.title !== name.slice(1) ? ` ("${group.title}")` : "";
      return colors.dim(`group ${name}${title}: ${group.members} members, created by ${group.creator}; every message is signed by its author`) + "\n" + colors.dim("/help for commands · Esc: all conversations");
    }
    const contact = this.contacts.find((c) => c.name === name);
    const state = this.status.contacts.find((c) => c.name === name);
    const id = contact?.peerId ?? "(not pinned yet: pinned on first contact)";
    const legacy = contact?.legacy ? colors.red(" plaintext legacy peer: UNENCRYPTED, UNAUTHENTICATED") : "";
    const hidden = this.status.discoverable ? "" : colors.yellow(" You are hidden: what you write waits as pending (/discoverable on).");
    const blocked = contact?.blocked ? colors.yellow(` ${name} is blocked: /unblock to talk.`) : "";
    const link = state?.state === "linked" ? " (connected)" : this.status.discoverable && !contact?.blocked ? " (not connected yet)" : "";
    const changed = state?.state === "identity changed" ? colors.red(` ${name}'s identity changed, nothing is delivered: ${state.stateText}.`) : "";
    return colors.dim(`chatting with ${name} ${id}${link}`) + legacy + hidden + blocked + changed + "\n" + colors.dim("/help for commands · Esc: all conversations");
  }

  /** Back to the list; the draft stays with its conversation. */
  leaveCurrent(): void {
    const conv = this.current;
    if (!conv) return;
    conv.draft = this.chatEditor.line;
    conv.markerBefore = null;
    conv.offset = 0;
  }

  showList(): void {
    this.leaveCurrent();
    this.mode = "list";
    void this.refresh("contacts").then(() => this.schedule());
  }

  /** The list's question turns to the address of a name not in the address book. */
  ask(name: string): void {
    this.mode = "list";
    this.asking = name;
    this.listEditor.set("");
    this.listNote(colors.yellow(`${name} is not in your contacts. What is ${name}'s address (HOST:PORT)? Esc to cancel`));
  }

  /** A line in the open conversation (or the list's notes when none is open). */
  note(text: string): void {
    if (this.mode === "chat" && this.current) this.current.note(text);
    else this.listNote(text);
    this.schedule();
  }

  listNote(text: string): void {
    this.listNotes.push(text);
    this.notesTop = undefined; // its start shows
    if (this.listNotes.length > MAX_NOTES) this.listNotes.splice(0, this.listNotes.length - MAX_NOTES);
    this.schedule();
  }

  /** The list's notes answered what the user did before; the next thing they do clears them. */
  clearNotes(): void {
    this.listNotes.length = 0;
    this.notesTop = undefined;
  }

  private onEvent(e: NodeEvent): void {
    applyEvent(this, e);
  }

  appendKeepingView(conv: Conversation, entry: HistoryEntry): void {
    const rows = (c: Conversation) => c.blocks(this.term.columns).reduce((n, b) => n + b.length, 0);
    const before = conv.offset > 0 ? rows(conv) : 0;
    const early = this.early.get(entry.id);
    if (early) {
      entry.status = early;
      this.early.delete(entry.id);
    }
    if (conv.append(entry) && conv.offset > 0) conv.offset += rows(conv) - before;
  }

  schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.render();
    });
  }

  /** Draws the whole screen from the state. */
  render(): void {
    renderApp(this);
  }

  listData(): ListData {
    return listData(this);
  }
}

/** Runs the full-screen chat until the user leaves; the caller prints what follows on the normal screen. */
export async function runChatApp(api: NodeApi, opts: ChatAppOptions): Promise<ChatApp> {
  const app = await ChatApp.create(api, opts);
  await app.run();
  return app;
}
