// The bytes of a file while it arrives: <download folder>/.partial/<id>.part,
// written at each chunk's place as it is verified, fsync'd before the chunk
// is recorded as verified (so a crash never leaves a chunk the database
// believes and the disk lost), and moved to its name, never over another
// file, once the whole file's SHA-256 matches.
import { existsSync, fstatSync, fsync, linkSync, mkdirSync, openSync, readSync, renameSync, statSync, writeSync } from "node:fs";
import { dirname, join } from "node:path";
import { numberedName } from "../../domain/file-name.ts";
import { OwnedFile } from "./owned-file.ts";

export const PARTIAL_DIR = ".partial";

export function partPath(downloads: string, id: string): string {
  return join(downloads, PARTIAL_DIR, `${id}.part`);
}

export class PartFile extends OwnedFile {
  exists(): boolean {
    return this.fd >= 0 || existsSync(this.path);
  }

  /** Opens (creating the file and its folder the first time). */
  open(): void {
    if (this.fd >= 0) return;
    mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
    this.fd = openSync(this.path, existsSync(this.path) ? "r+" : "w+", 0o600);
  }

  /** Writes `data` at `offset` (into the page cache: sync() makes it durable). */
  write(offset: number, data: Uint8Array): void {
    this.open();
    let done = 0;
    while (done < data.length) done += writeSync(this.fd, data, done, data.length - done, offset + done);
  }

  /** Reads `length` bytes at `offset` into `buf`; returns how many it got. */
  read(buf: Uint8Array, offset: number, length: number): number {
    this.open();
    return readSync(this.fd, buf, 0, length, offset);
  }

  /** Everything written so far is on the disk once this resolves (fsync on a thread: the node keeps going). */
  sync(): Promise<void> {
    if (this.fd < 0) return Promise.resolve();
    const fd = this.fd;
    return new Promise((resolve, reject) => fsync(fd, (err) => (err ? reject(err) : resolve())));
  }

  /**
   * Gives the finished file its name in `folder`: `name`, or "name (1)" and
   * on when that exists. A hard link fails rather than replace a file, so
   * no file is ever overwritten, even by one made meanwhile; the partial
   * file stays until the caller has recorded where it went (remove()), and
   * a name found linked to it already (a crash between the two) is taken
   * again, not doubled. A file system without hard links gets a look, then
   * a rename. Returns the path.
   */
  saveAs(folder: string, name: string): string {
    this.open(); // an empty file was never written
    const self = fstatSync(this.fd);
    this.close();
    mkdirSync(folder, { recursive: true, mode: 0o700 });
    for (let n = 0; ; n++) {
      const target = join(folder, numberedName(name, n));
      try {
        linkSync(this.path, target);
        return target;
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === "EEXIST") {
          const other = statSync(target, { throwIfNoEntry: false });
          if (other && other.ino === self.ino && other.dev === self.dev) return target;
          continue;
        }
        if (code !== "EPERM" && code !== "ENOTSUP" && code !== "EXDEV" && code !== "EOPNOTSUPP") throw err;
        if (existsSync(target)) continue;
        renameSync(this.path, target);
        return target;
      }
    }
  }
}
