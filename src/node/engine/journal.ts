// Group commit: every write the node wants (new messages, sent/delivered
// marks, received messages) joins the next transaction; reads of the outbox
// wait their turn between transactions. One writer, so seq order is commit
// order, and a message is committed before anything that depends on it
// (its send, its ack) happens.
import type { PeerId } from "../../protocol/peer-id.ts";
import { StoreError } from "../../store/store-error.ts";
import type { AppliedEntry, GroupWrite, IncomingMessage, OutgoingMessage, Store, TransferWrite, WriteResult } from "../../store/store.ts";

/** Most rows in one transaction; more wait for the next. */
const MAX_BATCH = 20_000;
/** A write that fails in a way that may pass (a lost connection, a deadlock) is tried again for this long. */
export const RETRY_FOR_MS = 30_000;
/** A failure that passes sooner (a killed connection the pool replaces) is not worth telling the user about. */
const REPORT_AFTER_MS = 2_000;
const RETRY_FIRST_MS = 50;
const RETRY_MAX_MS = 2_000;

export interface JournalOptions {
  retryForMs?: number;
  /** The database failed (after its retries) or answers again. */
  onHealth?(ok: boolean, err?: unknown): void;
}

interface Pending {
  outgoing: OutgoingMessage[];
  claims: { name: string; peerId: PeerId }[];
  sent: string[];
  unsent: string[];
  delivered: string[];
  /** The delivered messages' seq, in step with `delivered` while every mark came with them. */
  deliveredSeqs: number[] | null;
  failed: { id: string; reason: string }[];
  incoming: IncomingMessage[];
  groups: GroupWrite[];
  files: TransferWrite[];
  applied: AppliedEntry[];
  waiters: { resolve: (r: WriteResult) => void; reject: (e: unknown) => void }[];
  size: number;
}

type Job = { kind: "write"; batch: Pending } | { kind: "read"; run: () => Promise<void> };

const isStatusOnly = (b: Pending) => b.outgoing.length === 0 && b.incoming.length === 0 && b.claims.length === 0 && b.groups.length === 0 && b.files.length === 0 && b.applied.length === 0;

const emptyBatch = (): Pending => ({ outgoing: [], claims: [], sent: [], unsent: [], delivered: [], deliveredSeqs: [], failed: [], incoming: [], groups: [], files: [], applied: [], waiters: [], size: 0 });

export class Journal {
  private current: Pending = emptyBatch();
  private readonly jobs: Job[] = [];
  private running = false;
  private closed = false;
  /** Transactions committed, for status and the benchmark. */
  commits = 0;
  private healthy = true;

  constructor(
    private readonly store: Store,
    private readonly opts: JournalOptions = {},
  ) {}

  outgoing(m: OutgoingMessage): Promise<WriteResult> {
    return this.add((b) => b.outgoing.push(m), 1);
  }

  outgoingMany(ms: readonly OutgoingMessage[]): Promise<WriteResult> {
    return this.add((b) => b.outgoing.push(...ms), ms.length);
  }

  /** An unpinned contact pinned `peerId`: its unclaimed undelivered messages are that identity's (after any queued before). */
  claim(name: string, peerId: PeerId): Promise<WriteResult> {
    return this.add((b) => b.claims.push({ name, peerId }), 1);
  }

  sent(ids: readonly string[]): Promise<WriteResult> {
    return this.add((b) => b.sent.push(...ids), ids.length);
  }

  unsent(ids: readonly string[]): Promise<WriteResult> {
    return this.add((b) => b.unsent.push(...ids), ids.length);
  }

  /** `seqs`: the same messages' seq, in the same order, when known (the store finds the rows by them). */
  delivered(ids: readonly string[], seqs?: readonly number[]): Promise<WriteResult> {
    return this.add((b) => {
      b.delivered.push(...ids);
      if (seqs && seqs.length === ids.length) b.deliveredSeqs?.push(...seqs);
      else b.deliveredSeqs = null;
    }, ids.length);
  }

  /** The receiver refused these for good: failed, with why (never sent again). */
  failed(ids: readonly string[], reason: string): Promise<WriteResult> {
    return this.add((b) => b.failed.push(...ids.map((id) => ({ id, reason }))), ids.length);
  }

  /** Resolves with the messages stored now (a redelivered one is left out). */
  incoming(ms: readonly IncomingMessage[]): Promise<WriteResult> {
    return this.add((b) => b.incoming.push(...ms), ms.length);
  }

  /** Group bookkeeping (node/groups/): its messages, members, marks. */
  groups(w: GroupWrite): Promise<WriteResult> {
    return this.add((b) => b.groups.push(w), Math.max(1, w.messages?.length ?? 0));
  }

  /** File transfers' state (node/files/): offers, verified ranges, outcomes. */
  files(w: TransferWrite): Promise<WriteResult> {
    return this.add((b) => b.files.push(w), 1);
  }

