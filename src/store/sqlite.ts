// SQLite: the embedded default, one file in the home, WAL.
import { SQL } from "bun";
import type { HistoryEntry, SearchQuery } from "../domain/history-entry.ts";
import type { SearchTerm } from "../domain/search-terms.ts";
import type { MigrationTarget } from "./migrate.ts";
import { SQLITE_SQL } from "./sql-files.ts";
import type { MessageTable } from "./sql-history.ts";
import { SqlStore, type Row } from "./sql-store.ts";
import { isHotBatch, SqliteHotPath } from "./sqlite-hot.ts";
import { OwnMessageIndex, type SearchMarkDb } from "./sqlite-search-index.ts";
import { StoreError } from "./store-error.ts";
import type { PendingMessage, Recipient, WriteBatch, WriteResult } from "./store.ts";

/** Tries of a `PRAGMA synchronous` change, 5 ms apart, while another transaction holds the connection. */
const SYNCHRONOUS_TRIES = 400;
/** Below this many messages with a contact, `search --with` reads them all through the name index. */
const FEW_MESSAGES = 5000;
/** Once checkpointed and restarted, the WAL file is cut back to this size. */
const WAL_SIZE_LIMIT = 4 * 1024 * 1024;

/**
 * Where the checkpoint thread's code is: beside this file when run from
 * source; in a compiled binary, where build.ts put it (an entrypoint of its
 * own, by its path under src/).
 */
function checkpointWorkerUrl(): string {
  if (import.meta.url.includes("$bunfs")) return "./store/checkpoint-worker.ts";
  return new URL("./checkpoint-worker.ts", import.meta.url).href;
}

export class SqliteStore extends SqlStore {
  readonly dialect = "sqlite" as const;
  protected readonly files = SQLITE_SQL;

  /** Opens (creating if needed) the database file; ":memory:" for a throwaway one. */
  static async open(filename: string): Promise<SqliteStore> {
    let sql: SQL;
    try {
      sql = new SQL({ adapter: "sqlite", filename, create: true, readwrite: true });
      // WAL lets `history` read while `serve` writes. See write() for how durable a commit is.
      await sql.unsafe("PRAGMA busy_timeout = 10000");
      if (filename !== ":memory:") await sql.unsafe("PRAGMA journal_mode = WAL");
      await sql.unsafe("PRAGMA synchronous = FULL");
    } catch (err) {
      throw new StoreError("UNAVAILABLE", `cannot open SQLite database ${filename}: ${(err as Error).message}`, { cause: err });
    }
    return new SqliteStore(sql, filename);
  }

  private synchronous: "FULL" | "NORMAL" = "FULL";
  private checkpointer: Worker | null = null;
  /** Messages' commits and the outbox's reads (sqlite-hot.ts): opened at first use; null once it could not be. */
  private hotPath: SqliteHotPath | null | undefined = undefined;
  /** Indexes our messages for search after their commits (migration 016). */
  private readonly ownIndex = new OwnMessageIndex(() => this.searchMarkDb());

  /**
   * For a node that runs a while: WAL checkpoints move to a thread of their
   * own (checkpoint-worker.ts), so no commit on the node's thread pays for
   * one. Without the thread, SQLite's automatic checkpoints stay on.
   */
  override async startMaintenance(): Promise<string> {
    // Whatever a run before left unindexed (stopped before its batch) is indexed once idle.
    this.ownIndex.later();
    if (this.location === ":memory:") return "in memory: nothing to checkpoint";
    if (this.checkpointer) return "checkpoints on their own thread";
    try {
      const worker = new Worker(checkpointWorkerUrl());
      const ready = new Promise<void>((resolve, reject) => {
        worker.onmessage = (e: MessageEvent<{ ready?: true }>) => (e.data.ready ? resolve() : undefined);
        worker.onerror = (e) => reject(new Error(e.message));
      });
      worker.postMessage({ open: this.location });
      await Promise.race([ready, Bun.sleep(5000).then(() => Promise.reject(new Error("checkpoint thread did not start")))]);
      worker.unref();
      this.checkpointer = worker;
      await this.sql.unsafe("PRAGMA wal_autocheckpoint = 0");
      await this.sql.unsafe(`PRAGMA journal_size_limit = ${WAL_SIZE_LIMIT}`);
      this.hotPath?.checkpointsElsewhere(WAL_SIZE_LIMIT);
      return "checkpoints on their own thread";
    } catch (err) {
      return `checkpoints inside commits (no thread: ${(err as Error).message})`;
    }
  }

