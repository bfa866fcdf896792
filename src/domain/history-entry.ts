// What was said: the entries of a conversation as history, search and the
// chat show them, and the statuses of the messages we write.

/** failed: the receiver refused it for good (a blank message); never sent again, the reason kept. */
export type OutStatus = "pending" | "sent" | "delivered" | "cancelled" | "failed";

export type Direction = "in" | "out";

export interface HistoryEntry {
  id: string;
  direction: Direction;
  /** Contact name (for rows the original wrote without one: ip:port). */
  peer: string;
  text: string;
  /** pending | sent | delivered | cancelled | failed for out; received for in. */
  status: string;
  /** Out, failed: why (the receiver refused it). */
  reason?: string;
  /**
   * Epoch ms it was written: by us (out), by the sender's clock (in). For
   * rows the original program received, which kept nothing else, when it arrived.
   */
  time: number;
  /** Epoch ms it arrived (in only). History is in the order things happened here: by this for in, `time` for out. */
  received?: number;
  /** In a group (peer '#alias'): who wrote it. */
  author?: string;
  /** In a group: a membership event (text says what happened), not a message. */
  event?: boolean;
  /** Our own message in a group: how many of the other members hold it. */
  delivered?: { to: number; of: number };
  /** In a group: its author signed different versions of it for different members (each in `versions`, ours first). */
  forked?: true;
  versions?: string[];
}

export interface HistoryQuery {
  /** A contact, or '#alias' for a group. */
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
