// Serving what a peer asked of our logs (a group's authors, our devices'):
// ranges queued per link, rows read from the store between the journal's
// commits a batch at a time, paused while the link's write queue is full and
// resumed when it drains (`pump`). Only what we hold with no gap (what we
// offered) is ever asked of the store. Subclasses say how to read and send.
import type { Journal } from "../engine/journal.ts";

/** Rows read per query. */
export const SERVE_BATCH = 500;
/** Stop filling the link once this much waits in its write queue. */
export const SERVE_QUEUE_BYTES = 1024 * 1024;

export abstract class RangeServer<R extends { from: number; to: number }, Row extends { seq: number }> {
  private readonly queue: R[] = [];
  private pumping = false;
  private again = false;
  private stopped = false;
  /** Rows sent, for tests and status. */
  sent = 0;

  constructor(
    protected readonly journal: Journal,
    /** Ranges queued per link; a peer asking more at once gets the rest when it asks again. */
    private readonly maxQueued: number,
  ) {}

  /** Whether the link still takes frames. */
  protected abstract open(): boolean;
  /** Bytes waiting in the link's write queue. */
  protected abstract queuedBytes(): number;
  /** Up to `limit` rows of `r`, from `r.from`, in seq order (inside a journal read). */
  protected abstract read(r: R, limit: number): Promise<Row[]>;
  protected abstract send(rows: Row[]): void;

  enqueue(ranges: readonly R[]): void {
    for (const r of ranges) {
      if (this.queue.length >= this.maxQueued) break;
      if (r.to >= r.from) this.queue.push({ ...r });
    }
    this.pump();
  }

  stop(): void {
    this.stopped = true;
    this.queue.length = 0;
  }

  /** Called when the link's write queue drained, or when more was asked. */
  pump(): void {
    if (this.pumping) {
      this.again = true;
      return;
    }
    if (this.stopped || this.queue.length === 0) return;
    this.pumping = true;
    this.again = false;
    void this.fill()
      .catch(() => {
        // the store failed: the range stalls and the peer asks again (of us or another)
      })
      .finally(() => {
        this.pumping = false;
        if (this.again) this.pump();
      });
  }

  private async fill(): Promise<void> {
    while (!this.stopped && this.open() && this.queue.length > 0 && this.queuedBytes() < SERVE_QUEUE_BYTES) {
      const r = this.queue[0]!;
      const rows = await this.journal.read(() => this.read(r, SERVE_BATCH));
      if (this.stopped || !this.open()) return;
      if (rows.length === 0) {
        this.queue.shift();
        continue;
      }
      this.send(rows);
      this.sent += rows.length;
      r.from = rows[rows.length - 1]!.seq + 1;
      if (r.from > r.to || rows.length < SERVE_BATCH) this.queue.shift();
    }
  }
}
