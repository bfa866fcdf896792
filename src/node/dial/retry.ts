// Redial with exponential backoff and jitter, per peer. Delays and the
// random source are injectable so tests use tiny, predictable ones.

export interface RetryOptions {
  /** First delay (ms). */
  baseMs: number;
  /** Longest delay (ms). */
  maxMs: number;
  /** 0..1: each delay is scaled by a random factor in [1 - jitter, 1 + jitter]. */
  jitter: number;
  random: () => number;
}

export const DEFAULT_RETRY: RetryOptions = { baseMs: 1_000, maxMs: 60_000, jitter: 0.2, random: Math.random };

export class RetryTimer<K> {
  private readonly attempts = new Map<K, number>();
  private readonly timers = new Map<K, ReturnType<typeof setTimeout>>();
  readonly opts: RetryOptions;

  constructor(opts: Partial<RetryOptions> = {}) {
    this.opts = { ...DEFAULT_RETRY, ...opts };
  }

  /** The delay before attempt number `n` (0-based) would run. */
  delay(n: number): number {
    const { baseMs, maxMs, jitter, random } = this.opts;
    const raw = Math.min(maxMs, baseMs * 2 ** Math.min(n, 30));
    return Math.max(0, Math.round(raw * (1 + jitter * (random() * 2 - 1))));
  }

  /** Runs `fn` after the next backoff delay for `key`, unless one is already waiting. */
  schedule(key: K, fn: () => void): number | null {
    if (this.timers.has(key)) return null;
    const n = this.attempts.get(key) ?? 0;
    const ms = this.delay(n);
    this.attempts.set(key, n + 1);
    const t = setTimeout(() => {
      this.timers.delete(key);
      fn();
    }, ms);
    t.unref?.();
    this.timers.set(key, t);
    return ms;
  }

  pending(key: K): boolean {
    return this.timers.has(key);
  }

  /** A link came up: the next failure starts from the first delay again. */
  reset(key: K): void {
    this.cancel(key);
    this.attempts.delete(key);
  }

  cancel(key: K): void {
    const t = this.timers.get(key);
    if (t) clearTimeout(t);
    this.timers.delete(key);
  }

  cancelAll(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }
}
