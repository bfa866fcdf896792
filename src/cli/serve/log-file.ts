// `serve --log FILE`: what serve prints on stdout and stderr also goes into
// FILE, one timestamped line each, without colour. The file is owner-only
// (0600) and rotated by size: FILE -> FILE.1 -> ... -> FILE.<keep>, the oldest
// dropped. Writes are synchronous appends, so a crash loses no printed line.
import { closeSync, existsSync, fchmodSync, fstatSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { stripAnsi } from "../../ui/colors.ts";
import { UsageError } from "../exit-codes.ts";

export const LOG_MAX_BYTES = 10 * 1024 * 1024;
export const LOG_KEEP = 3;

export interface RotatingLogOptions {
  /** Rotate before a write would take the file past this many bytes. */
  maxBytes?: number;
  /** Rotated files kept beside the current one. */
  keep?: number;
}

export class RotatingLog {
  readonly path: string;
  private readonly maxBytes: number;
  private readonly keep: number;
  private fd: number;
  private size: number;

  constructor(path: string, opts: RotatingLogOptions = {}) {
    this.path = resolve(path);
    this.maxBytes = opts.maxBytes ?? LOG_MAX_BYTES;
    this.keep = opts.keep ?? LOG_KEEP;
    mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
    this.fd = this.openFile();
    this.size = fstatSync(this.fd).size;
  }

  /** Appends `text` (whole lines), rotating first when it would not fit. */
  write(text: string): void {
    const bytes = Buffer.byteLength(text);
    if (this.size > 0 && this.size + bytes > this.maxBytes) this.rotate();
    writeSync(this.fd, text);
    this.size += bytes;
  }

  close(): void {
    if (this.fd < 0) return;
    closeSync(this.fd);
    this.fd = -1;
  }

  private openFile(): number {
    const fd = openSync(this.path, "a", 0o600);
    // An existing file keeps its mode on open: make it owner-only too.
    fchmodSync(fd, 0o600);
    return fd;
  }

  private rotate(): void {
    closeSync(this.fd);
    if (this.keep > 0) {
      rmSync(`${this.path}.${this.keep}`, { force: true });
      for (let i = this.keep - 1; i >= 1; i--) {
        if (existsSync(`${this.path}.${i}`)) renameSync(`${this.path}.${i}`, `${this.path}.${i + 1}`);
      }
      renameSync(this.path, `${this.path}.1`);
    } else {
      rmSync(this.path, { force: true });
    }
    this.fd = this.openFile();
    this.size = 0;
  }
}

type Write = typeof process.stdout.write;

/**
 * Copies everything this process writes to stdout and stderr into `log`, each
 * line stamped with the time (ISO 8601, UTC). Returns a function that stops
 * copying, writes out an unfinished last line and closes the log.
 */
export function teeOutput(log: RotatingLog, now: () => Date = () => new Date()): () => void {
  const restores: (() => void)[] = [];
  const flushes: (() => void)[] = [];
  let failed = false;
  const put = (line: string) => {
    if (failed) return;
    try {
      log.write(`${now().toISOString()} ${stripAnsi(line)}\n`);
    } catch (err) {
      // A full disk must not stop the node: say so once and go on without the log.
      failed = true;
      restore();
      process.stderr.write(`p2pchat: cannot write the log ${log.path}: ${(err as Error).message}; logging stopped\n`);
    }
  };
  for (const stream of [process.stdout, process.stderr]) {
    const original = stream.write;
    const decoder = new TextDecoder();
    let partial = "";
    stream.write = function (this: typeof stream, chunk: unknown, ...rest: unknown[]) {
      const text = typeof chunk === "string" ? chunk : chunk instanceof Uint8Array ? decoder.decode(chunk, { stream: true }) : String(chunk);
      const lines = (partial + text).split("\n");
      partial = lines.pop()!;
      for (const line of lines) put(line);
      return (original as (...a: unknown[]) => boolean).call(this, chunk, ...rest);
    } as Write;
    restores.push(() => {
      stream.write = original;
    });
    flushes.push(() => {
      if (partial) put(partial);
      partial = "";
    });
  }
  let restored = false;
  function restore() {
    if (restored) return;
    restored = true;
    for (const r of restores) r();
  }
  const stop = () => {
    for (const f of flushes) f();
    restore();
    process.off("exit", stop);
    try {
      log.close();
    } catch {
      // already gone
    }
  };
  process.on("exit", stop);
  return stop;
}

/** `serve --log FILE`: starts copying this process's output into FILE until it exits. */
export function logOutputTo(path: string): () => void {
  let log: RotatingLog;
  try {
    log = new RotatingLog(path);
  } catch (err) {
    throw new UsageError(`cannot open the log ${resolve(path)}: ${(err as Error).message}`, "p2pchat serve");
  }
  return teeOutput(log);
}
