// The node's hot path into SQLite: the journal's commits of messages (ours
// as they are written, sent and delivered; theirs as they arrive) and the
// outbox's reads, on a second connection to the same file with statements
// prepared once. Bun's SQL client costs about 100 µs of CPU more than this
// per single-message transaction (a transaction object, every statement
// parsed again with its full-text triggers, rows built through templates):
// three such commits lie on every message's way from send to delivered.
//
// Everything else (the address book, groups, files, requests, a retried
// batch, migrations) stays on Bun's SQL connection. The two never wait for
// each other on this thread: a transaction here is synchronous from BEGIN
// to COMMIT, so the other connection never meets it half done; and should
// the other hold the write lock across an await when a batch comes, BEGIN
// fails at once (no busy wait, which would block the thread that must end
// that transaction) and the caller takes the SQL client's path, which
// queues behind it.
import { Database, type Statement } from "bun:sqlite";
import { localTimeText } from "./local-time.ts";
import type { IncomingMessage, OutgoingMessage, PendingMessage, Recipient, WriteBatch, WriteResult } from "./store.ts";

type Stmt = Statement;
type Value = string | number | null;

/**
 * Rows per statement, largest first: a batch goes in as few statements as
 * these sizes make. Each INSERT, not each row, ends with FTS5 writing what
 * it indexed to disk (a new segment), so one INSERT per row cost four times
 * the CPU of one of 500; an UPDATE of 500 rows by an IN list costs a third
 * less per row than 500 single-row UPDATEs.
 */
const SIZES = [500, 256, 128, 64, 32, 16, 8, 4, 2, 1] as const;

/** One statement over many rows, prepared once per size: `text(n)` is its SQL for n rows. */
class Sized {
  private readonly bySize = new Map<number, Stmt>();

  constructor(
    private readonly db: Database,
    private readonly text: (n: number) => string,
  ) {}

  /** Runs it over `rows`, each row's values in turn, after `lead` (values every statement takes first). */
  run(rows: readonly (Value | Value[])[], lead: Value[] = []): void {
    let i = 0;
    while (i < rows.length) {
      const n = SIZES.find((k) => k <= rows.length - i)!;
      this.statement(n).run(...lead, ...rows.slice(i, i + n).flat());
      i += n;
    }
  }

  private statement(n: number): Stmt {
    let st = this.bySize.get(n);
    if (!st) this.bySize.set(n, (st = this.db.prepare(this.text(n))));
    return st;
  }
}

/** Consecutive seqs marked by one range rather than in an IN list. */
const RUN_MIN = 8;

const list = (n: number, item: string) => Array(n).fill(item).join(", ");

/** A batch this path writes: messages and their marks only. */
export function isHotBatch(b: WriteBatch): boolean {
  if (b.retry || b.claims?.length || b.failed?.length || b.groups?.length || b.files?.length || b.applied?.length) return false;
  return !b.incoming?.some((m) => m.request && m.peerId !== null);
}

export class SqliteHotPath {
  private readonly db: Database;
  private readonly insertOut: Sized;
  private readonly insertIn: Sized;
  private readonly hasIn: Stmt;
  private readonly markSent: Sized;
  private readonly markUnsent: Sized;
  private readonly markDelivered: Sized;
  private readonly markDeliveredBySeq: Sized;
  private readonly markDeliveredRun: Stmt;
  private readonly pendingById: Stmt;
  private readonly pendingByName: Stmt;
  private readonly searchMark: Stmt;
  private readonly raiseMark: Stmt;
  private synchronous: "FULL" | "NORMAL" | null = null;

