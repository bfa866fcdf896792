// Groups as the store sees them: rows, and the writes a node commits with
// its other writes (one transaction, through the journal). The store keeps
// no group logic of its own beyond "stored once": the node decides what a
// message means (node/groups/) and hands over the rows to write.
import type { PeerId } from "../../protocol/peer-id.ts";

/** joining: offered by a member, our own add not read yet; left and removed keep the history. */
export type GroupMembership = "joining" | "member" | "left" | "removed";

export interface GroupRow {
  /** 16 bytes, hex. */
  id: string;
  /** The local name, unique here: commands say '#alias'. */
  alias: string;
  /** What its creator called it. */
  name: string;
  /** Author keys (hex): the creator's, and the one we sign with. */
  creator: string;
  selfKey: string;
  state: GroupMembership;
  /** The creator's clock, from its create event. */
  createdAt: number;
  joinedAt: number;
}

export interface GroupMemberRow {
  group: string;
  author: string;
  peerId: PeerId;
  /** The creator's name for it. */
  name: string;
  /** The creator's seq of the event that added it (0: the creator itself). */
  addedSeq: number;
  /** Its seqs above this are refused (removed, or left); null while a member. */
  until: number | null;
  /** The creator's seq of the event that removed it; null while a member, or when it left by itself. */
  gone: number | null;
  /** Highest seq held with no gap below. */
  contig: number;
}

export interface GroupMessageRow {
  group: string;
  author: string;
  seq: number;
  /** groupMessageUuid(group, author, seq). */
  id: string;
  kind: number;
  body: string;
  /** 64 bytes, hex. */
  sig: string;
  created: number;
  received: number;
  /** Display order, once it and every earlier seq of its author are here (0: in the log, never shown: a blank text). */
  pos: number | null;
  /** The running hash of its author's log up to it (group-forks.ts), set when it is shown; null before, or unknown. */
  chain?: string | null;
}

/** One version of a (group, author, seq) its author signed more than one of: the evidence of a fork. */
export interface GroupForkRow {
  group: string;
  author: string;
  seq: number;
  /** contentHash of the version (hex). */
  hash: string;
  kind: number;
  body: string;
  sig: string;
  created: number;
  /** When we learned of it. */
  found: number;
}

export interface GroupReceipt {
  group: string;
  /** Who holds... */
  member: string;
  /** ...this author's messages... */
  author: string;
  /** ...up to here, with no gap. */
  seq: number;
}

/** A contact the creator added before its group key was known: its add is written once its node proves the key. */
export interface PendingAdd {
  group: string;
  peerId: PeerId;
  /** The creator's name for it when added. */
  name: string;
  at: number;
}

/** One step of a node's group bookkeeping; applied in this field order, steps in their order. */
export interface GroupWrite {
  groups?: readonly GroupRow[];
  /** Whole rows: inserted, or replacing the stored one. */
  members?: readonly GroupMemberRow[];
  /** Inserted; a row whose (group, author, seq) is stored already is skipped. */
  messages?: readonly GroupMessageRow[];
  /** Rows stored earlier whose gap closed: shown now, at `pos` (0: never shown), with their chain. */
  shown?: readonly { group: string; author: string; seq: number; pos: number; chain?: string | null }[];
  /** Chains of rows from before chains were kept, computed at start. */
  chains?: readonly { group: string; author: string; seq: number; chain: string }[];
  /** Versions of a forked seq: inserted (each once). */
  forks?: readonly GroupForkRow[];
  /** An author's rows above `above` (a removed member's, written after its removal). */
  drops?: readonly { group: string; author: string; above: number }[];
  states?: readonly { group: string; state: GroupMembership }[];
  /** Upserted (the node only ever raises them). */
  receipts?: readonly GroupReceipt[];
  /** Adds waiting for a key: inserted (one per group and peer), and deleted once written or dropped. */
  pendingAdds?: readonly PendingAdd[];
  pendingDone?: readonly { group: string; peerId: PeerId }[];
}

export interface GroupSnapshot {
  groups: GroupRow[];
  members: GroupMemberRow[];
  /** Rows stored but not shown yet (an earlier seq of their author is missing). */
  waiting: GroupMessageRow[];
  receipts: GroupReceipt[];
  /** The creator's adds and removes that are shown, per group in its order (who a removal's `held` names). */
  events: { group: string; seq: number; kind: number; body: string }[];
  /** Every author's shown rows that are no text (events, kinds this build does not know): a member's message count leaves them out. */
  eventSeqs: { group: string; author: string; seq: number }[];
  /** The highest display position given out. */
  maxPos: number;
  /** Keys peers proved on their links. */
  peerKeys: { peerId: PeerId; author: string }[];
  /** Adds waiting for the member's key. */
  pendingAdds: PendingAdd[];
  /** Each member's chain at its gap-free seq, where stored (absent: none, or from before chains were kept). */
  chains: { group: string; author: string; chain: string }[];
  /** The versions we hold evidence of, per forked seq. */
  forks: { group: string; author: string; seq: number; hash: string }[];
}

export interface GroupStore {
  /** What a node keeps of its groups in memory, read once at start. */
  groupSnapshot(): Promise<GroupSnapshot>;
  /** Stored rows of one author, seq from..to, ascending, at most `limit`. */
  groupMessages(group: string, author: string, from: number, to: number, limit: number): Promise<GroupMessageRow[]>;
  /** The group '#alias' names, or null. */
  findGroup(alias: string): Promise<GroupRow | null>;
  /** A peer proved `author` is its key (a group-key frame on its link). */
  savePeerKey(peerId: PeerId, author: string, at: number): Promise<void>;
  /** Every version we hold of the forked seqs of a group. */
  groupForks(group: string): Promise<GroupForkRow[]>;
}
