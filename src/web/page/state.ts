// What the page knows, behind methods: the list as the node last said it
// (contacts, groups, requests, link states, unread counts), the open
// conversation's messages as loaded so far, and the marks of our messages.
// The views only read it (list-view.ts, conversation-view.ts).
import { FINISHED } from "../../domain/file-transfer.ts";
import type { Contact, FileInfo, GroupInfo, HistoryEntry, NodeStatus, PeerRequest } from "./types.ts";

export type ContactState = NodeStatus["contacts"][number];
export type Request = PeerRequest & { imitates: string | null };

/** GET /api/roster: the list in one reply. */
export interface Roster {
  status: NodeStatus;
  contacts: Contact[];
  groups: GroupInfo[];
  conversations: { name: string; unread: number; last: HistoryEntry | null }[];
  requests: Request[];
}

/** A row of the list: a contact or a group ('#alias'). */
export interface Row {
  name: string;
  group: boolean;
  unread: number;
  last: HistoryEntry | null;
  state: ContactState | undefined;
  blocked: boolean;
}

/** A mark that changed: a status (and why it failed), or a group's deliveries. */
export type Mark = Pick<HistoryEntry, "status" | "reason" | "delivered">;

/** Marks kept for messages not shown yet (their send has not returned), at most this many. */
const MAX_EARLY = 1000;

export class PageState {
  private roster: Roster | null = null;
  private readonly unread = new Map<string, number>();
  private readonly lasts = new Map<string, HistoryEntry | null>();
  private readonly early = new Map<string, Mark>();
  private readonly drafts = new Map<string, string>();
  private current: string | null = null;
  private loaded: HistoryEntry[] = [];
  private readonly fileMap = new Map<string, FileInfo>();
  /** Older messages may be in the database. */
  more = false;

  setRoster(r: Roster): void {
    this.roster = r;
    for (const c of r.conversations) {
      this.unread.set(c.name, c.unread);
      this.lasts.set(c.name, c.last);
    }
  }

  get status(): NodeStatus | null {
    return this.roster?.status ?? null;
  }

  /** Contacts by name, then the groups we are in: the list, as the terminal's. */
  rows(): Row[] {
    const r = this.roster;
    if (!r) return [];
    const states = new Map(r.status.contacts.map((s) => [s.name, s]));
    const contacts = [...r.contacts].sort((a, b) => a.name.localeCompare(b.name));
    const groups = r.groups.filter((g) => g.role === "creator" || g.role === "member").sort((a, b) => a.name.localeCompare(b.name));
    const row = (name: string, group: boolean, blocked: boolean): Row => ({
      name,
      group,
      unread: this.unreadOf(name),
      last: this.lasts.get(name) ?? null,
      state: states.get(name),
      blocked,
    });
    return [...contacts.map((c) => row(c.name, false, c.blocked)), ...groups.map((g) => row(g.name, true, false))];
  }

  get requests(): readonly Request[] {
    return this.roster?.requests ?? [];
  }

  get contacts(): readonly Contact[] {
    return this.roster?.contacts ?? [];
  }

  contact(name: string): Contact | undefined {
    return this.roster?.contacts.find((c) => c.name === name);
  }

  group(name: string): GroupInfo | undefined {
    return this.roster?.groups.find((g) => g.name === name);
  }

  stateOf(name: string): ContactState | undefined {
    return this.roster?.status.contacts.find((c) => c.name === name);
  }

  unreadOf(name: string): number {
    return this.unread.get(name) ?? 0;
  }

  setUnread(name: string, n: number): void {
    this.unread.set(name, n);
  }

  /** The conversation open now, or null (the list alone). */
  get open(): string | null {
    return this.current;
  }

  /** Opens `name` with its newest messages (oldest first). */
  openWith(name: string, entries: HistoryEntry[], more: boolean): void {
    this.current = name;
    this.loaded = entries.map((e) => this.withEarly(e));
    this.more = more;
  }

