// Our own messages reach SQLite's search indexes a batch at a time, after
// the commits that store them (migration 016): raising the mark
// search_indexed.upto indexes every row up to it, in one transaction.
// Indexing a message's words costs about as much again as storing its row
// (FTS5 writes what it tokenized at commit): inside the sender's commits, it
// was paid on the thread that is a message stream's bound.
//
// When: once the database has had no write for INDEX_IDLE_MS (a node is
// idle most of its life); while it never is, whenever INDEX_TAIL_MAX rows
// wait; and before a search that would otherwise read more than
// SEARCH_SCAN_MAX of them as they are. Search reads the rows above the mark
// as they are (SqliteStore.searchCandidates), so it finds a message sent a
// moment ago, and after a restart that came before its batch.

/** Rows of ours waiting while writes never stop: at this many, a batch is indexed at once. */
export const INDEX_TAIL_MAX = 50_000;
/** Most rows indexed in one transaction (words of 100-byte messages: tens of ms of one core, the longest the thread is held). */
export const INDEX_MAX_ROWS = 16_000;
/** Once the database had no write for this long, the rows waiting are indexed, a batch per turn of the event loop. */
export const INDEX_IDLE_MS = 300;
/** A search reads at most this many rows of ours as they are; with more waiting, it indexes them first (once). */
export const SEARCH_SCAN_MAX = 2_000;

/** Where the mark is kept: SQLite's hot-path connection, or the SQL client's when there is none (in memory). */
export interface SearchMarkDb {
  /** The highest seq of `sender` and the mark (every row at or below it is indexed). */
  mark(): Promise<{ top: number; upto: number }>;
  /** Raises the mark to `to`, indexing the rows between, in one transaction: false when the database was busy (nothing changed). */
  raise(to: number): Promise<boolean>;
}

export class OwnMessageIndex {
  private timer: ReturnType<typeof setTimeout> | null = null;
  private closed = false;
  /** A catch-up runs (the mark is read and raised across awaits): one at a time. */
  private running = false;

  constructor(private readonly db: () => SearchMarkDb) {}

  /**
   * After a commit: the idle moment moves on; when it stored rows of ours
   * (`ours`) and INDEX_TAIL_MAX wait, a batch is indexed now. Never throws:
   * the rows stay above the mark, found by search as they are, and the next
   * write or the idle moment tries again.
   */
  async wrote(ours: boolean): Promise<void> {
    this.later();
    if (!ours || this.closed || this.running) return;
    await this.step(INDEX_TAIL_MAX);
  }

  /** Before a search: more than SEARCH_SCAN_MAX rows waiting are indexed first (unless the database is busy or read-only: then read as they are). */
  async beforeSearch(): Promise<void> {
    // A batch per turn of the event loop: links and commits go on between them.
    while (!this.closed && !this.running && (await this.step(SEARCH_SCAN_MAX + 1)) === "more") await new Promise<void>((resolve) => setImmediate(resolve));
  }

  /** One batch, if at least `least` rows wait: whether more wait after it. */
  private async step(least: number): Promise<"done" | "more" | "failed"> {
    this.running = true;
    try {
      const { top, upto } = await this.db().mark();
      if (top - upto < least) return "done";
      const to = Math.min(top, upto + INDEX_MAX_ROWS);
      if (!(await this.db().raise(to))) return "failed";
      return to < top ? "more" : "done";
    } catch {
      return "failed";
    } finally {
      this.running = false;
    }
  }

  /** The rest is indexed after INDEX_IDLE_MS without a write (a write moves that moment on). */
  later(): void {
    this.schedule(INDEX_IDLE_MS);
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(ms: number): void {
    if (this.closed) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.idle(), ms);
    this.timer.unref?.();
  }

  /** Indexes the rows waiting, a batch per turn of the event loop; a write meanwhile puts the rest off again. */
  private async idle(): Promise<void> {
    this.timer = null;
    if (this.closed) return;
    if (this.running) return this.later();
    const next = await this.step(1);
    if (next === "more") this.schedule(0);
    else if (next === "failed") this.later();
  }
}