  override async close(): Promise<void> {
    this.ownIndex.close();
    this.hotPath?.close();
    this.hotPath = null;
    const worker = this.checkpointer;
    this.checkpointer = null;
    if (worker) {
      const stopped = new Promise<void>((resolve) => (worker.onmessage = (e: MessageEvent<{ stopped?: true }>) => (e.data.stopped ? resolve() : undefined)));
      worker.postMessage({ stop: true });
      await Promise.race([stopped, Bun.sleep(2000)]);
      worker.terminate();
    }
    await super.close();
  }

  /**
   * A transaction that stores received messages is fsynced before it
   * returns (synchronous=FULL): the ack that follows tells the sender it may
   * forget them, so they must survive a power cut. Anything else (our own
   * new messages, sent and delivered marks) is committed with
   * synchronous=NORMAL: safe when the process is killed at any instant (the
   * WAL is in the OS before the commit returns), and after a power cut at
   * worst our own last moments roll back, which the protocol repairs (a mark
   * reverts, a message goes again and the receiver drops the duplicate).
   * One fsync fewer on each side of a message's path.
   *
   * Group messages from peers are committed with NORMAL too: no member ever
   * forgets a group message, so one that a power cut takes back is asked
   * for again on the next link (our vector says we lack it); only a
   * "delivered to" count may stay one too high. It halved the fan-out to
   * 20 members (the fsyncs of 19 receivers on one disk).
   */
  override async write(batch: WriteBatch): Promise<WriteResult> {
    const result = await this.commit(batch);
    // Our search indexes follow once writes pause, or now when too many rows of ours wait (sqlite-search-index.ts).
    if (batch.outgoing?.length || batch.applied?.length) await this.ownIndex.wrote(true);
    else this.ownIndex.later();
    return result;
  }

  private async commit(batch: WriteBatch): Promise<WriteResult> {
    // Around `begin`: taken only while no device log must hear of the change (a home with one device).
    const hot = isHotBatch(batch) && !this.logsDevices() ? this.hot() : null;
    if (hot) {
      let done: WriteResult | null;
      try {
        done = hot.write(batch);
      } catch (err) {
        if (this.transient(err)) throw new StoreError("UNAVAILABLE", `the database (${this.location}) failed: ${(err as Error).message}`, { cause: err });
        throw err;
      }
      // Null: the SQL client's connection holds the write lock; its path waits for it.
      if (done) return done;
    }
    const want = batch.incoming && batch.incoming.length > 0 ? "FULL" : "NORMAL";
    if (want !== this.synchronous) await this.setSynchronous(want);
    return super.write(batch);
  }

  /** With many of our messages not indexed yet (sqlite-search-index.ts), they are indexed first: one search pays for it, not every one. */
  override async search(q: SearchQuery): Promise<HistoryEntry[]> {
    await this.ownIndex.beforeSearch();
    return super.search(q);
  }

  override async pendingFor(to: Recipient, afterSeq: number, limit: number): Promise<PendingMessage[]> {
    const hot = this.hot();
    return hot ? hot.pendingFor(to, afterSeq, limit) : super.pendingFor(to, afterSeq, limit);
  }

  /** Where our messages' search mark is read and raised: the hot path's connection, else the SQL client's. */
  private searchMarkDb(): SearchMarkDb {
    const hot = this.hot();
    if (hot) return { mark: async () => hot.ownSearchMark(), raise: async (to) => hot.raiseOwnSearchMark(to) };
    return {
      mark: async () => {
        const [r]: Row[] = await this.sql`SELECT (SELECT MAX(seq) FROM sender) AS top, upto FROM search_indexed WHERE name = 'sender'`;
        return { top: Number(r?.top ?? 0), upto: Number(r?.upto ?? 0) };
      },
      raise: async (to) => {
        await this.sql`UPDATE search_indexed SET upto = ${to} WHERE name = 'sender' AND upto < ${to}`;
        return true;
      },
    };
  }

  /** The hot path's connection, opened at first use (the schema is migrated by then); none for an in-memory database. */
  private hot(): SqliteHotPath | null {
    if (this.hotPath !== undefined) return this.hotPath;
    if (this.location === ":memory:") return (this.hotPath = null);
    try {
      this.hotPath = new SqliteHotPath(this.location);
      if (this.checkpointer) this.hotPath.checkpointsElsewhere(WAL_SIZE_LIMIT);
    } catch {
      this.hotPath = null; // e.g. a read-only file: the SQL client does everything
    }
    return this.hotPath;
  }

