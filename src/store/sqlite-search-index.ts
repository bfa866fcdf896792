// Our own messages reach SQLite's search indexes a batch at a time, after
// the commit that stores them (migration 016): raising the mark
// search_indexed.upto indexes every row up to it, in one transaction. Per
// row, one INSERT ... SELECT over thousands of rows costs about a third of
// what the insert trigger cost inside each commit of a message stream, on
// the thread that is that stream's bound.
//
// When: as soon as INDEX_BATCH rows wait (so a long stream never leaves many
// behind), and the rest once no message of ours was stored for
// INDEX_IDLE_MS. Until then search reads the rows above the mark as they are
// (SqliteStore.searchCandidates), so it finds a message sent a moment ago,
// and after a restart that came before its batch.

/** Rows waiting that are indexed at once, in the wake of the commit that made them so many. */
export const INDEX_BATCH = 4000;
/** Most rows indexed in one transaction: about 10 ms of one core (100-byte messages), the longest the node's thread is held. */
export const INDEX_MAX_ROWS = 16_000;
/** The rest of the rows waiting are indexed once no message of ours was stored for this long. */
export const INDEX_IDLE_MS = 300;

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
   * After a commit that may have stored messages of ours: a batch indexed
   * now if enough wait, the rest once the node goes idle. Never throws: the
   * rows stay above the mark, found by search as they are, and the next
   * write or the idle moment tries again.
   */
  async wrote(): Promise<void> {
    if (this.closed || this.running) return this.later();
    this.running = true;
    try {
      const { top, upto } = await this.db().mark();
      if (top - upto >= INDEX_BATCH) await this.db().raise(Math.min(top, upto + INDEX_MAX_ROWS));
    } catch {
      // as above: tried again later
    } finally {
      this.running = false;
    }
    this.later();
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

  /** Indexes the rows waiting, a batch per turn of the event loop; busy or failing, it tries again later. */
  private async idle(): Promise<void> {
    this.timer = null;
    if (this.closed) return;
    if (this.running) return this.later();
    this.running = true;
    let next: "done" | "soon" | "later" = "later";
    try {
      const { top, upto } = await this.db().mark();
      if (top <= upto) next = "done";
      else if (await this.db().raise(Math.min(top, upto + INDEX_MAX_ROWS))) next = top > upto + INDEX_MAX_ROWS ? "soon" : "done";
    } catch {
      // tried again later
    } finally {
      this.running = false;
    }
    if (next === "later") this.later();
    else if (next === "soon") this.schedule(0);
  }
}
