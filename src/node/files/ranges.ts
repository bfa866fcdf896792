// Sets of chunk indices as sorted, disjoint ranges: what a download has
// verified (stored as text, "0-99,120-130", so a transfer resumes from it
// after any crash), what it asked for, what a source lacks. A transfer that
// runs in order is one range, however big the file.

/** [from, to): to is exclusive. */
type Span = [number, number];

export class RangeSet {
  private spans: Span[] = [];

  /** Parses "0-99,120" (inclusive ends); anything malformed is left out. */
  static parse(text: string): RangeSet {
    const set = new RangeSet();
    for (const part of text.split(",")) {
      const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
      if (!m) continue;
      const from = Number(m[1]);
      const to = m[2] === undefined ? from : Number(m[2]);
      if (Number.isSafeInteger(from) && Number.isSafeInteger(to) && to >= from) set.addRange(from, to + 1);
    }
    return set;
  }

  /** How many indices it holds. */
  get size(): number {
    let n = 0;
    for (const [a, b] of this.spans) n += b - a;
    return n;
  }

  get ranges(): number {
    return this.spans.length;
  }

  has(i: number): boolean {
    const k = this.find(i);
    return k >= 0 && this.spans[k]![1] > i;
  }

  add(i: number): void {
    this.addRange(i, i + 1);
  }

  /** Adds [from, to), merging with what touches it. */
  addRange(from: number, to: number): void {
    if (to <= from) return;
    const last = this.spans.at(-1);
    if (!last || from > last[1]) {
      this.spans.push([from, to]); // the common case: in order, past the end
      return;
    }
    if (from >= last[0]) {
      last[1] = Math.max(last[1], to);
      return;
    }
    const out: Span[] = [];
    let placed = false;
    for (const s of this.spans) {
      if (s[1] < from) out.push(s);
      else if (s[0] > to) {
        if (!placed) out.push([from, to]);
        placed = true;
        out.push(s);
      } else {
        from = Math.min(from, s[0]);
        to = Math.max(to, s[1]);
      }
    }
    if (!placed) out.push([from, to]);
    this.spans = out;
  }

  clear(): void {
    this.spans = [];
  }

  delete(i: number): void {
    const k = this.find(i);
    const s = this.spans[k];
    if (!s || s[1] <= i) return;
    const parts: Span[] = [];
    if (s[0] < i) parts.push([s[0], i]);
    if (i + 1 < s[1]) parts.push([i + 1, s[1]]);
    this.spans.splice(k, 1, ...parts);
  }

  /** Adds every index of `other`. */
  merge(other: RangeSet): void {
    for (const [a, b] of other.spans) this.addRange(a, b);
  }

  /** The first index at or after `from` below `end` that is not here, or -1. */
  nextMissing(from: number, end: number): number {
    let i = from;
    const k = this.find(i);
    if (k >= 0 && this.spans[k]![1] > i) i = this.spans[k]![1];
    return i < end ? i : -1;
  }

  /** The smallest index not here (0 when empty): everything below it is held. */
  get prefix(): number {
    const first = this.spans[0];
    return first && first[0] === 0 ? first[1] : 0;
  }

  /** "0-99,120-130": inclusive ends, as the database keeps it. */
  toString(): string {
    return this.spans.map(([a, b]) => (b - a === 1 ? String(a) : `${a}-${b - 1}`)).join(",");
  }

  /** Index of the last span starting at or before `i`, or -1. */
  private find(i: number): number {
    let lo = 0;
    let hi = this.spans.length - 1;
    let at = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.spans[mid]![0] <= i) {
        at = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return at;
  }
}
