// The outbox pump of one link: reads undelivered messages to its peer in
// creation order, writes many per socket write, keeps a bounded window in
// flight, and turns acks into `delivered`.
import type { PendingMessage, Recipient, Store } from "../../store/store.ts";
import type { Link } from "../../transport/link.ts";
import type { NodeEvent } from "../node-events.ts";
import type { Journal } from "./journal.ts";

/** Messages in flight (sent, not acked) per link. */
export const WINDOW_MSGS = 8192;
/** Body bytes in flight per link: a window of 64 KiB bodies stays bounded too. */
export const WINDOW_BYTES = 4 * 1024 * 1024;
/** Rows read from the outbox per query. */
export const PUMP_BATCH = 1000;
/** Stop filling the socket once this much waits in its write queue. */
export const SOFT_QUEUE_BYTES = 1024 * 1024;
/**
 * `sent` is recorded this long after the write, and not at all for messages
 * acked by then: on a live link most go straight from pending to delivered,
 * one commit fewer on the sender's path. (`sent` matters only to show that a
 * message left while its ack is slow; nothing depends on it after a crash.)
 * At 250 ms, half of a 100,000-message stream still got a `sent` update
 * (acks wait behind the receiver's group commits); at 1 s almost none do,
 * and throughput rose from ~45k to ~50k msg/s in one bench session.
 */
export const SENT_DELAY_MS = 1000;

/** A failed `delivered` write is tried again after this, doubling up to DELIVERED_RETRY_MAX_MS, while the link lives. */
export const DELIVERED_RETRY_MS = 200;
export const DELIVERED_RETRY_MAX_MS = 10_000;

export interface OutboxDeps {
  store: Store;
  journal: Journal;
  emit(event: NodeEvent): void;
  /** Whether this peer may get messages now (discoverable, not blocked). */
  allowed(): boolean;
  /** Whom this link's messages are for: the contact's name now and the identity the link proved. */
  recipient(): Recipient;
  /** The first ack on this link: it delivers, so the redial backoff may start over. */
  delivering?(): void;
}

/** A message written to the link and not answered yet: its share of the window, and its row. */
interface InFlight {
  bytes: number;
  seq: number;
  /** `sent` is recorded (it was still unanswered SENT_DELAY_MS after a write). */
  recorded: boolean;
}

export class Outbox {
  private cursor = 0;
  private readonly inflight = new Map<string, InFlight>();
  private inflightBytes = 0;
  private pumping = false;
  private again = false;
  private ready = false;
  private stopped = false;
  private sentTimer: ReturnType<typeof setTimeout> | null = null;
  /** Acked, but the `delivered` write failed: tried again until it lands (id to seq). */
  private readonly unmarked = new Map<string, number>();
  private markTimer: ReturnType<typeof setTimeout> | null = null;
  private markDelay = DELIVERED_RETRY_MS;
  private acks = 0;

  constructor(
    private readonly link: Link,
    private readonly deps: OutboxDeps,
  ) {}

  /** The contact's name (it may be renamed while the link lives). */
  get peer(): string {
    return this.deps.recipient().name;
  }

  get inFlight(): number {
    return this.inflight.size;
  }

  /** Ids written to the link and not acked yet. */
  inFlightIds(): Iterable<string> {
    return this.inflight.keys();
  }

  /** Begins sending (after any older link's in-flight messages went back to pending). */
  start(): void {
    this.ready = true;
    this.pump();
  }

  /** Reads from the first pending message again: something went back to pending. */
  rewind(): void {
    this.cursor = 0;
    this.pump();
  }

  /** The link is gone: returns the ids that were in flight, for `unsent`. */
  stop(): string[] {
    this.stopped = true;
    if (this.sentTimer) clearTimeout(this.sentTimer);
    if (this.markTimer) clearTimeout(this.markTimer);
    const ids = [...this.inflight.keys()];
    this.inflight.clear();
    this.inflightBytes = 0;
    return ids;
  }

  /** Acks from the peer: only ids this link sent count (a peer cannot ack others' messages). */
  acked(ids: readonly string[]): void {
    const seqs: number[] = [];
    const ours = this.takeInFlight(ids, seqs);
    if (ours.length === 0) return;
    if (this.acks++ === 0) this.deps.delivering?.();
    this.markDelivered(ours, seqs);
    this.pump();
  }

