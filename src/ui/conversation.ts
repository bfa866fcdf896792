// One conversation as the full-screen chat holds it: the messages loaded so
// far from the database (older pages fetched as the user scrolls up), notes
// of ours between them, the draft, and where the "new since you last read"
// line goes (the scroll is the window's: chat-window.ts). Laying it out is
// layout.ts's; this keeps the order and the blocks, each laid out once per
// width and status.
import type { HistoryEntry, NodeApi } from "../control/api.ts";
import { colors } from "./colors.ts";
import { dayName, dayOf, entryRows, noteRows, ruleRow, UNREAD_LABEL } from "./layout.ts";

export type Item = { kind: "entry"; entry: HistoryEntry } | { kind: "note"; text: string };

/** Messages fetched per page of scrollback. */
export const PAGE = 100;

interface Laid {
  columns: number;
  /** What of a message can change after it is drawn (its mark, group deliveries, a fork found), as laid out. */
  look: string;
  rows: string[];
}

function lookOf(it: Item): string {
  if (it.kind !== "entry") return "";
  const e = it.entry;
  const delivered = e.delivered ? ` ${e.delivered.to}/${e.delivered.of}` : "";
  const forked = e.forked ? ` forked ${JSON.stringify(e.versions ?? [])}` : "";
  return `${e.status}${e.reason ?? ""}${delivered}${forked}`;
}

export class Conversation {
  readonly items: Item[] = [];
  private readonly ids = new Map<string, HistoryEntry>();
  private readonly laid = new WeakMap<Item, Laid>();
  /** Older messages may be in the database (not all loaded yet). */
  hasMore = true;
  private loading: Promise<number> | null = null;
  /** What was typed here and not sent, kept while another conversation is open. */
  private unsent = "";
  /** The first unread message: the "new since you last read" line goes above it. */
  private markerBefore: string | null = null;
  private opened = false;
  private headerItem: Item | null = null;

  constructor(
    readonly peer: string,
    private readonly self: string,
  ) {}

  /** The newest `limit` messages, and the read line above the `unread` newest of those that came in. */
  async open(api: NodeApi, unread: number): Promise<void> {
    if (!this.loaded) {
      const limit = Math.max(PAGE, unread + 20);
      const entries = await api.history({ peer: this.peer, limit });
      this.hasMore = entries.length === limit;
      this.prepend(entries);
      this.opened = true;
    }
    this.placeMarker(unread);
  }

  /** Its newest messages are here (it was opened once): new ones can be appended. */
  get loaded(): boolean {
    return this.opened;
  }

  get draft(): string {
    return this.unsent;
  }

  /** What was typed and not sent, for when it opens again. */
  keepDraft(text: string): void {
    this.unsent = text;
  }

  /** The read line above the `unread` newest incoming messages (none for 0). */
  placeMarker(unread: number): void {
    this.markerBefore = null;
    if (unread <= 0) return;
    let left = unread;
    for (let i = this.items.length - 1; i >= 0; i--) {
      const it = this.items[i]!;
      if (it.kind !== "entry" || it.entry.direction !== "in") continue;
      this.markerBefore = it.entry.id;
      if (--left === 0) return;
    }
  }

  /** A message came in unseen: the read line goes above it, unless it is above an earlier one already. */
  markUnreadFrom(id: string): void {
    if (!this.markerBefore) this.markerBefore = id;
  }

  /** Everything here was seen: no read line. */
  clearMarker(): void {
    this.markerBefore = null;
  }

  /**
   * One more page of older messages; resolves to how many came (0 once at
   * the start). A page that failed is not asked for again.
   */
  /** An older page is on its way (settle starts one at a time, and says a failure once). */
  get isLoading(): boolean {
    return this.loading !== null;
  }

  loadOlder(api: NodeApi): Promise<number> {
    if (!this.hasMore) return Promise.resolve(0);
    if (this.loading) return this.loading;
    const first = this.items.find((it) => it.kind === "entry") as { entry: HistoryEntry } | undefined;
    const query = first ? { peer: this.peer, limit: PAGE, before: first.entry.id } : { peer: this.peer, limit: PAGE };
    this.loading = api
      .history(query)
      .then((entries) => {
        if (entries.length < PAGE) this.hasMore = false;
        return this.prepend(entries);
      })
      .catch((err: unknown) => {
        this.hasMore = false; // not asked again at every frame
        throw err;
      })
      .finally(() => (this.loading = null));
    return this.loading;
  }

