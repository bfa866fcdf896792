// What a command can ask of a node. The control client (a node running for
// this home in another process: serve, or a chat or send that hosts one) and
// LocalApi (a node inside this process) both offer it, so every command
// works the same either way.
import type { NodeEvent } from "../node/node-events.ts";
import type { NodeStatus, SendResult } from "../node/node.ts";
import type { Conversation } from "../node/book/reads.ts";
import type { CancelOutcome, PinOptions, SetContactOptions } from "../node/book/node-book.ts";
import type { NearbyNode } from "../node/book/node-hints.ts";
import type { AddContactOptions } from "../node/book/address-book.ts";
import type { Contact, PeerRequest } from "../domain/contact.ts";
import type { HistoryEntry, HistoryQuery, OutStatus, SearchQuery } from "../domain/history-entry.ts";
import type { Invite } from "../protocol/invite-line.ts";
import type { Verdict } from "../reach/reach-verdict.ts";
import type { GroupInfo, GroupMemberInfo } from "../node/groups/book.ts";

export type { Invite, GroupInfo, GroupMemberInfo, Verdict };
export type { NearbyNode };
export type { CancelOutcome, Contact, Conversation, HistoryEntry, HistoryQuery, NodeEvent, NodeStatus, OutStatus, PeerRequest, SearchQuery, SendResult, SetContactOptions };

export interface AcceptedRequest {
  contact: Contact;
  /** Its messages that waited, now in history. */
  moved: number;
  /** The name it announced (the contact's name may differ: made unique, or chosen). */
  announced: string;
}

export interface ContactsApi {
  contacts(): Promise<Contact[]>;
  addContact(name: string, address: string, opts?: AddContactOptions): Promise<Contact>;
  /** Refuses (HAS_PENDING) while messages wait, unless `dropPending`. */
  removeContact(name: string, opts?: { dropPending?: boolean }): Promise<{ cancelled: number }>;
  setBlocked(name: string, blocked: boolean): Promise<Contact>;
  /** Refuses (HAS_PENDING) while messages written to its old identity wait, unless `pending` says where they go. */
  pinContact(name: string, id: string, opts?: PinOptions): Promise<{ contact: Contact; moved: number; cancelled: number }>;
  setContact(name: string, opts: SetContactOptions): Promise<Contact>;
  requests(): Promise<PeerRequest[]>;
  acceptRequest(id: string, as?: string): Promise<AcceptedRequest>;
  rejectRequest(id: string): Promise<PeerRequest>;
  blockRequest(id: string): Promise<PeerRequest>;
  cancel(ids: readonly string[]): Promise<CancelOutcome[]>;
  cancelTo(name: string): Promise<CancelOutcome[]>;
  /** A new invite line (and what it holds). */
  createInvite(opts: { uses: number; expiresMs: number }): Promise<{ text: string; invite: Invite; verdict?: Verdict }>;
  /** Adds the inviter from its invite line and dials it with the token. */
  addInvite(text: string, name?: string): Promise<{ contact: Contact; renamed: boolean; known: boolean }>;
  /** Adds a node heard on the LAN by its peer id. */
  addNearby(id: string, name?: string): Promise<{ contact: Contact; renamed: boolean; known: boolean }>;
  /** Nodes heard on the LAN in the last 90 s. */
  nearby(): Promise<NearbyNode[]>;
}

/** Groups ('#alias' or 'alias' names one). Adding and removing is the creator's. */
export interface GroupsApi {
  groups(): Promise<GroupInfo[]>;
  groupCreate(name: string, members: readonly string[]): Promise<GroupInfo>;
  groupAdd(group: string, contact: string): Promise<GroupMemberInfo>;
  groupRemove(group: string, member: string): Promise<GroupMemberInfo>;
  groupLeave(group: string): Promise<GroupInfo>;
  groupMembers(group: string): Promise<GroupMemberInfo[]>;
}

export interface NodeApi extends ContactsApi, GroupsApi {
  /** True when this talks to a node in another process through its control socket. */
  readonly remote: boolean;
  status(): Promise<NodeStatus>;
  send(peer: string, text: string): Promise<SendResult>;
  /** The original program's `<ip> <port> <text>`. */
  sendTo(host: string, port: number, text: string): Promise<SendResult>;
  statusOf(ids: readonly string[]): Promise<Record<string, OutStatus>>;
  /** Turns the node discoverable or hidden and saves the choice for later runs. */
  setDiscoverable(on: boolean): Promise<void>;
  history(query: HistoryQuery): Promise<HistoryEntry[]>;
  /** Newest first. */
  search(query: SearchQuery): Promise<HistoryEntry[]>;
  /** Every contact with its unread count and last message, by name. */
  conversations(): Promise<Conversation[]>;
  /** `peer`'s messages up to `id` (all so far when omitted) are read; returns how many stay unread. */
  markRead(peer: string, id?: string): Promise<number>;
  subscribe(listener: (event: NodeEvent) => void): Promise<() => void>;
  /** Remote: disconnect. Local: stop the node (clean shutdown). */
  close(): Promise<void>;
}

/** Operations the control protocol carries, by name. */
export const OPS = [
  "status",
  "send",
  "sendTo",
  "statusOf",
  "setDiscoverable",
  "history",
  "search",
  "conversations",
  "markRead",
  "contacts",
  "addContact",
  "removeContact",
  "setBlocked",
  "pinContact",
  "setContact",
  "requests",
  "acceptRequest",
  "rejectRequest",
  "blockRequest",
  "cancel",
  "cancelTo",
  "createInvite",
  "addInvite",
  "addNearby",
  "nearby",
  "groups",
  "groupCreate",
  "groupAdd",
  "groupRemove",
  "groupLeave",
  "groupMembers",
  "subscribe",
] as const;

export type Op = (typeof OPS)[number];
