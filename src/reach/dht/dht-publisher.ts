// Keeps our record on the DHT: publish at start, again every hour (mainline
// nodes forget items after about two), and 2 s after the addresses last
// changed, so a burst of changes makes one record. Each publish is signed
// anew with seq = now, since nodes refuse a seq they already hold. While the
// node is hidden nothing new is published: pause() and resume().
import type { DiscoveryKey } from "./discovery-key.ts";
import type { RecordContent } from "./record-packet.ts";
import { encodeRecord, nowMicros, type SignedRecord } from "./record.ts";

export const REPUBLISH_MS = 3_600_000;
export const DEBOUNCE_MS = 2_000;
export const RETRY_MS = 60_000;

export interface PublisherOptions {
  /** Puts one record on the DHT: DhtClient.publish. */
  publish(record: SignedRecord): Promise<number>;
  key: DiscoveryKey;
  /** What to publish now; null while there is nothing (no address yet). */
  content(): RecordContent | null;
  /** Start paused (the node is hidden). */
  paused?: boolean;
  republishMs?: number;
  debounceMs?: number;
  /** After a failed publish, try again this much later. */
  retryMs?: number;
  /** Microseconds since 1970 (tests inject a clock). */
  now?: () => bigint;
  onPublished?(record: SignedRecord, nodes: number): void;
  onError?(err: Error): void;
}

export class DhtPublisher {
  #timer: ReturnType<typeof setTimeout> | null = null;
  #running: Promise<void> | null = null;
  #again = false;
  #paused: boolean;
  #stopped = false;
  #last: SignedRecord | null = null;

  constructor(private readonly opts: PublisherOptions) {
    this.#paused = opts.paused ?? false;
  }

  get paused(): boolean {
    return this.#paused;
  }

  /** The last record the DHT took from us. */
  get lastPublished(): SignedRecord | null {
    return this.#last;
  }

  /** Publishes now (unless paused), then hourly. */
  start(): void {
    this.#schedule(0);
  }

  /** Our addresses or relays changed: publish once they settle. */
  addressesChanged(): void {
    this.#schedule(this.opts.debounceMs ?? DEBOUNCE_MS);
  }

  /** The node went hidden: nothing new is published until resume(). A publish already sent completes. */
  pause(): void {
    this.#paused = true;
    this.#clear();
  }

  /** Discoverable again: publish now (addresses may have moved meanwhile), then hourly. */
  resume(): void {
    this.#paused = false;
    this.#schedule(0);
  }

  /** Publishes now and resolves when done (or failed: onError hears why). */
  async publishNow(): Promise<void> {
    this.#clear();
    await this.#run();
  }

  /** Cancels the timers and waits for a publish in flight. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#clear();
    await this.#running;
  }

  #schedule(ms: number): void {
    if (this.#stopped || this.#paused) return;
    this.#clear();
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void this.#run();
    }, ms);
  }

  #clear(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }

  /** One publish at a time; a trigger during one runs another after it. */
  #run(): Promise<void> {
    if (this.#running) {
      this.#again = true;
      return this.#running;
    }
    this.#running = this.#publishOnce().finally(() => {
      this.#running = null;
      if (this.#again) {
        this.#again = false;
        this.#schedule(0);
      }
    });
    return this.#running;
  }

  async #publishOnce(): Promise<void> {
    if (this.#stopped || this.#paused) return;
    let next = this.opts.republishMs ?? REPUBLISH_MS;
    try {
      const content = this.opts.content();
      if (content) {
        const now = (this.opts.now ?? nowMicros)();
        // Never behind our last record, even if the clock stepped back.
        const seq = this.#last && this.#last.seq >= now ? this.#last.seq + 1n : now;
        const record = encodeRecord(content, this.opts.key, seq);
        const nodes = await this.opts.publish(record);
        this.#last = record;
        this.opts.onPublished?.(record, nodes);
      }
    } catch (err) {
      next = Math.min(next, this.opts.retryMs ?? RETRY_MS);
      this.opts.onError?.(err as Error);
    }
    if (!this.#again) this.#schedule(next);
  }
}