  close(): void {
    this.current = null;
    this.loaded = [];
    this.fileMap.clear();
    this.more = false;
  }

  /** The open conversation's files (the node's `files` for it, newest first). */
  setFiles(files: readonly FileInfo[]): void {
    this.fileMap.clear();
    for (const f of files) this.fileMap.set(f.id, f);
  }

  /**
   * The open conversation's files to show among its messages, oldest first:
   * those offered since the oldest message loaded (all once scrolled back to
   * the start).
   */
  get files(): readonly FileInfo[] {
    const from = this.more ? (this.loaded[0]?.time ?? 0) : -Infinity;
    return [...this.fileMap.values()].filter((f) => f.created >= from).sort((a, b) => a.created - b.created);
  }

  /**
   * A file changed (a node event, an answer): "new" or "changed" when it is
   * the open conversation's, else null. A word that comes late (an answer
   * after the event that ended it) does not undo an end.
   */
  fileChanged(f: FileInfo): "new" | "changed" | null {
    if (this.current === null || (f.group ?? f.peer) !== this.current) return null;
    const had = this.fileMap.get(f.id);
    if (had && FINISHED.has(had.state) && !FINISHED.has(f.state)) return null;
    this.fileMap.set(f.id, f);
    return had ? "changed" : "new";
  }

  /** When the newest row shown was made: a message's time, a file's offer. */
  lastTime(): number | undefined {
    const times = [this.loaded.at(-1)?.time, ...[...this.fileMap.values()].map((f) => f.created)].filter((t) => t !== undefined);
    return times.length > 0 ? Math.max(...times) : undefined;
  }

  file(id: string): FileInfo | undefined {
    return this.fileMap.get(id);
  }

  get entries(): readonly HistoryEntry[] {
    return this.loaded;
  }

  /** Older messages, scrolled back to. */
  prepend(older: HistoryEntry[], more: boolean): void {
    const have = new Set(this.loaded.map((e) => e.id));
    this.loaded = [...older.filter((e) => !have.has(e.id)), ...this.loaded];
    this.more = more;
  }

  /**
   * A message came in or went out; `seen` when it shows where the user looks
   * (the open conversation, scrolled to its end, the page visible). Unseen,
   * it counts as unread until it is. True when it was added to the open
   * conversation.
   */
  add(entry: HistoryEntry, seen: boolean): boolean {
    this.lasts.set(entry.peer, entry);
    const open = entry.peer === this.current;
    if (this.loaded.some((e) => e.id === entry.id)) return false;
    if (entry.direction === "in" && !entry.event && !(open && seen)) this.unread.set(entry.peer, this.unreadOf(entry.peer) + 1);
    if (!open) return false;
    this.loaded.push(this.withEarly(entry));
    return true;
  }

  /** Our message `id` got a new mark; false when it is not shown (kept for when it is). */
  mark(id: string, mark: Mark): HistoryEntry | null {
    const e = this.loaded.find((x) => x.id === id);
    if (!e) {
      this.early.set(id, { ...this.early.get(id), ...mark });
      if (this.early.size > MAX_EARLY) this.early.delete(this.early.keys().next().value!);
      return null;
    }
    Object.assign(e, strip(mark));
    return e;
  }

  /** The newest message that came in to the open conversation: what a read mark goes up to. */
  lastIncoming(): HistoryEntry | undefined {
    return this.loaded.findLast((e) => e.direction === "in");
  }

  draftOf(name: string): string {
    return this.drafts.get(name) ?? "";
  }

  keepDraft(name: string, text: string): void {
    if (text) this.drafts.set(name, text);
    else this.drafts.delete(name);
  }

  private withEarly(e: HistoryEntry): HistoryEntry {
    const m = this.early.get(e.id);
    if (!m) return e;
    this.early.delete(e.id);
    return { ...e, ...strip(m) };
  }
}

/** A mark without the fields it does not set. */
function strip(m: Mark): Partial<HistoryEntry> {
  return Object.fromEntries(Object.entries(m).filter(([, v]) => v !== undefined));
}
