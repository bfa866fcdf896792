// What a download asked of whom: the sources it may ask (the sender, or a
// group's members linked to us), the chunks asked and not arrived, the
// manifest asked, what a member said it lacks, and the sources that stalled.
// A source that sends nothing asked of it for the stall time is left alone,
// twice as long each time (up to MAX_STALL_BACKOFF_MS), until a chunk from
// it forgives it; what it was asked goes to another, or waits.
import type { Source } from "./file-link.ts";
import { RangeSet } from "./ranges.ts";

/** The longest a stalled source is left before it is asked again. */
export const MAX_STALL_BACKOFF_MS = 5 * 60_000;

interface Ask {
  source: Source;
  at: number;
}

export class Asks {
  readonly sources = new Set<Source>();
  private readonly asked = new Map<number, Ask>();
  private manifestAsk: Ask | null = null;
  /** Per source: chunks it said it lacks (a group member that holds part of the file). */
  private readonly lacking = new Map<Source, RangeSet>();
  private lackingSince = 0;
  private readonly stalled = new Map<Source, number>();
  private readonly strikes = new Map<Source, number>();

  constructor(private readonly stallMs: number) {}

  /** Something asked and not arrived, or a source to ask. */
  moving(now: number): boolean {
    return this.asked.size > 0 || this.manifestAsk !== null || [...this.sources].some((s) => this.usable(s, now));
  }

  add(s: Source): void {
    this.sources.add(s);
    this.stalled.delete(s);
  }

  drop(s: Source): void {
    this.sources.delete(s);
    this.lacking.delete(s);
    this.forget(s);
  }

  usable(s: Source, now: number): boolean {
    return this.sources.has(s) && (this.stalled.get(s) ?? 0) <= now;
  }

  /** A source to ask for the manifest (none while one is asked). */
  manifestSource(now: number): Source | null {
    if (this.manifestAsk) return null;
    const s = [...this.sources].find((x) => this.usable(x, now)) ?? null;
    if (s) this.manifestAsk = { source: s, at: now };
    return s;
  }

  /** A manifest piece came from `s`: true when it was asked of it (its deadline starts again). */
  manifestFrom(s: Source, now: number): boolean {
    if (this.manifestAsk?.source !== s) return false;
    this.manifestAsk.at = now;
    return true;
  }

  manifestDone(): void {
    this.manifestAsk = null;
  }

  inFlight(s: Source): number {
    let n = 0;
    for (const a of this.asked.values()) if (a.source === s) n++;
    return n;
  }

  /** Whether chunk `i` may be asked of `s` now: not asked of anyone, and not one `s` said it lacks. */
  mayAsk(i: number, s: Source): boolean {
    return !this.asked.has(i) && !this.lacking.get(s)?.has(i);
  }

  ask(i: number, s: Source, now: number): void {
    this.asked.set(i, { source: s, at: now });
  }

  /** Chunk `i` came from `s`: true when it was asked of it (else it is dropped: nobody pushes bytes unasked). */
  take(i: number, s: Source): boolean {
    if (this.asked.get(i)?.source !== s) return false;
    this.asked.delete(i);
    this.strikes.delete(s);
    return true;
  }

  /** `s` does not hold these chunks (yet). */
  lacks(s: Source, ranges: readonly { from: number; count: number }[], now: number): void {
    let set = this.lacking.get(s);
    if (!set) this.lacking.set(s, (set = new RangeSet()));
    if (this.lacking.size === 1) this.lackingSince = now;
    for (const r of ranges) {
      set.addRange(r.from, r.from + r.count);
      for (let i = r.from; i < r.from + r.count; i++) if (this.asked.get(i)?.source === s) this.asked.delete(i);
    }
    if (this.manifestAsk?.source === s) this.manifestAsk = null;
  }

  /** What was asked of `s` is asked of nobody now. */
  forget(s: Source): void {
    for (const [i, a] of this.asked) if (a.source === s) this.asked.delete(i);
    if (this.manifestAsk?.source === s) this.manifestAsk = null;
  }

  /** Leaves the sources that sent nothing in time (returns whether any did); lets those left long enough back. */
  tick(now: number): boolean {
    const late = new Set<Source>();
    for (const a of this.asked.values()) if (now - a.at > this.stallMs) late.add(a.source);
    if (this.manifestAsk && now - this.manifestAsk.at > this.stallMs) late.add(this.manifestAsk.source);
    for (const s of late) {
      const n = (this.strikes.get(s) ?? 0) + 1;
      this.strikes.set(s, n);
      this.stalled.set(s, now + Math.min(this.stallMs * 2 ** (n - 1), MAX_STALL_BACKOFF_MS));
      this.forget(s);
    }
    for (const [s, until] of this.stalled) if (until <= now) this.stalled.delete(s);
    // A member still fetching may hold more by now.
    if (this.lacking.size > 0 && now - this.lackingSince > this.stallMs) this.lacking.clear();
    return late.size > 0;
  }

  get anyStalled(): boolean {
    return this.stalled.size > 0;
  }
}
