// Bytes a second, lately: what a progress bar's rate and time left are made of.

export class Rate {
  private lastBytes = -1;
  private lastAt = 0;
  value = 0;
  /** What the last progress event said: a new one goes out only when this changes. */
  private shown = "";

  /** A sample of the bytes so far (the engine's tick, a few times a second). */
  sample(bytes: number, now: number): void {
    if (this.lastBytes >= 0 && now > this.lastAt) {
      const r = ((bytes - this.lastBytes) * 1000) / (now - this.lastAt);
      // Smoothed: a bar that jumps with every chunk is hard to read.
      this.value = this.value === 0 ? r : 0.7 * this.value + 0.3 * r;
    }
    this.lastBytes = bytes;
    this.lastAt = now;
  }

  /** Whether a progress event saying `bytes` and `moving` would be news. */
  news(bytes: number, moving: boolean): boolean {
    const now = `${bytes} ${moving} ${Math.round(this.value)}`;
    if (now === this.shown) return false;
    this.shown = now;
    return true;
  }
}
