// What a command can ask of a node. The control client (a node running for
// this home in another process: serve, or a chat or send that hosts one) and
// LocalApi (a node inside this process) both offer it, so every command
// works the same either way. Its methods are the operations of ops.ts.
import type { NodeEvent } from "../node/node-events.ts";
import type { NodeStatus, SendResult } from "../node/node.ts";
import type { Conversation } from "../node/book/reads.ts";
import type { CancelOutcome, SetContactOptions } from "../node/book/node-book.ts";
import type { NearbyNode } from "../node/book/nearby-book.ts";
import type { Contact, PeerRequest } from "../domain/contact.ts";
import type { FileInfo, FileState } from "../domain/file-transfer.ts";
import type { HistoryEntry, HistoryQuery, OutStatus, SearchQuery } from "../domain/history-entry.ts";
import type { Invite } from "../protocol/invite-line.ts";
import type { Verdict } from "../reach/reach-verdict.ts";
import type { GroupInfo, GroupMemberInfo } from "../node/groups/book.ts";
import type { MethodOf } from "./op.ts";
import type { OPS, OpName } from "./ops.ts";

export type { Invite, GroupInfo, GroupMemberInfo, Verdict, FileInfo, FileState };
export type { NearbyNode };
export type { CancelOutcome, Contact, Conversation, HistoryEntry, HistoryQuery, NodeEvent, NodeStatus, OutStatus, PeerRequest, SearchQuery, SendResult, SetContactOptions };

/** One method per operation of the table (control/ops.ts), its types read off the entry. */
export type OpsApi = { [K in OpName]: MethodOf<(typeof OPS)[K]> };

export interface NodeApi extends OpsApi {
  /** True when this talks to a node in another process through its control socket. */
  readonly remote: boolean;
  /** The node's events, from now on: not a request and reply, a stream (see control/server.ts). */
  subscribe(listener: (event: NodeEvent) => void): Promise<() => void>;
  /** Remote: disconnect. Local: stop the node (clean shutdown). */
  close(): Promise<void>;
}
