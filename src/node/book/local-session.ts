// What commands do with a user's data. A LocalSession works on the database
// directly; when `serve` runs, the control client offers the same operations
// through it, so a command does not care which it has.
import type { Contact } from "../../domain/contact.ts";
import type { HistoryEntry, HistoryQuery, SearchQuery } from "../../domain/history-entry.ts";
import { resolveName } from "../../domain/contact-lookup.ts";
import { NodeError } from "../../domain/node-error.ts";
import type { Store } from "../../store/store.ts";
import { AddressBook, type AddContactOptions } from "./address-book.ts";

export interface Session {
  contacts(): Promise<Contact[]>;
  addContact(name: string, address: string, opts?: AddContactOptions): Promise<Contact>;
  removeContact(name: string): Promise<void>;
  setBlocked(name: string, blocked: boolean): Promise<Contact>;
  /** Throws NOT_A_CONTACT for a name that is neither a contact nor in the history. */
  history(query: HistoryQuery): Promise<HistoryEntry[]>;
  /** Newest first. Throws NOT_A_CONTACT for a `peer` that is neither a contact nor in the history. */
  search(query: SearchQuery): Promise<HistoryEntry[]>;
  close(): Promise<void>;
}

export class LocalSession implements Session {
  readonly book: AddressBook;

  constructor(readonly store: Store) {
    this.book = new AddressBook(store);
  }

  contacts() {
    return this.book.list();
  }
  addContact(name: string, address: string, opts?: AddContactOptions) {
    return this.book.add(name, address, opts);
  }
  removeContact(name: string) {
    return this.book.remove(name);
  }
  setBlocked(name: string, blocked: boolean) {
    return this.book.setBlocked(name, blocked);
  }

  async history(typed: HistoryQuery): Promise<HistoryEntry[]> {
    const query = { ...typed, peer: await this.named(typed.peer) };
    const rows = await this.store.history(query);
    // A name with no messages must still be a contact: a typo gets an error, not silence.
    if (rows.length === 0 && query.peer !== undefined && !(await this.store.findContact(query.peer))) {
      throw await this.unknown(query.peer);
    }
    return rows;
  }

  async search(typed: SearchQuery): Promise<HistoryEntry[]> {
    const query = { ...typed, peer: await this.named(typed.peer) };
    const rows = await this.store.search(query);
    // No match is an answer; a name that is in no message and no contact is a typo.
    if (rows.length === 0 && query.peer !== undefined && !(await this.knows(query.peer))) throw await this.unknown(query.peer);
    return rows;
  }

  /** A contact's name as typed, found as every command finds it (domain/contact-lookup.ts). */
  private async named(typed: string | undefined): Promise<string | undefined> {
    if (typed === undefined) return undefined;
    return resolveName(typed, (await this.book.list()).map((c) => c.name));
  }

  /** The error for a name that is no contact: '#name' that is no group says so. */
  private async unknown(name: string): Promise<NodeError> {
    if (name.startsWith("#") && !(await this.store.findGroup(name.slice(1)))) return NodeError.notAGroup(name);
    return NodeError.notAContact(name);
  }

  private async knows(name: string): Promise<boolean> {
    return (await this.store.findContact(name)) !== null || (await this.store.history({ peer: name, limit: 1 })).length > 0;
  }

  close() {
    return this.store.close();
  }
}
