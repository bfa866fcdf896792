// Lines and switches of the full-screen chat, handled one after another in
// the order typed, even when a send is slow. A job that changes the view
// (opens a conversation, runs a command) holds the keys typed until it is
// done, then gives them back in order to the view it leaves: `bob` Enter
// `hello` Enter opens bob and sends hello to him, Ctrl-N Ctrl-N moves twice.
import type { Key } from "./keys.ts";

export interface JobsDeps {
  /** A job failed: its message, for a note (the next job still runs). */
  failed(message: string): void;
  /** A job is done: the screen may show its result. */
  done(): void;
  /** Keys held while the view changed, to be applied now. */
  replay(keys: Key[]): void;
}

export class Jobs {
  private tail: Promise<void> = Promise.resolve();
  /** Jobs queued that change the view. */
  private switching = 0;
  private readonly held: Key[] = [];

  constructor(private readonly deps: JobsDeps) {}

  /** Runs `job` after the jobs before it; its failure is a note, not a crash. */
  run(job: () => Promise<void>, after?: () => void): void {
    this.tail = this.tail
      .then(job)
      .catch((err: unknown) => this.deps.failed(err instanceof Error ? err.message : String(err)))
      .finally(() => {
        after?.();
        this.deps.done();
      });
  }

  /** Runs `job`, which changes the view; keys typed meanwhile are held, then replayed. */
  switchView(job: () => Promise<void>): void {
    this.switching++;
    this.run(job, () => {
      if (--this.switching > 0) return;
      const held = this.held.splice(0);
      if (held.length > 0) this.deps.replay(held);
    });
  }

  /** Keeps `key` for later when the view is changing; false when it is to be applied now. */
  hold(key: Key): boolean {
    if (this.switching === 0) return false;
    this.held.push(key);
    return true;
  }

  /** The jobs queued so far are done. */
  queued(): Promise<void> {
    return this.tail;
  }

  /** Every job is done, those queued meanwhile too (a send held behind a switch, typed just before leaving). */
  async idle(): Promise<void> {
    for (let q = this.tail; ; q = this.tail) {
      await q;
      if (q === this.tail) break;
    }
  }
}