  /**
   * SQLite refuses the change while a transaction is open on the one
   * connection, and the writes outside the journal (an address a hello
   * gave, at every link-up) are: a `send` just after a link came up failed
   * with "Safety level may not be changed inside a transaction". Such a
   * transaction ends within milliseconds: try again until it has.
   */
  private async setSynchronous(want: "FULL" | "NORMAL"): Promise<void> {
    for (let tries = 0; ; tries++) {
      try {
        await this.sql.unsafe(`PRAGMA synchronous = ${want}`);
        this.synchronous = want;
        return;
      } catch (err) {
        if (!/inside a transaction/i.test((err as Error).message ?? "")) throw err;
        // Still held after the quick retries: a transient failure, which the journal tries again later.
        if (tries >= SYNCHRONOUS_TRIES) throw new StoreError("UNAVAILABLE", `the database (${this.location}) is busy: ${(err as Error).message}`, { cause: err });
        await Bun.sleep(5);
      }
    }
  }

  protected transient(err: unknown): boolean {
    const code = (err as { code?: string })?.code ?? "";
    return code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED");
  }

  protected duplicateKey(err: unknown) {
    const e = err as { code?: string; message?: string };
    if (!e?.code?.startsWith("SQLITE_CONSTRAINT")) return null;
    if (/user\.name/.test(e.message ?? "")) return "name" as const;
    if (/user\.peer_id/.test(e.message ?? "")) return "peer" as const;
    return "other" as const;
  }

  /**
   * Our messages above the search mark are in no index yet (migration 016,
   * sqlite-search-index.ts): they are the newest of `sender`, read as they
   * are first, then the indexed rows below them. Received ones are all indexed.
   */
  protected async searchCandidates(table: MessageTable, terms: readonly SearchTerm[], peer: string | null, belowSeq: number | null, limit: number): Promise<Row[]> {
    if (table.name !== "sender") return this.indexedCandidates(table, terms, peer, belowSeq, limit);
    const [m]: Row[] = await this.sql`SELECT upto FROM search_indexed WHERE name = 'sender'`;
    const upto = Number(m?.upto ?? 0);
    const tail = belowSeq === null || belowSeq > upto + 1 ? await this.unindexedCandidates(terms, peer, upto, belowSeq, limit) : [];
    if (tail.length > 0) this.ownIndex.later();
    if (tail.length >= limit) return tail;
    const below = belowSeq === null ? upto + 1 : Math.min(belowSeq, upto + 1);
    return [...tail, ...(await this.indexedCandidates(table, terms, peer, below, limit - tail.length))];
  }

  /** Rows of ours above the search mark (seq > upto), below `belowSeq`: those holding every exact run, newest first. */
  private unindexedCandidates(terms: readonly SearchTerm[], peer: string | null, upto: number, belowSeq: number | null, limit: number): Promise<Row[]> {
    const where = ["s.seq > ?"];
    const params: unknown[] = [upto];
    if (belowSeq !== null) {
      where.push("s.seq < ?");
      params.push(belowSeq);
    }
    for (const e of new Set(terms.flatMap((t) => t.pieces.flatMap((p) => p.exact)))) {
      where.push("instr(s.message, ?) > 0");
      params.push(e);
    }
    if (peer !== null) {
      where.push("s.name = ?");
      params.push(peer);
    }
    params.push(limit);
    return this.sql.unsafe(
      `SELECT s.seq, s.id, s.name, s.ip, s.port, s.message, s.status, s.created_at AS t, s.created_at AS c
       FROM sender s WHERE ${where.join(" AND ")} ORDER BY s.seq DESC LIMIT ?`,
      params,
    );
  }

