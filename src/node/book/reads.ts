// Conversations as the chat's list shows them: per contact and per group
// ('#alias'), its unread count (messages after its read mark, kept in the
// database) and its last message; and read marks that move forward as the
// user reads, told to every terminal attached to the node (a `read` event).
import type { Contact } from "../../domain/contact.ts";
import type { HistoryEntry } from "../../domain/history-entry.ts";
import { NodeError } from "../../domain/node-error.ts";
import type { Store } from "../../store/store.ts";
import type { Journal } from "../engine/journal.ts";
import type { NodeEvent } from "../node-events.ts";

export interface Conversation {
  /** The contact's name, or '#alias' for a group. */
  name: string;
  /** Its messages that arrived after the user last read. */
  unread: number;
  /** The newest message either way, or null when there is none yet. */
  last: HistoryEntry | null;
}

export interface ReadsDeps {
  store: Store;
  journal: Journal;
  contacts(): readonly Contact[];
  emit(event: NodeEvent): void;
}

export class Reads {
  constructor(private readonly d: ReadsDeps) {}

  /** One per contact, by name, then one per group we are in ('#alias'), by alias. */
  async conversations(): Promise<Conversation[]> {
    const { store, journal } = this.d;
    const unread = await journal.read(() => store.unreadCounts());
    const contacts = this.d.contacts().map((c) => c.name).sort((a, b) => a.localeCompare(b));
    const groups = [...unread.keys()].filter((n) => n.startsWith("#") && !contacts.includes(n)).sort((a, b) => a.localeCompare(b));
    const names = [...contacts, ...groups];
    const lasts = await Promise.all(names.map((name) => journal.read(() => store.history({ peer: name, limit: 1 }))));
    return names.map((name, i) => ({ name, unread: unread.get(name) ?? 0, last: lasts[i]![0] ?? null }));
  }

  /** `name`'s messages up to `id` (all so far when omitted) are read; returns how many stay unread. */
  async markRead(name: string, id?: string): Promise<number> {
    if (typeof name !== "string") throw NodeError.notAContact(String(name));
    if (!this.d.contacts().some((c) => c.name === name)) {
      const group = name.startsWith("#") ? await this.d.journal.read(() => this.d.store.findGroup(name.slice(1))) : null;
      if (!group) throw name.startsWith("#") ? NodeError.notAGroup(name) : NodeError.notAContact(name);
    }
    if (id !== undefined && typeof id !== "string") throw new NodeError("CONTROL_FAILED", "markRead: the id must be a message id");
    const unread = await this.d.journal.read(() => this.d.store.markRead(name, id));
    this.d.emit({ type: "read", peer: name, unread });
    return unread;
  }
}