  constructor(filename: string) {
    this.db = new Database(filename, { readwrite: true, create: false });
    // Never wait for the lock here (see above): a busy database is the SQL client's to wait for.
    this.db.run("PRAGMA busy_timeout = 0");
    const sized = (text: (n: number) => string) => new Sized(this.db, text);
    this.insertOut = sized((n) => `INSERT INTO sender (ip, port, name, message, status, time, id, created_at, peer_id) VALUES ${list(n, "(?, ?, ?, ?, 'pending', ?, ?, ?, ?)")}`);
    this.insertIn = sized((n) => `INSERT INTO receiver (ip, port, name, message, status, time, id, peer_id, created_at, received_at) VALUES ${list(n, "(?, ?, ?, ?, 'received', ?, ?, ?, ?, ?)")}`);
    this.hasIn = this.db.prepare("SELECT 1 FROM receiver WHERE peer_id = ? AND id = ?");
    this.markSent = sized((n) => `UPDATE sender SET status = 'sent', sent_at = ? WHERE status = 'pending' AND id IN (${list(n, "?")})`);
    this.markUnsent = sized((n) => `UPDATE sender SET status = 'pending' WHERE status = 'sent' AND id IN (${list(n, "?")})`);
    this.markDelivered = sized((n) => `UPDATE sender SET status = 'delivered', delivered_at = ? WHERE status <> 'delivered' AND id IN (${list(n, "?")})`);
    // The row's own key, found without the id index: a third less CPU per mark again.
    this.markDeliveredBySeq = sized((n) => `UPDATE sender SET status = 'delivered', delivered_at = ? WHERE status <> 'delivered' AND seq IN (${list(n, "?")})`);
    // A run of consecutive seqs, all acked, is exactly the rows between its ends: one walk along the table.
    this.markDeliveredRun = this.db.prepare("UPDATE sender SET status = 'delivered', delivered_at = ? WHERE status <> 'delivered' AND seq BETWEEN ? AND ?");
    // As SqlStore.pendingFor; `status IN (...)` names the partial indexes' condition (migration 015).
    const pending = "SELECT seq, id, message, created_at FROM sender WHERE %WHO% AND status IN ('pending', 'sent') AND status = 'pending' AND seq > ? AND origin IS NULL ORDER BY seq LIMIT ?";
    this.pendingById = this.db.prepare(pending.replace("%WHO%", "peer_id = ?"));
    this.pendingByName = this.db.prepare(pending.replace("%WHO%", "name = ? AND peer_id IS NULL"));
    // Our messages' search indexes (migration 016, sqlite-search-index.ts).
    this.searchMark = this.db.prepare("SELECT (SELECT MAX(seq) FROM sender) AS top, upto FROM search_indexed WHERE name = 'sender'");
    this.raiseMark = this.db.prepare("UPDATE search_indexed SET upto = ? WHERE name = 'sender' AND upto < ?");
  }

  /** As the node's connection: no automatic checkpoints while a thread of their own runs them. */
  checkpointsElsewhere(sizeLimit: number): void {
    this.db.run("PRAGMA wal_autocheckpoint = 0");
    this.db.run(`PRAGMA journal_size_limit = ${sizeLimit}`);
  }

  /**
   * Commits `b` (an isHotBatch) in one transaction, fsynced before it
   * returns when it stores received messages (see SqliteStore.write).
   * Null when another connection holds the write lock: nothing was written.
   */
  write(b: WriteBatch): WriteResult | null {
    const incoming = b.incoming ?? [];
    this.setSynchronous(incoming.length > 0 ? "FULL" : "NORMAL");
    try {
      this.db.run("BEGIN IMMEDIATE");
    } catch (err) {
      if (isBusy(err)) return null;
      throw err;
    }
    try {
      const result = this.apply(b, incoming);
      this.db.run("COMMIT");
      return result;
    } catch (err) {
      if (this.db.inTransaction) this.db.run("ROLLBACK");
      throw err;
    }
  }

  pendingFor(to: Recipient, afterSeq: number, limit: number): PendingMessage[] {
    // As arrays, not objects keyed by column: the outbox reads thousands a second.
    const rows = (to.peerId !== null ? this.pendingById.values(to.peerId, afterSeq, limit) : this.pendingByName.values(to.name, afterSeq, limit)) as [number, string, string | null, number | null][];
    const out: PendingMessage[] = new Array(rows.length);
    for (let i = 0; i < rows.length; i++) {
      const [seq, id, message, created] = rows[i]!;
      out[i] = { seq: Number(seq), id: String(id), body: message === null ? "" : String(message), created: Number(created ?? 0) };
    }
    return out;
  }