  /**
   * The peer will never store these (a refuse frame): failed, with why, and
   * never sent again. Only ids this link sent count. Should the write fail,
   * they stay pending and the peer refuses them again on the next link.
   */
  refused(ids: readonly string[], reason: string): void {
    const ours = this.takeInFlight(ids);
    if (ours.length === 0) return;
    this.deps.journal.failed(ours, reason).then(
      () => this.deps.emit({ type: "status", peer: this.peer, ids: ours, status: "failed", reason }),
      () => {},
    );
    this.pump();
  }

  /** Of `ids`, those this link has in flight, no longer in flight: the peer answered them (their seqs into `seqs`). */
  private takeInFlight(ids: readonly string[], seqs?: number[]): string[] {
    const ours: string[] = [];
    for (const id of ids) {
      const f = this.inflight.get(id);
      if (f === undefined) continue;
      this.inflight.delete(id);
      this.inflightBytes -= f.bytes;
      ours.push(id);
      seqs?.push(f.seq);
    }
    return ours;
  }

  /**
   * Records `delivered`. The journal retries a lost connection for a while;
   * if the write still fails the ids are tried again with backoff while the
   * link lives (the receiver has them: they must not stay `pending` behind
   * the cursor). Should the link die first, the rows are still `pending` and
   * go again on the next link; the receiver acks the duplicate without
   * storing it twice.
   */
  private markDelivered(ids: string[], seqs: number[]): void {
    this.deps.journal.delivered(ids, seqs).then(
      () => {
        this.markDelay = DELIVERED_RETRY_MS;
        this.deps.emit({ type: "status", peer: this.peer, ids, status: "delivered" });
      },
      () => {
        if (this.stopped) return;
        ids.forEach((id, i) => this.unmarked.set(id, seqs[i]!));
        if (this.markTimer) return;
        this.markTimer = setTimeout(() => {
          this.markTimer = null;
          if (this.stopped || this.unmarked.size === 0) return;
          const again = [...this.unmarked.keys()];
          const seqsAgain = [...this.unmarked.values()];
          this.unmarked.clear();
          this.markDelay = Math.min(this.markDelay * 2, DELIVERED_RETRY_MAX_MS);
          this.markDelivered(again, seqsAgain);
        }, this.markDelay);
        this.markTimer.unref?.();
      },
    );
  }

  pump(): void {
    if (this.pumping) {
      this.again = true;
      return;
    }
    if (!this.ready || this.stopped) return;
    this.pumping = true;
    this.again = false;
    void this.fill().finally(() => {
      this.pumping = false;
      if (this.again) this.pump();
    });
  }

  private recordSent(): void {
    this.sentTimer = null;
    if (this.stopped) return;
    const ids: string[] = [];
    for (const [id, f] of this.inflight) {
      if (f.recorded) continue;
      f.recorded = true;
      ids.push(id);
    }
    if (ids.length === 0) return;
    this.deps.journal.sent(ids).then(
      () => this.deps.emit({ type: "status", peer: this.peer, ids, status: "sent" }),
      () => {},
    );
  }

  private roomLeft(): boolean {
    return (
      this.link.isOpen &&
      !this.stopped &&
      this.inflight.size < WINDOW_MSGS &&
      this.inflightBytes < WINDOW_BYTES &&
      this.link.queuedBytes < SOFT_QUEUE_BYTES &&
      this.deps.allowed()
    );
  }

  private async fill(): Promise<void> {
    while (this.roomLeft()) {
      const want = Math.min(PUMP_BATCH, WINDOW_MSGS - this.inflight.size);
      const after = this.cursor;
      let rows: PendingMessage[];
      try {
        const to = this.deps.recipient();
        rows = await this.deps.journal.read(() => this.deps.store.pendingFor(to, after, want));
      } catch {
        return; // the store failed; the next event (new message, ack, link) tries again
      }
      if (rows.length === 0 || !this.roomLeft()) return;
      const batch: PendingMessage[] = [];
      for (const r of rows) {
        if (this.inflight.has(r.id)) continue;
        const bytes = r.body.length * 3 + 40;
        this.inflight.set(r.id, { bytes, seq: r.seq, recorded: false });
        this.inflightBytes += bytes;
        batch.push(r);
      }
      this.cursor = rows[rows.length - 1]!.seq;
      if (batch.length === 0) continue;
      this.link.sendMessages(batch);
      this.sentTimer ??= setTimeout(() => this.recordSent(), SENT_DELAY_MS);
      if (rows.length < want) return;
    }
  }
}
