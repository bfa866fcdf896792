// A transfer's manifest on disk (<home>/files/<id>.manifest): 32-byte
// hashes, one per chunk, in order: each chunk's SHA-256, or each prefix's
// (file-manifest.ts). The sender writes it while it hashes the file it offers; a receiver appends the pieces it fetches and believes them
// only once they add up to the offer's root. Read 32 bytes at a time where a
// chunk is checked: memory does not grow with the file (a 4 GiB file's
// manifest is 512 KiB; a 1 TiB file's would be 128 MiB).
import { closeSync, fstatSync, ftruncateSync, mkdirSync, openSync, readSync, rmSync, writeSync } from "node:fs";
import { open } from "node:fs/promises";
import { dirname } from "node:path";
import { HASH_BYTES } from "../../protocol/files/file-frames.ts";
import { RootHasher, chunkCount, chunkHash, chunkLength, type ManifestKind } from "../../protocol/files/file-manifest.ts";
import { OwnedFile } from "./owned-file.ts";

/** Hashes written to the manifest file at once while hashing a file. */
const HASHES_PER_WRITE = 1024;
/** Bytes read at once while hashing a file (whole chunks, at least one). */
const READ_BLOCK = 1024 * 1024;

export interface HashedFile {
  size: number;
  sha256: string;
  root: string;
}

/**
 * Reads `source` once: its SHA-256, the manifest of `kind` (written to
 * `manifestPath`) and its root. A prefix manifest costs one SHA-256 pass
 * (each entry is the digest of a copy of the running hash), a chunk one two.
 * Asynchronous reads, a block of chunks at a time and the next block read
 * while this one is hashed: the node keeps answering while a big file is
 * hashed. Throws if the file changes size meanwhile.
 */
export async function hashFile(source: string, manifestPath: string, chunkSize: number, size: number, kind: ManifestKind = "chunk"): Promise<HashedFile> {
  const fh = await open(source, "r");
  const out = openSync(manifestPath, "w", 0o600);
  try {
    const whole = new Bun.CryptoHasher("sha256");
    const root = new RootHasher(size, chunkSize, kind);
    // Two blocks of several chunks: the next is read (on the thread pool) while this one is hashed, so the offer
    // costs the slower of reading and hashing, not both one after the other (0.5 + 0.7 ms/MB on the bench's machine).
    const perBlock = Math.max(1, Math.floor(READ_BLOCK / chunkSize));
    const blocks = [Buffer.allocUnsafe(perBlock * chunkSize), Buffer.allocUnsafe(perBlock * chunkSize)];
    const hashes = Buffer.allocUnsafe(HASHES_PER_WRITE * HASH_BYTES);
    let held = 0;
    const n = chunkCount(size, chunkSize);
    const readBlock = (b: number) => {
      const from = b * perBlock * chunkSize;
      const len = Math.min(perBlock * chunkSize, size - from);
      const done = fh.read(blocks[b % 2]!, 0, len, from).then(({ bytesRead }) => {
        if (bytesRead !== len) throw new Error(`${source} changed while it was read (it is shorter than ${size} bytes now)`);
      });
      done.catch(() => {}); // awaited below; a read still in flight when hashing fails is not an unhandled rejection
      return done;
    };
    const blockCount = Math.ceil(n / perBlock);
    let reading = blockCount > 0 ? readBlock(0) : null;
    for (let b = 0; b < blockCount; b++) {
      await reading;
      // Block b + 1 goes to the other buffer, which block b - 1 (hashed) no longer needs.
      reading = b + 1 < blockCount ? readBlock(b + 1) : null;
      const block = blocks[b % 2]!;
      for (let i = b * perBlock, end = Math.min(n, i + perBlock); i < end; i++) {
        const at = (i - b * perBlock) * chunkSize;
        const data = block.subarray(at, at + chunkLength(size, chunkSize, i));
        whole.update(data);
        hashes.set(kind === "prefix" ? (whole.copy().digest() as Uint8Array) : chunkHash(data), held * HASH_BYTES);
        if (++held === HASHES_PER_WRITE || i === n - 1) {
          const piece = hashes.subarray(0, held * HASH_BYTES);
          root.add(piece);
          writeSync(out, piece);
          held = 0;
        }
      }
    }
    if ((await fh.stat()).size !== size) throw new Error(`${source} changed while it was read (its size is not ${size} bytes now)`);
    return { size, sha256: whole.digest("hex"), root: root.hex() };
  } catch (err) {
    closeSync(out);
    rmSync(manifestPath, { force: true });
    throw err;
  } finally {
    await fh.close();
    try {
      closeSync(out);
    } catch {
      // closed above
    }
  }
}