  /** The highest seq of `sender`, and how far its rows are in the search indexes. */
  ownSearchMark(): { top: number; upto: number } {
    const r = this.searchMark.get() as { top: number | null; upto: number } | null;
    return { top: Number(r?.top ?? 0), upto: Number(r?.upto ?? 0) };
  }

  /** Indexes our messages up to seq `to` for search, in a transaction of its own: false when another connection holds the write lock. */
  raiseOwnSearchMark(to: number): boolean {
    this.setSynchronous("NORMAL");
    try {
      this.db.run("BEGIN IMMEDIATE");
    } catch (err) {
      if (isBusy(err)) return false;
      throw err;
    }
    try {
      this.raiseMark.run(to, to);
      this.db.run("COMMIT");
      return true;
    } catch (err) {
      if (this.db.inTransaction) this.db.run("ROLLBACK");
      throw err;
    }
  }

  close(): void {
    this.db.close(false);
  }

  private apply(b: WriteBatch, incoming: readonly IncomingMessage[]): WriteResult {
    if (b.outgoing?.length) this.insertOut.run(b.outgoing.map(outRow));
    if (b.sent?.length) this.markSent.run(b.sent, [b.at]);
    if (b.unsent?.length) this.markUnsent.run(b.unsent);
    const delivered = [...new Set(b.delivered ?? [])];
    const seqs = b.deliveredSeqs;
    if (seqs && seqs.length === b.delivered?.length) this.markBySeq(seqs, b.at);
    else if (delivered.length) this.markDelivered.run(delivered, [b.at]);
    // Each (peer, id) is stored once: a redelivered message is acked, not stored again (legacy peers send no ids).
    const stored: IncomingMessage[] = [];
    const seen = new Set<string>();
    for (const m of incoming) {
      if (m.peerId !== null) {
        const key = `${m.peerId} ${m.id}`;
        if (seen.has(key) || this.hasIn.get(m.peerId, m.id) != null) continue;
        seen.add(key);
      }
      stored.push(m);
    }
    if (stored.length > 0) this.insertIn.run(stored.map(inRow));
    return { stored, delivered };
  }

  /**
   * Acks come in the order the messages went, so the seqs marked in one
   * commit are mostly a few runs of consecutive numbers (a seq is one row):
   * each run of RUN_MIN or more is one range UPDATE, the rest go by IN lists.
   */
  private markBySeq(seqs: readonly number[], at: number): void {
    const sorted = [...new Set(seqs)].sort((x, y) => x - y);
    const loose: number[] = [];
    for (let i = 0; i < sorted.length; ) {
      let j = i;
      while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
      if (j - i + 1 >= RUN_MIN) this.markDeliveredRun.run(at, sorted[i]!, sorted[j]!);
      else for (let k = i; k <= j; k++) loose.push(sorted[k]!);
      i = j + 1;
    }
    if (loose.length > 0) this.markDeliveredBySeq.run(loose, [at]);
  }

  private setSynchronous(want: "FULL" | "NORMAL"): void {
    if (want === this.synchronous) return;
    this.db.run(`PRAGMA synchronous = ${want}`);
    this.synchronous = want;
  }
}

function outRow(m: OutgoingMessage): Value[] {
  return [m.host, String(m.port), m.peer, m.body, localTimeText(m.created), m.id, m.created, m.peerId ?? null];
}

function inRow(m: IncomingMessage): Value[] {
  return [m.host, String(m.port), m.peer, m.body, localTimeText(m.received), m.id, m.peerId, m.created, m.received];
}

function isBusy(err: unknown): boolean {
  const code = (err as { code?: string })?.code ?? "";
  return code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED");
}