  /** Entries of our other devices' logs (node/devices/), recorded and applied in one transaction with anything else queued. */
  applied(entries: readonly AppliedEntry[]): Promise<WriteResult> {
    return this.add((b) => b.applied.push(...entries), Math.max(1, entries.length));
  }

  /**
   * Runs `fn` between transactions, after every queued write that stores
   * new messages (so it sees them committed, never half-written). It may run
   * before queued status marks (sent, delivered, unsent): outbox reads are
   * ordered by their cursor, not by those, and a sender streaming thousands
   * of messages a second must not wait for its acks' bookkeeping to read more.
   * A read whose answer depends on those marks uses settled().
   */
  read<T>(fn: () => Promise<T>): Promise<T> {
    if (!isStatusOnly(this.current)) this.seal();
    return new Promise<T>((resolve, reject) => {
      const job: Job = { kind: "read", run: () => fn().then(resolve, reject) };
      // After the last queued job that stores messages; ahead of status-only batches.
      let at = this.jobs.length;
      while (at > 0 && this.jobs[at - 1]!.kind === "write" && isStatusOnly((this.jobs[at - 1] as { batch: Pending }).batch)) at--;
      this.jobs.splice(at, 0, job);
      this.kick();
    });
  }

  /**
   * Runs `fn` once everything queued so far is committed, status marks too.
   * For a decision that depends on them: whether a peer is owed messages
   * right after its link closed must see the link's in-flight messages
   * pending again (`unsent`), or nobody redials and they wait for a restart.
   */
  settled<T>(fn: () => Promise<T>): Promise<T> {
    this.seal();
    return new Promise<T>((resolve, reject) => {
      this.jobs.push({ kind: "read", run: () => fn().then(resolve, reject) });
      this.kick();
    });
  }

  /** Resolves once everything queued so far is committed (status marks too). */
  drain(): Promise<void> {
    return this.settled(async () => {});
  }

  close(): void {
    this.closed = true;
  }

  private add(put: (b: Pending) => void, n: number): Promise<WriteResult> {
    if (this.closed) return Promise.reject(new Error("the node is shutting down"));
    if (this.current.size + n > MAX_BATCH && this.current.size > 0) this.seal();
    return new Promise<WriteResult>((resolve, reject) => {
      put(this.current);
      this.current.size += n;
      this.current.waiters.push({ resolve, reject });
      this.kick();
    });
  }

  /**
   * One transaction, tried again with backoff while the database fails in a
   * way that may pass (the pool reconnects after a killed connection; a
   * deadlock or lock wait clears). Writes behind it wait, so order is kept.
   */
  private async commit(b: Pending): Promise<WriteResult> {
    const started = Date.now();
    const deadline = started + (this.opts.retryForMs ?? RETRY_FOR_MS);
    let delay = RETRY_FIRST_MS;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.store.write({
          outgoing: b.outgoing,
          claims: b.claims,
          sent: b.sent,
          unsent: b.unsent,
          delivered: b.delivered,
          deliveredSeqs: b.deliveredSeqs ?? undefined,
          failed: b.failed,
          incoming: b.incoming,
          groups: b.groups,
          files: b.files,
          applied: b.applied,
          at: Date.now(),
          retry: attempt > 0,
        });
      } catch (err) {
        const transient = err instanceof StoreError && err.code === "UNAVAILABLE";
        if (!transient || this.closed || Date.now() + delay > deadline) throw err;
        if (Date.now() - started >= REPORT_AFTER_MS) this.setHealthy(false, err);
        await Bun.sleep(delay);
        delay = Math.min(delay * 2, RETRY_MAX_MS);
      }
    }
  }

  private setHealthy(ok: boolean, err?: unknown): void {
    if (ok === this.healthy) return;
    this.healthy = ok;
    this.opts.onHealth?.(ok, err);
  }

  /** Ends the batch being filled: later writes go into a new one, after any read queued now. */
  private seal(): void {
    if (this.current.size === 0 && this.current.waiters.length === 0) return;
    this.jobs.push({ kind: "write", batch: this.current });
    this.current = emptyBatch();
  }

  private kick(): void {
    if (this.running) return;
    this.running = true;
    // Let the rest of this tick add to the batch first.
    queueMicrotask(() => void this.loop());
  }

  private async loop(): Promise<void> {
    try {
      for (;;) {
        if (this.jobs.length === 0) this.seal();
        const job = this.jobs.shift();
        if (!job) return;
        if (job.kind === "read") {
          await job.run();
          continue;
        }
        const b = job.batch;
        try {
          const result = await this.commit(b);
          this.commits++;
          this.setHealthy(true);
          for (const w of b.waiters) w.resolve(result);
        } catch (err) {
          this.setHealthy(false, err);
          for (const w of b.waiters) w.reject(err);
        }
      }
    } finally {
      this.running = false;
      if (this.jobs.length > 0 || this.current.waiters.length > 0) this.kick();
    }
  }
}
