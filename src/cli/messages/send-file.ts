// `p2pchat send NAME --file PATH`: offers a file and shows it going. On a
// terminal a progress bar (rate, time left); on a pipe a line each 10%;
// with --json nothing but the result. Done means the receiver holds it whole
// and verified (exit 0); a transfer that stops moving for the wait is left
// to go on later (exit 3, saying why); refused or failed, exit 1.
import { statSync } from "node:fs";
import { resolve } from "node:path";
import type { FileInfo, NodeApi } from "../../control/api.ts";
import { FINISHED } from "../../domain/file-transfer.ts";
import { fileStateText, formatSize, progressBar, shortId } from "../../ui/file-format.ts";
import { connectNode } from "../connect.ts";
import { EXIT_PENDING, ExitCode, UsageError } from "../exit-codes.ts";
import { whyPending } from "./wait.ts";

export interface SendFileOptions {
  /** Give up waiting after this many seconds without progress; null: do not wait. */
  idleSeconds: number | null;
  json: boolean;
}

/** The file to send, checked here first: a typo fails at once, before any node is started. */
export function checkedPath(path: string): string {
  const abs = resolve(path);
  const st = statSync(abs, { throwIfNoEntry: false });
  if (!st) throw new UsageError(`${path}: no such file`);
  if (!st.isFile()) throw new UsageError(`${path} is not a file (a folder or a device cannot be sent)`);
  return abs;
}

export async function sendFile(to: string, path: string, opts: SendFileOptions): Promise<void> {
  const abs = checkedPath(path);
  const { api } = await connectNode({ command: "send" });
  try {
    const progress = opts.json ? null : new Progress();
    const watch = await Watch.start(api, (f) => progress?.show(f));
    const sent = await api.sendFile(to, abs);
    watch.track(sent);
    if (opts.idleSeconds === null || FINISHED.has(sent.state)) return void finish(sent, opts, progress, sent.state === "failed" || sent.state === "cancelled" ? 1 : 0);
    const last = await watch.until(opts.idleSeconds);
    const code = last.state === "done" ? 0 : FINISHED.has(last.state) ? 1 : EXIT_PENDING;
    if (code === EXIT_PENDING && !opts.json) {
      progress?.end();
      const why = last.state === "offered" ? `${to} has not accepted it yet` : await whyPending(api, to);
      process.stderr.write(`p2pchat: ${last.name} is not delivered after ${opts.idleSeconds} s without progress (${formatSize(last.bytes)} of ${formatSize(last.size)}): ${why}. It goes on while a node of yours runs (p2pchat files ${to}).\n`);
      throw new ExitCode(code);
    }
    finish(last, opts, progress, code);
  } finally {
    await api.close();
  }
}

function finish(f: FileInfo, opts: SendFileOptions, progress: Progress | null, code: number): void {
  progress?.end();
  if (opts.json) process.stdout.write(JSON.stringify(f, null, 2) + "\n");
  else if (code === 0 && f.group) process.stdout.write(`shared in ${f.group}: ${f.name} (${formatSize(f.size)}, ${shortId(f.id)}): members fetch it from whoever holds it\n`);
  else if (code === 0 && f.state === "done") process.stdout.write(`delivered to ${f.peer}: ${f.name} (${formatSize(f.size)}), sha256 ${f.sha256} (${shortId(f.id)})\n`);
  else if (code === 0) process.stdout.write(`offered to ${f.group ?? f.peer}: ${f.name} (${formatSize(f.size)}, ${shortId(f.id)}): it goes when they and a node of yours are online\n`);
  else process.stderr.write(`p2pchat: ${f.name} was not delivered: ${fileStateText(f)}\n`);
  if (code !== 0) throw new ExitCode(code);
}

/** The node's events about one transfer. */
class Watch {
  private id: string | null = null;
  private latest: FileInfo | null = null;
  private early: FileInfo[] = [];
  private moved = Date.now();
  private wake: (() => void) | null = null;
  private unsubscribe: () => void = () => {};

  static async start(api: NodeApi, shown: (f: FileInfo) => void): Promise<Watch> {
    const w = new Watch(shown);
    w.unsubscribe = await api.subscribe((e) => {
      if (e.type === "file") w.seen(e.file);
    });
    return w;
  }

  private constructor(private readonly shown: (f: FileInfo) => void) {}

  track(f: FileInfo): void {
    this.id = f.id;
    this.latest = f;
    for (const e of this.early.splice(0)) this.seen(e);
  }

  private seen(f: FileInfo): void {
    if (this.id === null) return void this.early.push(f); // before sendFile answered
    if (f.id !== this.id) return;
    if (f.bytes !== this.latest?.bytes || f.state !== this.latest?.state) this.moved = Date.now();
    this.latest = f;
    this.shown(f);
    this.wake?.();
  }

  /** Resolves with the transfer once it is over, or once it has not moved for `idleSeconds`. */
  async until(idleSeconds: number): Promise<FileInfo> {
    try {
      while (!FINISHED.has(this.latest!.state) && Date.now() - this.moved < idleSeconds * 1000) {
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, Math.max(10, this.moved + idleSeconds * 1000 - Date.now()));
          this.wake = () => {
            clearTimeout(t);
            resolve();
          };
        });
        this.wake = null;
      }
      return this.latest!;
    } finally {
      this.unsubscribe();
    }
  }
}

/** A bar redrawn in place on a terminal; a line per 10% on a pipe. */
class Progress {
  private readonly tty = Boolean(process.stdout.isTTY);
  private tenth = -1;
  private drawn = false;

  show(f: FileInfo): void {
    if (FINISHED.has(f.state)) return;
    if (this.tty) {
      process.stdout.write(`\r\x1b[K${f.name} ${f.state === "sending" ? progressBar(f) : fileStateText(f)}`);
      this.drawn = true;
      return;
    }
    const tenth = f.size === 0 ? 10 : Math.floor((f.bytes / f.size) * 10);
    if (tenth <= this.tenth || f.state !== "sending") return;
    this.tenth = tenth;
    process.stdout.write(`${f.name}: ${tenth * 10}% (${formatSize(f.bytes)} of ${formatSize(f.size)})\n`);
  }

  end(): void {
    if (this.drawn) process.stdout.write("\r\x1b[K");
    this.drawn = false;
  }
}