  /** Entries older than what is here, oldest first. Returns how many were new. */
  prepend(entries: readonly HistoryEntry[]): number {
    const fresh = entries.filter((e) => !this.ids.has(e.id));
    for (const e of fresh) this.ids.set(e.id, e);
    this.items.unshift(...fresh.map((entry) => ({ kind: "entry" as const, entry })));
    return fresh.length;
  }

  /** A new message at the end; false when it is here already. */
  append(entry: HistoryEntry): boolean {
    if (this.ids.has(entry.id)) return false;
    this.ids.set(entry.id, entry);
    this.items.push({ kind: "entry", entry });
    return true;
  }

  /** Who this conversation is with, drawn above every message loaded (older pages come in under it). */
  set header(text: string | null) {
    this.headerItem = text === null ? null : { kind: "note", text };
  }

  get header(): string | null {
    return this.headerItem?.kind === "note" ? this.headerItem.text : null;
  }

  note(text: string): void {
    this.items.push({ kind: "note", text });
  }

  /** Notes that said something no longer true (a request since decided) go. */
  dropNotes(stale: (text: string) => boolean): void {
    for (let i = this.items.length - 1; i >= 0; i--) {
      const it = this.items[i]!;
      if (it.kind === "note" && stale(it.text)) this.items.splice(i, 1);
    }
  }

  entry(id: string): HistoryEntry | undefined {
    return this.ids.get(id);
  }

  /** A mark changed (a failed one says why); true when the message is here. */
  setStatus(id: string, status: string, reason?: string): boolean {
    const e = this.ids.get(id);
    if (!e) return false;
    e.status = status;
    if (reason !== undefined) e.reason = reason;
    return true;
  }

  /** A group message of ours is held by `to` of the `of` other members now; true when the message is here. */
  setDelivered(id: string, to: number, of: number): boolean {
    const e = this.ids.get(id);
    if (!e) return false;
    e.delivered = { to, of };
    return true;
  }

  /** Another member's node holds a different post under the same number: it shows as the fork it is. */
  setForked(id: string, versions: string[]): boolean {
    const e = this.ids.get(id);
    if (!e) return false;
    e.forked = true;
    e.versions = versions;
    return true;
  }

  /** The newest message that came in, to mark read up to it. */
  lastIncoming(): HistoryEntry | null {
    for (let i = this.items.length - 1; i >= 0; i--) {
      const it = this.items[i]!;
      if (it.kind === "entry" && it.entry.direction === "in") return it.entry;
    }
    return null;
  }

  /**
   * The blocks to draw, oldest first, at `columns`: the header, a day line where the day
   * changes (and above the oldest message loaded), the read line, messages
   * and notes. Messages are laid out again only when the width or their mark changed.
   */
  blocks(columns: number): string[][] {
    const out: string[][] = [];
    if (this.headerItem) out.push(this.rowsOf(this.headerItem, columns));
    let day: number | null = null;
    for (const it of this.items) {
      if (it.kind === "entry") {
        // By when it happened here (a message that arrived late shows when it was written, in its place).
        const at = it.entry.received ?? it.entry.time;
        const d = dayOf(at);
        if (d !== day) out.push([ruleRow(dayName(at), columns)]);
        day = d;
        if (it.entry.id === this.markerBefore) out.push([ruleRow(UNREAD_LABEL, columns, colors.red)]);
      }
      out.push(this.rowsOf(it, columns));
    }
    return out;
  }

  private rowsOf(it: Item, columns: number): string[] {
    const look = lookOf(it);
    const have = this.laid.get(it);
    if (have && have.columns === columns && have.look === look) return have.rows;
    const rows = it.kind === "entry" ? entryRows(it.entry, this.self, columns) : noteRows(it.text, columns);
    this.laid.set(it, { columns, look, rows });
    return rows;
  }
}
