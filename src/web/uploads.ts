// A file the page sends: the browser's bytes streamed to a file of their
// own in the home, HOME/uploads/RANDOM/NAME (the folder 0700, the file 0600,
// NAME the browser's name made safe by domain/file-name.ts), never held in
// memory, then offered through the `sendFile` operation as `send --file`
// does. The node reads the file from there until the transfer needs it no
// more: a contact's copy goes once the transfer is over (done, failed,
// cancelled); a group's stays, since members fetch it from whoever holds it
// for as long as the group lasts. `.transfer` beside the file names its
// transfer, so copies an earlier run left are cleared when the page starts.
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, statfsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { NodeEvent } from "../control/api.ts";
import type { OpName } from "../control/ops.ts";
import { FINISHED, formatSize, type FileInfo } from "../domain/file-transfer.ts";
import { safeFileName } from "../domain/file-name.ts";
import { childLogger } from "../log.ts";
import { declaredLength } from "./body.ts";
import { fail, failWith, json } from "./respond.ts";

const log = childLogger("web");

export const UPLOADS_DIR = "uploads";
/** The largest file the page takes unless told otherwise (`send NAME --file PATH` sends any size). */
export const MAX_UPLOAD = 16 * 1024 ** 3;
/** Room left on the home's disk after an upload: the database and the node's own files need it. */
const DISK_SPARE = 256 * 1024 ** 2;
/** Names the transfer beside the file (a safe name never starts with a dot, so it is never the file's). */
const MARK = ".transfer";

export interface UploadDeps {
  home: string;
  run(op: OpName, args: unknown): Promise<unknown>;
  subscribe(listener: (event: NodeEvent) => void): () => void;
  /** Bytes an upload may hold. */
  maxBytes: number;
}

export class Uploads {
  /** Transfer id -> its staged folder, while the transfer may still read it. */
  private readonly staged = new Map<string, string>();
  private readonly root: string;
  private readonly unsubscribe: () => void;

  constructor(private readonly d: UploadDeps) {
    this.root = join(d.home, UPLOADS_DIR);
    this.unsubscribe = d.subscribe((e) => {
      if (e.type === "file" && !e.progress) this.settled(e.file);
    });
  }

  /** The copies an earlier run left: kept for a transfer still open (or a group's), cleared otherwise. */
  async sweep(): Promise<void> {
    let names: string[];
    try {
      names = readdirSync(this.root);
    } catch {
      return; // none yet
    }
    for (const name of names) {
      const dir = join(this.root, name);
      let id: string;
      try {
        id = readFileSync(join(dir, MARK), "utf8").trim();
      } catch {
        // Never offered: an upload cut short when the node stopped.
        this.clear(dir);
        continue;
      }
      const f = (await this.d.run("file", { id }).catch(() => null)) as FileInfo | null;
      if (f && (f.group || !FINISHED.has(f.state))) this.staged.set(f.id, dir);
      else this.clear(dir);
    }
  }

  /**
   * POST /api/upload?to=NAME&name=FILE, the file's bytes as the body: staged,
   * then offered to NAME (a contact, or '#group'). The reply is the transfer
   * (`{ result: FileInfo }`) or why not; nothing stays staged on a refusal.
   */
  async receive(req: Request, url: URL): Promise<Response> {
    const to = url.searchParams.get("to");
    const wire = url.searchParams.get("name");
    if (!to || wire === null) return fail(400, "BAD_REQUEST", "POST /api/upload?to=NAME&name=FILE with the file's bytes as the body");
    const name = safeFileName(wire);
    const max = this.d.maxBytes;
    const tooLarge = (size: string) =>
      fail(413, "TOO_LARGE", `${name} is ${size}: the page sends files of at most ${formatSize(max)} (p2pchat send ${to} --file PATH sends any size)`);
    const declared = declaredLength(req);
    if (declared > max) return tooLarge(Number.isFinite(declared) ? formatSize(declared) : "too large");
    const room = freeBytes(this.d.home) - DISK_SPARE;
    if (declared > room) return fail(507, "NO_SPACE", `${name} is ${formatSize(declared)}, but the disk that holds ${this.d.home} has ${formatSize(Math.max(0, room))} to spare`);
    mkdirSync(this.root, { recursive: true, mode: 0o700 });
    const dir = join(this.root, Bun.randomUUIDv7());
    mkdirSync(dir, { mode: 0o700 });
    const path = join(dir, name);
    let offered = false;
    try {
      const got = await this.stage(req, path, Math.min(max, room));
      if (got === "too large" && room < max) return fail(507, "NO_SPACE", `${name} does not fit: the disk that holds ${this.d.home} had ${formatSize(Math.max(0, room))} to spare`);
      if (got === "too large") return tooLarge(`over ${formatSize(max)}`);
      if (req.headers.has("content-length") && got !== declared) return fail(400, "UPLOAD_CUT", `${name} came in cut short (${got} of ${declared} bytes): try again`);
      const f = (await this.d.run("sendFile", { peer: to, path })) as FileInfo;
      writeFileSync(join(dir, MARK), f.id, { mode: 0o600 });
      offered = true;
      if (!f.group && FINISHED.has(f.state)) this.clear(dir);
      else this.staged.set(f.id, dir);
      return json({ result: f });
    } catch (err) {
      return failWith(err);
    } finally {
      if (!offered) this.clear(dir);
    }
  }

  stop(): void {
    this.unsubscribe();
  }

  /** Streams the body to `path` (made 0600 first), a chunk at a time; its size, or "too large" past `max`. */
  private async stage(req: Request, path: string, max: number): Promise<number | "too large"> {
    closeSync(openSync(path, "wx", 0o600));
    const sink = Bun.file(path).writer();
    let size = 0;
    try {
      if (!req.body) return 0;
      for await (const chunk of req.body) {
        size += chunk.byteLength;
        if (size > max) return "too large";
        sink.write(chunk);
        // What waits for the disk stays one chunk: a slow disk slows the upload, not the memory.
        await sink.flush();
      }
      return size;
    } finally {
      await sink.end();
    }
  }

  /** A transfer changed: the copy it read from goes once it is over (a group's stays). */
  private settled(f: FileInfo): void {
    const dir = this.staged.get(f.id);
    if (!dir || f.group || !FINISHED.has(f.state)) return;
    this.staged.delete(f.id);
    this.clear(dir);
  }

  private clear(dir: string): void {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch (err) {
      log.warn(`cannot remove ${dir}: ${(err as Error).message}`);
    }
  }
}

/** Bytes free for us on the disk that holds `dir` (Infinity when the system does not say). */
function freeBytes(dir: string): number {
  try {
    const s = statfsSync(dir);
    return Number(s.bavail) * Number(s.bsize);
  } catch {
    return Infinity;
  }
}
