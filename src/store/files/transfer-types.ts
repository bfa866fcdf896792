// File transfers as the store sees them (012-files.sql): one row per offer,
// each way, and the writes a node commits with its other writes (one
// transaction, through the journal). The bytes are never here.
import type { PeerId } from "../../protocol/peer-id.ts";
import type { StoredFileState } from "../../domain/file-transfer.ts";

export interface TransferRow {
  /** The offer's id (a UUID). */
  id: string;
  direction: "in" | "out";
  /** The peer it goes to or comes from; null for our own post to a group. */
  peerId: PeerId | null;
  /** The contact's name when recorded ('' for a request's). */
  peer: string;
  /** A group's file (hex id): fetched from any member that holds it. */
  group: string | null;
  /** As shown: for an incoming file, already made safe (domain/file-name.ts). */
  name: string;
  size: number;
  sha256: string;
  root: string;
  chunkSize: number;
  state: StoredFileState;
  /** Verified (in) or confirmed (out) bytes. */
  bytes: number;
  /** In: the chunk ranges verified and fsync'd, "0-99,120-130" (node/files/ranges.ts). */
  verified: string;
  /** Out: the file sent; in: where it was saved, once done. */
  path: string | null;
  error: string | null;
  /** In: taken without asking (counts against the contact's allowance). */
  auto: boolean;
  /** In: from a peer not in the address book. */
  request: boolean;
  createdAt: number;
  updatedAt: number;
  doneAt: number | null;
}

/** What changes on a row; `at` becomes updated_at. */
export type TransferPatch = { id: string; at: number } & Partial<Pick<TransferRow, "state" | "bytes" | "verified" | "path" | "error" | "doneAt" | "peer" | "peerId" | "auto">>;

/** A file transfer's writes, committed with the journal's batch. */
export interface TransferWrite {
  /** New rows (an id already stored is left as it is). */
  insert?: readonly TransferRow[];
  update?: readonly TransferPatch[];
}

export interface TransferQuery {
  peerId?: PeerId;
  group?: string;
  /** Newest first, at most this many. */
  limit: number;
}

export interface TransferStore {
  transfers(q: TransferQuery): Promise<TransferRow[]>;
  findTransfer(id: string): Promise<TransferRow | null>;
  /** Offered, sending or receiving: what a node takes up again when it starts. */
  openTransfers(): Promise<TransferRow[]>;
  /** Bytes of files from `peerId` taken without asking since `since` (its allowance). */
  autoBytesSince(peerId: PeerId, since: number): Promise<number>;
}
