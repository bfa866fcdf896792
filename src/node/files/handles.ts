// Open files the server reads chunks from, kept open between chunks and
// closed when idle or when too many are open: a peer that asks for a chunk
// now and then cannot hold a file handle forever, nor many peers many.
import { open, type FileHandle } from "node:fs/promises";

/** Files open at once for serving; the least recently used closes first. */
export const MAX_OPEN = 32;
/** A file nobody read from for this long is closed. */
export const IDLE_MS = 30_000;

interface Entry {
  fh: Promise<FileHandle>;
  used: number;
  reading: number;
}

export class FileHandles {
  private readonly open = new Map<string, Entry>();

  /** Reads `into.length` bytes at `offset` of `path`; returns how many it got. */
  read(path: string, into: Uint8Array, offset: number): Promise<number> {
    return this.reading(path, async (fh) => {
      let got = 0;
      while (got < into.length) {
        const { bytesRead } = await fh.read(into, got, into.length - got, offset + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      return got;
    });
  }

  /** Reads into `into`, one after another, from `offset` of `path` (one readv, more only when it comes short); returns the bytes it got. */
  readv(path: string, into: Uint8Array[], offset: number): Promise<number> {
    if (into.length === 1) return this.read(path, into[0]!, offset);
    return this.reading(path, async (fh) => {
      const want = into.reduce((n, b) => n + b.length, 0);
      const { bytesRead } = await fh.readv(into, offset);
      let got = bytesRead;
      // Short (a signal, or the end of the file): the rest a buffer at a time, as read() does.
      let at = 0;
      for (const b of into) {
        if (got >= want) break;
        const end = at + b.length;
        while (got < end) {
          const r = await fh.read(b, got - at, end - got, offset + got);
          if (r.bytesRead === 0) return got;
          got += r.bytesRead;
        }
        at = end;
      }
      return got;
    });
  }

  /** `fn` on `path`'s open handle, which stays open while it reads (a failed read closes it). */
  private async reading<T>(path: string, fn: (fh: FileHandle) => Promise<T>): Promise<T> {
    const e = this.entry(path);
    e.reading++;
    try {
      return await fn(await e.fh);
    } catch (err) {
      this.close(path);
      throw err;
    } finally {
      e.reading--;
      e.used = Date.now();
    }
  }

  /** Closes files idle for IDLE_MS (the engine's tick). */
  sweep(now: number, idleMs = IDLE_MS): void {
    for (const [path, e] of this.open) if (e.reading === 0 && now - e.used > idleMs) this.close(path);
  }

  get count(): number {
    return this.open.size;
  }

  close(path: string): void {
    const e = this.open.get(path);
    if (!e) return;
    this.open.delete(path);
    void e.fh.then((fh) => fh.close()).catch(() => {});
  }

  closeAll(): void {
    for (const path of [...this.open.keys()]) this.close(path);
  }

  private entry(path: string): Entry {
    let e = this.open.get(path);
    if (e) {
      // Most recently used last: the map's order is the eviction order.
      this.open.delete(path);
      this.open.set(path, e);
      return e;
    }
    if (this.open.size >= MAX_OPEN) {
      const oldest = [...this.open].find(([, x]) => x.reading === 0);
      if (oldest) this.close(oldest[0]);
    }
    e = { fh: open(path, "r"), used: Date.now(), reading: 0 };
    e.fh.catch(() => this.close(path));
    this.open.set(path, e);
    return e;
  }
}
