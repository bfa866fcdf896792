// The local database, as the node sees it. Two implementations over Bun's
// SQL client (SQLite and MySQL/MariaDB) behave the same; the store tests run
// one suite against both.
import type { PeerId } from "../protocol/peer-id.ts";
import type { DeviceEntryRow } from "../protocol/devices/sync-frames.ts";
import type { DeviceEntry, OutStatusName } from "../protocol/devices/sync-entries.ts";
import type { AddressSource, Contact, NewAddress, PeerRequest } from "../domain/contact.ts";
import type { HistoryEntry, HistoryQuery, OutStatus, SearchQuery } from "../domain/history-entry.ts";
import type { TransferStore, TransferWrite } from "./files/transfer-types.ts";
import type { GroupStore, GroupWrite } from "./groups/group-types.ts";
import type { DeviceStore } from "./devices/device-types.ts";

export type * from "./groups/group-types.ts";
export type * from "./files/transfer-types.ts";
export type * from "./devices/device-types.ts";

export type Dialect = "sqlite" | "mysql";
/**
 * Whom an outgoing message is for. A pinned contact's messages carry its peer
 * id and go only to a link authenticated as that id; `peerId` null means a
 * contact not pinned yet (or a legacy plaintext peer): rows by name that no
 * identity has claimed.
 */
export interface Recipient {
  name: string;
  peerId: PeerId | null;
}

export interface NewContact {
  name: string;
  host: string;
  port: number;
  peerId?: PeerId | null;
  blocked?: boolean;
  legacy?: boolean;
  /** Where `host:port` came from (default typed). */
  source?: AddressSource;
  /** More addresses (an invite's). */
  addresses?: readonly NewAddress[];
  inviteToken?: string | null;
  dkey?: string | null;
  relays?: readonly string[];
}

export type ContactPatch = Partial<Pick<Contact, "host" | "port" | "peerId" | "blocked" | "legacy" | "inviteToken" | "dkey" | "relays">>;

/** Using an invite token: admitted, or why not. */
export type InviteUse = "admitted" | "expired" | "used up" | "unknown";

/** A message we write, stored `pending` before anything is sent. */
export interface OutgoingMessage {
  id: string;
  /** The contact's name. */
  peer: string;
  /** The contact's pinned id when written; null (or absent) until it pins one. */
  peerId?: PeerId | null;
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
  /** The contact's name ("" for a request's message). */
  peer: string;
  /** From a peer that is not a contact: kept with its request, apart from every conversation. */
  request?: boolean;
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
  /**
   * The same messages' seq, in the same order, when the writer knows them
   * all (the outbox read them): SQLite's hot path finds the rows by their
   * own key rather than through the id index. Ignored otherwise.
   */
  deliveredSeqs?: readonly number[];
  /** Refused by the receiver for good: failed, with the reason (only rows not delivered yet). */
  failed?: readonly { id: string; reason: string }[];
  incoming?: readonly IncomingMessage[];
  /**
   * An unpinned contact pinned an identity: its rows not claimed by any
   * identity (pending or sent) are that identity's now. Applied after `outgoing`.
   */
  claims?: readonly { name: string; peerId: PeerId }[];
  /** Group bookkeeping (node/groups/), applied after everything above. */
  groups?: readonly GroupWrite[];
  /** File transfers' state (node/files/), applied last. */
  files?: readonly TransferWrite[];
  /** Entries of our other devices' logs (node/devices/): recorded and applied, each once, per device in seq order. */
  applied?: readonly AppliedEntry[];
  /** The time stamped on sent/delivered rows. */
  at: number;
  /** A second try after the database failed: outgoing rows the first try committed are not inserted again. */
  retry?: boolean;
}

export interface WriteResult {
  /** Incoming messages stored now (a redelivered id is not among them). */
  stored: IncomingMessage[];
  /** Ids of outgoing messages that became delivered now. */
  delivered: string[];
  /** Messages another device of ours received, stored here now (from `applied`). */
  synced?: IncomingMessage[];
  /** Our messages another device wrote or moved the status of, per conversation (from `applied`). */
  syncedStatus?: StatusChange[];
  /** Entries of other devices this database could not take (skipped, held: not asked again), and why. */
  syncSkipped?: { device: PeerId; kind: string; why: string }[];
}

/** Our messages in one conversation that another device wrote, or whose status it moved. */
export interface StatusChange {
  peer: string;
  ids: string[];
  status: OutStatusName;
  reason?: string;
}

/** Another device's log entry, as it arrived (its text kept as logged) and checked. */
export interface AppliedEntry extends DeviceEntryRow {
  entry: DeviceEntry;
}

export interface OutboxCount {
  peer: string;
  pending: number;
  /** Sent, awaiting the ack (always 0 for a legacy peer, whose `sent` is final). */
  sent: number;
  legacy: boolean;
}

export interface NewRequest {
  peerId: PeerId;
  name: string;
  host: string;
  port: number;
  at: number;
}

