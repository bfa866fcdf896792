// What a peer asked us for, sent as its link can take it: rows read from the
// store between the journal's commits, a batch at a time, paused while the
// link's write queue is full and resumed when it drains. Only what we hold
// with no gap (what we offered) is ever asked of the store.
import type { Store, GroupMessageRow } from "../../store/store.ts";
import type { Link } from "../../transport/link.ts";
import type { Journal } from "../engine/journal.ts";

/** Rows read per query. */
export const SERVE_BATCH = 500;
/** Stop filling the link once this much waits in its write queue. */
export const SERVE_QUEUE_BYTES = 1024 * 1024;
/** Ranges queued per link; a peer asking for more is asking too much at once (the rest is dropped, it asks again). */
export const MAX_QUEUED_RANGES = 4096;

export interface Range {
  group: string;
  author: string;
  from: number;
  to: number;
}

export class Responder {
  private readonly queue: Range[] = [];
  private pumping = false;
  private again = false;
  private stopped = false;
  /** Rows sent, for tests and status. */
  sent = 0;

  constructor(
    private readonly link: Link,
    private readonly store: Store,
    private readonly journal: Journal,
    /** Called with each batch before it goes out (what the sync counts as relayed). */
    private readonly onSend?: (rows: readonly GroupMessageRow[]) => void,
  ) {}

  enqueue(ranges: readonly Range[]): void {
    for (const r of ranges) {
      if (this.queue.length >= MAX_QUEUED_RANGES) break;
      if (r.to >= r.from) this.queue.push({ ...r });
    }
    this.pump();
  }

  stop(): void {
    this.stopped = true;
    this.queue.length = 0;
  }

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
        // the store failed: the peer's range stalls and it asks again (of us or another member)
      })
      .finally(() => {
        this.pumping = false;
        if (this.again) this.pump();
      });
  }

  private async fill(): Promise<void> {
    while (!this.stopped && this.link.isOpen && this.queue.length > 0 && this.link.queuedBytes < SERVE_QUEUE_BYTES) {
      const r = this.queue[0]!;
      const rows = await this.journal.read(() => this.store.groupMessages(r.group, r.author, r.from, r.to, SERVE_BATCH));
      if (this.stopped || !this.link.isOpen) return;
      if (rows.length === 0) {
        this.queue.shift();
        continue;
      }
      this.onSend?.(rows);
      this.link.sendGroupMessages(rows);
      this.sent += rows.length;
      r.from = rows[rows.length - 1]!.seq + 1;
      if (r.from > r.to || rows.length < SERVE_BATCH) this.queue.shift();
    }
  }
}
