// The local database, as the node sees it. Two implementations over Bun's
// SQL client (SQLite and MySQL/MariaDB) behave the same; the store tests run
// one suite against both.
import type { PeerId } from "../protocol/peer-id.ts";

export type Dialect = "sqlite" | "mysql";
export type OutStatus = "pending" | "sent" | "delivered";

export interface Contact {
  name: string;
  /** IPv4, IPv6 (no brackets) or a DNS name: the `ip` column. */
  host: string;
  port: number;
  peerId: PeerId | null;
  blocked: boolean;
  /** Spoken to in the original program's plaintext protocol. */
  legacy: boolean;
  createdAt: number | null;
}

export interface NewContact {
  name: string;
  host: string;
  port: number;
  peerId?: PeerId | null;
  blocked?: boolean;
  legacy?: boolean;
}

export type ContactPatch = Partial<Pick<Contact, "host" | "port" | "peerId" | "blocked" | "legacy">>;

/** A message we write, stored `pending` before anything is sent. */
export interface OutgoingMessage {
  id: string;
  /** The contact's name. */
  peer: string;
  host: string;
  port: number;
  body: string;
  created: number;
}

/** A not yet delivered message, as the outbox hands it to a link. */
export interface PendingMessage {
  seq: number;
  id: string;
  body: string;
  created: number;
}

export interface IncomingMessage {
  id: string;
  /** The sender's pinned id; null for a legacy (plaintext) peer. */
  peerId: PeerId | null;
  /** The contact's name. */
  peer: string;
  host: string;
  port: number;
  body: string;
  /** When the sender wrote it (their clock). */
  created: number;
  received: number;
}

/** Everything the node wants written, committed in one transaction. */
export interface WriteBatch {
  outgoing?: readonly OutgoingMessage[];
  sent?: readonly string[];
  /** Sent on a link that closed before their ack: pending again (applied after `sent`). */
  unsent?: readonly string[];
  delivered?: readonly string[];
  incoming?: readonly IncomingMessage[];
  /** The time stamped on sent/delivered rows. */
  at: number;
}

export interface WriteResult {
  /** Incoming messages stored now (a redelivered id is not among them). */
  stored: IncomingMessage[];
  /** Ids of outgoing messages that became delivered now. */
  delivered: string[];
}

export type Direction = "in" | "out";

export interface HistoryEntry {
  id: string;
  direction: Direction;
  /** Contact name (for rows the original wrote without one: ip:port). */
  peer: string;
  text: string;
  /** pending | sent | delivered for out; received for in. */
  status: string;
  /** Epoch ms: written (out) or received (in). */
  time: number;
}

export interface HistoryQuery {
  peer?: string;
  limit: number;
  /** Only entries older than the entry with this id. */
  before?: string;
  /** Only entries at or after this epoch ms. */
  since?: number;
}

export interface SearchQuery {
  /** Words and "quoted phrases", every one of which must match; never SQL or FTS syntax. */
  text: string;
  /** Only messages with this contact. */
  peer?: string;
  limit: number;
}

export interface OutboxCount {
  peer: string;
  pending: number;
  /** Sent, awaiting the ack (always 0 for a legacy peer, whose `sent` is final). */
  sent: number;
  legacy: boolean;
}

export interface Store {
  readonly dialect: Dialect;
  /** Where the data lives, fit to print (no password). */
  readonly location: string;

  migrate(): Promise<{ applied: number[]; version: number }>;

  listContacts(): Promise<Contact[]>;
  findContact(name: string): Promise<Contact | null>;
  findContactByPeerId(peerId: PeerId): Promise<Contact | null>;
  /** Throws StoreError DUPLICATE_NAME or DUPLICATE_PEER. */
  addContact(contact: NewContact): Promise<Contact>;
  removeContact(name: string): Promise<boolean>;
  updateContact(name: string, patch: ContactPatch): Promise<boolean>;

  write(batch: WriteBatch): Promise<WriteResult>;
  /** Undelivered messages to `peer` with seq > afterSeq, oldest first. */
  pendingFor(peer: string, afterSeq: number, limit: number): Promise<PendingMessage[]>;
  /** Messages `sent` on a link that is gone become `pending` again; returns how many. */
  resetInFlight(peer?: string): Promise<number>;
  outboxCounts(): Promise<OutboxCount[]>;
  statusOf(ids: readonly string[]): Promise<Map<string, OutStatus>>;

  history(query: HistoryQuery): Promise<HistoryEntry[]>;
  /** Messages in both directions holding every word and phrase, newest first. */
  search(query: SearchQuery): Promise<HistoryEntry[]>;

  /** Called by a node that will run a while (SQLite: checkpoints move off the node's thread). */
  startMaintenance(): Promise<string>;

  close(): Promise<void>;
}

export type StoreErrorCode = "DUPLICATE_NAME" | "DUPLICATE_PEER" | "UNAVAILABLE" | "BAD_URL" | "MIGRATION_FAILED" | "QUERY_FAILED";

export class StoreError extends Error {
  override readonly name = "StoreError";
  constructor(
    readonly code: StoreErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
