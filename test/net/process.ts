// A long-running process inside a namespace (a server, miniupnpd, a fixture):
// its output kept line by line, a wait for a line that matches, and a stop
// that always ends it.
import type { Subprocess } from "bun";
import { lineString, LineSplitter } from "../../src/transport/lines.ts";
import { inNs } from "./netns.ts";

export interface SpawnOptions {
  /** Added to the environment (undefined removes a variable). */
  env?: Record<string, string | undefined>;
  cwd?: string;
}

export class NsProcess implements AsyncDisposable {
  readonly proc: Subprocess<"pipe", "pipe", "pipe">;
  private readonly out: string[] = [];
  private readonly err: string[] = [];
  private readonly listeners = new Set<() => void>();
  private readonly pumped: Promise<void>;

  constructor(
    readonly ns: string,
    readonly argv: string[],
    opts: SpawnOptions = {},
  ) {
    this.proc = Bun.spawn(inNs(ns, argv), {
      env: mergeEnv(opts.env),
      cwd: opts.cwd,
      stdin: "pipe",
      stdout: "pipe",
      stderr: "pipe",
    });
    this.pumped = Promise.all([this.pump(this.proc.stdout, (line) => this.out.push(line)), this.pump(this.proc.stderr, (line) => this.err.push(line))]).then(() => undefined);
    void this.proc.exited.then(() => this.notify());
  }

  /** Lines printed on stdout so far. */
  lines(): readonly string[] {
    return this.out;
  }

  /** Lines printed on stderr so far. */
  errLines(): readonly string[] {
    return this.err;
  }

  /** Lines on stdout and stderr, for a failure message. */
  transcript(): string {
    return `stdout:\n${this.out.join("\n")}\nstderr:\n${this.err.join("\n")}`;
  }

  /**
   * Resolves with the first stdout line at or after index `from` that matches
   * (a RegExp or a predicate); rejects if the process exits first or on timeout.
   */
  waitFor(match: RegExp | ((line: string) => boolean), opts: { from?: number; timeoutMs?: number; stream?: "stdout" | "stderr" } = {}): Promise<string> {
    const test = typeof match === "function" ? match : (l: string) => match.test(l);
    const timeoutMs = opts.timeoutMs ?? 15_000;
    let next = opts.from ?? 0;
    return new Promise((resolve, reject) => {
      const done = (f: () => void) => {
        this.listeners.delete(check);
        clearTimeout(timer);
        f();
      };
      const check = () => {
        const src = opts.stream === "stderr" ? this.err : this.out;
        while (next < src.length) {
          const line = src[next++]!;
          if (test(line)) return done(() => resolve(line));
        }
        if (this.proc.exitCode !== null || this.proc.signalCode !== null) {
          done(() => reject(new Error(`${this.argv.join(" ")} in ${this.ns} exited (${this.proc.exitCode ?? this.proc.signalCode}) before ${String(match)}\n${this.transcript()}`)));
        }
      };
      const timer = setTimeout(
        () => done(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${String(match)} from ${this.argv.join(" ")} in ${this.ns}\n${this.transcript()}`))),
        timeoutMs,
      );
      this.listeners.add(check);
      check();
    });
  }

  /** Writes one line to its stdin. */
  send(line: string): void {
    this.proc.stdin.write(line + "\n");
    this.proc.stdin.flush();
  }

  get running(): boolean {
    return this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /** Sends `signal` (SIGTERM by default), then SIGKILL after `graceMs`; resolves with the exit code. */
  async stop(signal: NodeJS.Signals = "SIGTERM", graceMs = 3000): Promise<number | null> {
    if (this.running) {
      this.proc.kill(signal);
      const t = setTimeout(() => this.running && this.proc.kill("SIGKILL"), graceMs);
      await this.proc.exited;
      clearTimeout(t);
    }
    await this.pumped;
    return this.proc.exitCode;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop("SIGKILL");
  }

  private notify(): void {
    for (const l of [...this.listeners]) l();
  }

  private async pump(stream: ReadableStream<Uint8Array>, onLine: (line: string) => void): Promise<void> {
    // A piece's lines are all kept before anyone waiting looks: a line printed with the one awaited is there too.
    const lines = new LineSplitter();
    for await (const chunk of stream) {
      for (const line of lines.push(chunk)) onLine(lineString(line));
      this.notify();
    }
    const last = lines.end();
    if (last) onLine(lineString(last));
    this.notify();
  }
}

function mergeEnv(extra: Record<string, string | undefined> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
  // Inside a namespace nothing reaches the real network, so discovery may run
  // (the test process itself sets it off for everything outside).
  env.P2PCHAT_DISCOVERY = "on";
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}
