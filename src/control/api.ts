// What a command can ask of a node. The control client (a `serve` running
// for this home) and LocalApi (a node inside this process) both offer it, so
// chat, send, status, discoverable and contacts work the same either way.
import type { NodeEvent } from "../node/events.ts";
import type { NodeStatus, SendResult } from "../node/node.ts";
import type { AddContactOptions } from "../node/address-book.ts";
import type { Contact, HistoryEntry, HistoryQuery, SearchQuery } from "../node/session.ts";
import type { OutStatus } from "../store/store.ts";

export type { Contact, HistoryEntry, HistoryQuery, SearchQuery, NodeEvent, NodeStatus, SendResult, OutStatus };

export interface ContactsApi {
  contacts(): Promise<Contact[]>;
  addContact(name: string, address: string, opts?: AddContactOptions): Promise<Contact>;
  removeContact(name: string): Promise<void>;
  setBlocked(name: string, blocked: boolean): Promise<Contact>;
  pinContact(name: string, id: string): Promise<Contact>;
}

export interface NodeApi extends ContactsApi {
  /** True when this talks to a `serve` through its control socket. */
  readonly remote: boolean;
  status(): Promise<NodeStatus>;
  send(peer: string, text: string): Promise<SendResult>;
  /** The original program's `<ip> <port> <text>`. */
  sendTo(host: string, port: number, text: string): Promise<SendResult>;
  statusOf(ids: readonly string[]): Promise<Record<string, OutStatus>>;
  setDiscoverable(on: boolean): Promise<void>;
  history(query: HistoryQuery): Promise<HistoryEntry[]>;
  /** Newest first. */
  search(query: SearchQuery): Promise<HistoryEntry[]>;
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
  "contacts",
  "addContact",
  "removeContact",
  "setBlocked",
  "pinContact",
  "subscribe",
] as const;

export type Op = (typeof OPS)[number];