/** Groups' own reads and writes live in GroupStore (group-types.ts, sql-groups.ts); file transfers' in TransferStore (files/). */
export interface Store extends GroupStore, TransferStore, DeviceStore {
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

  /** Renames a contact; its history and unsent messages follow it (those of its identity, and unclaimed ones). */
  renameContact(from: string, to: string): Promise<boolean>;

  write(batch: WriteBatch): Promise<WriteResult>;
  /** Undelivered messages to `to` with seq > afterSeq, oldest first. */
  pendingFor(to: Recipient, afterSeq: number, limit: number): Promise<PendingMessage[]>;
  /** Pending and sent (awaiting an ack) messages to `to`. */
  unsentCount(to: Recipient): Promise<{ pending: number; sent: number }>;
  /** Messages `sent` on a link that is gone become `pending` again; returns how many. */
  resetInFlight(to?: Recipient): Promise<number>;
  outboxCounts(): Promise<OutboxCount[]>;
  statusOf(ids: readonly string[]): Promise<Map<string, OutStatus>>;
  /** Withdraws messages not delivered yet (pending or sent become cancelled); returns each id's status before. */
  cancel(ids: readonly string[]): Promise<Map<string, OutStatus>>;
  /** Withdraws every message not delivered yet to `to`; returns their ids. */
  cancelTo(to: Recipient): Promise<string[]>;
  /** A contact re-pinned deliberately: its undelivered messages go to the new identity. */
  retarget(from: Recipient, to: PeerId): Promise<number>;

  /** Records addresses of a contact (new ones added, known ones kept); `preferred` makes them the first to dial. Returns how many were new. */
  saveAddresses(name: string, addresses: readonly NewAddress[], opts?: { preferred?: boolean }): Promise<number>;
  /** Forgets one of a contact's addresses (another peer answers there); true when it was known. */
  forgetAddress(name: string, host: string, port: number): Promise<boolean>;
  /**
   * The outcome of a dial to one address; one that worked becomes the
   * contact's `ip`/`port` too. One that failed, was heard of (not typed) and
   * has neither worked nor been told again for 30 days is forgotten.
   */
  addressTried(name: string, host: string, port: number, outcome: { ok: true } | { ok: false; error: string }): Promise<void>;

  createInvite(token: string, uses: number, expiresAt: number): Promise<void>;
  /** Spends one use of an invite token, if it has one left and has not expired. */
  useInvite(token: string, now: number): Promise<InviteUse>;

  listRequests(): Promise<PeerRequest[]>;
  findRequest(peerId: PeerId): Promise<PeerRequest | null>;
  /** Records a knock: a new request, or the last sighting of a known one (first seen and blocked are kept). */
  saveRequest(r: NewRequest): Promise<PeerRequest>;
  /**
   * Makes the request a contact and moves its waiting messages into its
   * history, in order, in one transaction. `existing`: the contact is in the
   * address book already (pinned to this id): only the messages move.
   */
  acceptRequest(peerId: PeerId, contact: NewContact, opts?: { existing?: boolean }): Promise<{ contact: Contact; moved: number }>;
  /** Drops a request and its messages; `block` keeps the id refused from then on. */
  dropRequest(peerId: PeerId, opts: { block: boolean }): Promise<boolean>;

  history(query: HistoryQuery): Promise<HistoryEntry[]>;
  /**
   * Messages from each contact that arrived after its read mark, by contact
   * name (every contact, 0 included); and for each group we are in, others'
   * messages shown after its mark, as '#alias'.
   */
  unreadCounts(): Promise<Map<string, number>>;
  /**
   * Moves `name`'s read mark ('#alias': a group's) up to its message `id`
   * (its latest when omitted), never back: what arrived up to there is read.
   * Returns how many of its messages stay unread.
   */
  markRead(name: string, id?: string): Promise<number>;
  /** Messages in both directions holding every word and phrase, newest first. */
  search(query: SearchQuery): Promise<HistoryEntry[]>;

  /** This home's device id once it keeps a device log (it has linked to another device of its identity); null before. */
  deviceLogSelf(): PeerId | null;
  /**
   * Starts the log as `device`: from now on every change is logged in its
   * transaction; what the home held before is logged in this one (backfill).
   * Nothing happens when it logs already as `device`.
   */
  startDeviceLog(device: PeerId): Promise<{ backfilled: number }>;
  /** `fn` hears our highest log seq after each commit that appended to it. */
  onDeviceLog(fn: (seq: number) => void): () => void;
  /** `device`'s log entries from..to, oldest first, at most `limit`. */
  deviceEntries(device: PeerId, from: number, to: number, limit: number): Promise<DeviceEntryRow[]>;
  /** Per device log (ours and the ones applied), the highest seq held. */
  deviceHeld(): Promise<Map<PeerId, number>>;

  /** Called by a node that will run a while (SQLite: checkpoints move off the node's thread). */
  startMaintenance(): Promise<string>;

  close(): Promise<void>;
}