/** An open manifest file: its hashes read (and, while it is fetched, appended) in place. */
export class ManifestFile extends OwnedFile {
  /** Hashes it holds (a fetched one: appended so far). */
  held: number;
  /** When it was last written (epoch ms): a file offered and written after this changed since. */
  readonly writtenAt: number;

  constructor(
    path: string,
    readonly chunks: number,
    create = false,
  ) {
    super(path);
    if (create) mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    this.fd = openSync(path, create ? "a+" : "r", 0o600);
    const st = fstatSync(this.fd);
    this.held = Math.floor(st.size / HASH_BYTES);
    this.writtenAt = st.mtimeMs;
  }

  get complete(): boolean {
    return this.held >= this.chunks;
  }

  /** Chunk `i`'s hash. */
  hashOf(i: number): Uint8Array {
    return this.read(i, 1);
  }

  /** Hashes `from` .. `from + count - 1`, back to back. */
  read(from: number, count: number): Uint8Array {
    const n = Math.max(0, Math.min(count, this.held - from));
    const out = Buffer.allocUnsafe(n * HASH_BYTES);
    if (n > 0 && readSync(this.fd, out, 0, out.length, from * HASH_BYTES) !== out.length) throw new Error(`${this.path} is shorter than it says`);
    return out;
  }

  /** Appends the piece that comes next (from === held); a piece out of order is not kept. Returns whether it was. */
  append(from: number, hashes: Uint8Array): boolean {
    if (from !== this.held) return false;
    const n = Math.min(hashes.length / HASH_BYTES, this.chunks - this.held);
    if (n <= 0) return false;
    writeSync(this.fd, hashes, 0, n * HASH_BYTES, this.held * HASH_BYTES);
    this.held += n;
    return true;
  }

  /** Whether the hashes add up to `root` for a file of `size` bytes in `chunkSize` chunks. */
  matches(root: string, size: number, chunkSize: number): boolean {
    return this.kindFor(root, size, chunkSize) !== null;
  }

  /** The root these hashes add up to as a list of `kind`. */
  root(kind: ManifestKind, size: number, chunkSize: number): string {
    const h = new RootHasher(size, chunkSize, kind);
    const step = 8192;
    for (let i = 0; i < this.held; i += step) h.add(this.read(i, Math.min(step, this.held - i)));
    return h.hex();
  }

  /**
   * The kind of list these hashes are, as `root` says (they add up to it as
   * that kind), or null when they add up to it as neither. One read, both
   * kinds' roots at once (an empty file's list is empty: its root says it too).
   */
  kindFor(root: string, size: number, chunkSize: number): ManifestKind | null {
    if (this.held !== this.chunks) return null;
    const chunk = new RootHasher(size, chunkSize, "chunk");
    const prefix = new RootHasher(size, chunkSize, "prefix");
    const step = 8192;
    for (let i = 0; i < this.chunks; i += step) {
      const piece = this.read(i, Math.min(step, this.chunks - i));
      chunk.add(piece);
      prefix.add(piece);
    }
    if (chunk.hex() === root) return "chunk";
    return prefix.hex() === root ? "prefix" : null;
  }

  /** Forgets what was fetched (it did not add up): fetched again from scratch. */
  reset(): void {
    ftruncateSync(this.fd, 0);
    this.held = 0;
  }

}
