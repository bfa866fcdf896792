// File transfers' table (012-files.sql) in the SQL both dialects share: the
// writes a node commits inside the journal's transactions, and the rows
// `files` lists and a starting node takes up again.
import type { SQL } from "bun";
import type { PeerId } from "../../protocol/peer-id.ts";
import type { StoredFileState } from "../../domain/file-transfer.ts";
import type { TransferQuery, TransferRow, TransferWrite } from "./transfer-types.ts";

type Row = Record<string, unknown>;

const STATES: readonly StoredFileState[] = ["offered", "sending", "receiving", "done", "failed", "cancelled"];

export class SqlTransfers {
  constructor(private readonly sql: SQL) {}

  /** Inside the journal's transaction. */
  async write(tx: SQL, writes: readonly TransferWrite[]): Promise<void> {
    for (const w of writes) {
      for (const r of w.insert ?? []) {
        const [have]: Row[] = await tx`SELECT id FROM file_transfer WHERE id = ${r.id}`;
        if (!have) await tx`INSERT INTO file_transfer ${tx(toColumns(r))}`;
      }
      for (const p of w.update ?? []) {
        const set: Row = { updated_at: p.at };
        if (p.state !== undefined) set.state = p.state;
        if (p.bytes !== undefined) set.bytes = p.bytes;
        if (p.verified !== undefined) set.verified = p.verified;
        if (p.path !== undefined) set.path = p.path;
        if (p.error !== undefined) set.error = p.error;
        if (p.doneAt !== undefined) set.done_at = p.doneAt;
        if (p.peer !== undefined) set.peer = p.peer;
        if (p.peerId !== undefined) set.peer_id = p.peerId;
        if (p.auto !== undefined) set.auto = p.auto ? 1 : 0;
        await tx`UPDATE file_transfer SET ${tx(set)} WHERE id = ${p.id}`;
      }
    }
  }

  async list(q: TransferQuery): Promise<TransferRow[]> {
    const where = q.peerId !== undefined ? this.sql`WHERE peer_id = ${q.peerId}` : q.group !== undefined ? this.sql`WHERE group_id = ${q.group}` : this.sql``;
    const rows: Row[] = await this.sql`SELECT * FROM file_transfer ${where} ORDER BY created_at DESC, id DESC LIMIT ${q.limit}`;
    return rows.map(toTransfer);
  }

  async find(id: string): Promise<TransferRow | null> {
    const [r]: Row[] = await this.sql`SELECT * FROM file_transfer WHERE id = ${id}`;
    return r ? toTransfer(r) : null;
  }

  async open(): Promise<TransferRow[]> {
    const rows: Row[] = await this.sql`SELECT * FROM file_transfer WHERE state IN ('offered', 'sending', 'receiving') ORDER BY created_at, id`;
    return rows.map(toTransfer);
  }

  async autoBytesSince(peerId: PeerId, since: number): Promise<number> {
    const [r]: Row[] = await this.sql`
      SELECT SUM(size) AS total FROM file_transfer
      WHERE direction = 'in' AND peer_id = ${peerId} AND auto = 1 AND created_at >= ${since} AND state IN ('receiving', 'done')`;
    return Number(r?.total ?? 0);
  }
}

function toColumns(r: TransferRow): Row {
  return {
    id: r.id,
    direction: r.direction,
    peer_id: r.peerId,
    peer: r.peer,
    group_id: r.group,
    name: r.name,
    size: r.size,
    sha256: r.sha256,
    root: r.root,
    chunk_size: r.chunkSize,
    state: r.state,
    bytes: r.bytes,
    verified: r.verified,
    path: r.path,
    error: r.error,
    auto: r.auto ? 1 : 0,
    request: r.request ? 1 : 0,
    created_at: r.createdAt,
    updated_at: r.updatedAt,
    done_at: r.doneAt,
  };
}

function toTransfer(r: Row): TransferRow {
  const state = String(r.state) as StoredFileState;
  const text = (v: unknown) => (v === null || v === undefined ? null : String(v));
  return {
    id: String(r.id),
    direction: r.direction === "in" ? "in" : "out",
    peerId: text(r.peer_id) as PeerId | null,
    peer: String(r.peer ?? ""),
    group: text(r.group_id),
    name: String(r.name),
    size: Number(r.size),
    sha256: String(r.sha256),
    root: String(r.root),
    chunkSize: Number(r.chunk_size),
    state: STATES.includes(state) ? state : "failed",
    bytes: Number(r.bytes ?? 0),
    verified: String(r.verified ?? ""),
    path: text(r.path),
    error: text(r.error),
    auto: Number(r.auto) === 1,
    request: Number(r.request) === 1,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
    doneAt: r.done_at === null || r.done_at === undefined ? null : Number(r.done_at),
  };
}
