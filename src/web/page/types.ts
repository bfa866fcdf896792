// What the page reads from the API: the node's own types, type-only (none
// of the node's code reaches the browser), each from the room that says it.
export type { Contact, PeerRequest } from "../../domain/contact.ts";
export type { HistoryEntry } from "../../domain/history-entry.ts";
export type { NodeEvent } from "../../node/node-events.ts";
export type { NodeStatus } from "../../node/node-status.ts";
export type { GroupInfo, GroupMemberInfo } from "../../node/groups/book.ts";
export type { FileInfo } from "../../domain/file-transfer.ts";