  /**
   * Candidates from the search indexes (ours up to the mark). Reads one FTS5 index newest rowid first, so LIMIT stops it early: the
   * trigram index (003-search.sql) when a term has 3 or more characters of a
   * script written without spaces, else the word index, else the table
   * itself; the other index is checked row by row. `--with` a contact of few
   * messages reads those through the name index instead, checking both
   * indexes row by row. Characters that folding never changes must be in the
   * text as typed (instr). What the user typed reaches FTS5 only inside
   * quoted strings, and SQL only as bound parameters.
   */
  private async indexedCandidates(table: MessageTable, terms: readonly SearchTerm[], peer: string | null, belowSeq: number | null, limit: number): Promise<Row[]> {
    const t = table.name;
    const grams: string[] = [];
    const words: string[] = [];
    const exact = new Set<string>();
    for (const term of terms) {
      if (!term.pieces.some((p) => p.noSpace)) {
        if (term.pieces.some((p) => p.words.length > 0)) words.push(ftsString(term.text));
      } else {
        for (const p of term.pieces) {
          if (p.noSpace && [...p.text].length >= 3) grams.push(ftsString(p.text));
          else if (!p.noSpace && p.words.length > 0) words.push(ftsString(p.text));
        }
      }
      for (const p of term.pieces) for (const e of p.exact) exact.add(e);
    }
    const byPeer = peer !== null && (await this.fewMessages(t, peer));
    const indexes = [
      { fts: `${t}_grams`, match: grams },
      { fts: `${t}_words`, match: words },
    ].filter((i) => i.match.length > 0);
    const driver = byPeer ? undefined : indexes[0];
    const where: string[] = [];
    const params: unknown[] = [];
    for (const i of indexes) {
      where.push(i === driver ? `${i.fts} MATCH ?` : `EXISTS (SELECT 1 FROM ${i.fts} WHERE ${i.fts} MATCH ? AND ${i.fts}.rowid = s.seq)`);
      params.push(i.match.join(" "));
    }
    for (const e of exact) {
      where.push("instr(s.message, ?) > 0");
      params.push(e);
    }
    if (peer !== null) {
      where.push(byPeer ? "s.name = ?" : "+s.name = ?"); // `+`: not through the name index
      params.push(peer);
    }
    const seq = driver ? `${driver.fts}.rowid` : "s.seq";
    if (belowSeq !== null) {
      where.push(`${seq} < ?`);
      params.push(belowSeq);
    }
    params.push(limit);
    return this.sql.unsafe(
      `SELECT s.seq, s.id, s.name, s.ip, s.port, s.message, s.status, s.${table.time} AS t, s.created_at AS c
       FROM ${driver ? `${driver.fts} JOIN ${t} s ON s.seq = ${driver.fts}.rowid` : `${t} s`}
       WHERE ${where.length > 0 ? where.join(" AND ") : "1 = 1"} ORDER BY ${seq} DESC LIMIT ?`,
      params,
    );
  }

  /** Whether `peer` has so few messages in `table` that reading them all is the quick way. */
  private async fewMessages(table: string, peer: string): Promise<boolean> {
    const [r]: Row[] = await this.sql.unsafe(`SELECT COUNT(*) AS n FROM (SELECT 1 FROM ${table} WHERE name = ? LIMIT ${FEW_MESSAGES})`, [peer]);
    return Number(r?.n) < FEW_MESSAGES;
  }

  protected migrationTarget(): MigrationTarget {
    const sql = this.sql;
    let version: string | null = null;
    const adapt = async (stmt: string) => {
      if (!stmt.includes("trigram") && !stmt.includes("octet_length")) return stmt;
      version ??= String(((await sql`SELECT sqlite_version() AS v`) as Row[])[0]?.v ?? "0");
      return adaptToSqlite(stmt, version);
    };
    return {
      exec: async (stmt) => {
        await sql.unsafe(await adapt(stmt));
      },
      // BEGIN IMMEDIATE takes the write lock first, so two processes opening a
      // fresh home at once migrate one after the other; DDL rolls back on error.
      withLock: (fn) => sql.begin("IMMEDIATE", (tx) => fn(async (stmt) => void (await tx.unsafe(await adapt(stmt))))),
      appliedVersions: async () => {
        const rows: { version: number }[] = await sql`SELECT version FROM schema_migrations ORDER BY version`;
        return rows.map((r) => Number(r.version));
      },
      record: async (run, m, at) => {
        await run(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (${m.version}, '${m.name}', ${at})`);
      },
    };
  }
}

/**
 * A migration statement for the SQLite at hand. Bun embeds a recent SQLite
 * on Linux and Windows, but on macOS it uses the system's (3.43 on recent
 * releases), whose trigram tokenizer has no `remove_diacritics` (3.45+).
 * The trigram index serves scripts written without spaces, which have no
 * accents to remove; there it is built without the option. Before 3.43
 * (macOS 13) there is no octet_length() either: a cast to BLOB counts bytes.
 */
export function adaptToSqlite(stmt: string, version: string): string {
  const [major = 0, minor = 0] = version.split(".").map(Number);
  const atLeast = (m: number) => major > 3 || (major === 3 && minor >= m);
  let out = stmt;
  if (!atLeast(45)) out = out.replaceAll('tokenize="trigram remove_diacritics 1"', 'tokenize="trigram"');
  if (!atLeast(43)) out = out.replace(/octet_length\(([a-z_.]+)\)/g, "length(CAST($1 AS BLOB))");
  return out;
}

/** An FTS5 string: whatever it holds is text to find, never query syntax. */
function ftsString(text: string): string {
  return `"${text.replaceAll('"', '""')}"`;
}
