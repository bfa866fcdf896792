// A download checked against a prefix manifest (file-manifest.ts): one
// running SHA-256 over the chunks verified so far, in order. A chunk that is
// next is checked by the digest of a copy of that hash with the chunk added:
// it matches its entry, and the hash goes on from there, or it does not, and
// the hash stays as it was (the chunk is asked for again). A chunk that
// arrives ahead of the prefix waits here, in memory, until the ones before
// it are in (the fetch's window bounds how many: 16 of 256 KiB), then is
// checked in turn. Once every chunk is in, the hash is the whole file's
// SHA-256: each byte was hashed once for both checks. Used on the file
// thread (file-worker.ts) and, without one, on the node's (part-writer.ts).

/** A chunk's verdict: `ok` when it matched its entry (then it is to be written), `known` when it was verified before (written already). */
export interface Verdict {
  index: number;
  data: Uint8Array;
  ok: boolean;
  known?: boolean;
}

/** Reads `length` bytes at `offset` of the partial file into `buf`; returns how many it got. */
export type ReadPart = (buf: Uint8Array, offset: number, length: number) => number;

export class PrefixChain {
  private hasher = new Bun.CryptoHasher("sha256");
  /** Chunks verified and hashed: 0 .. next - 1. */
  next = 0;
  /** Chunks past `next`, waiting for it: the bytes and their entry. */
  private readonly ahead = new Map<number, { data: Uint8Array; hash: Uint8Array }>();

  constructor(
    private readonly size: number,
    private readonly chunkSize: number,
  ) {}

  /** Chunks waiting for the prefix to reach them. */
  get waiting(): number {
    return this.ahead.size;
  }

  /** Chunk `index` and the prefix hash its entry says: the verdicts known now, in order (its own, and those of chunks that waited for it). */
  add(index: number, data: Uint8Array, hash: Uint8Array): Verdict[] {
    if (index < this.next) return [{ index, data, ok: true, known: true }];
    if (index > this.next) {
      const old = this.ahead.get(index);
      this.ahead.set(index, { data, hash });
      return old ? [{ index, data: old.data, ok: false }] : []; // (never asked twice at once: the older one is let go)
    }
    const out: Verdict[] = [];
    let c: { data: Uint8Array; hash: Uint8Array } | undefined = { data, hash };
    let i = index;
    while (c) {
      const ok = this.extend(c.data, c.hash);
      out.push({ index: i, data: c.data, ok });
      if (!ok) break;
      i = this.next;
      c = this.ahead.get(i);
      this.ahead.delete(i);
    }
    return out;
  }

  /**
   * Hashes chunks `next` .. `to - 1` from the partial file, where they were
   * verified before: after a restart, the verified prefix once (the hash
   * itself is not kept on the disk), or at the end what was never checked
   * (nothing, unless the fetch finished without it: the whole check fails then).
   */
  catchUp(read: ReadPart, to: number): void {
    if (this.next >= to) return;
    const buf = Buffer.allocUnsafe(this.chunkSize);
    for (; this.next < to; this.next++) {
      const len = Math.max(0, Math.min(this.chunkSize, this.size - this.next * this.chunkSize));
      if (read(buf, this.next * this.chunkSize, len) !== len) throw new Error("the partial file is shorter than it should be");
      this.hasher.update(buf.subarray(0, len));
    }
  }

  /** The SHA-256 of the chunks hashed so far, hex: the whole file's once they are all in. */
  digest(): string {
    return this.hasher.copy().digest("hex");
  }

  private extend(data: Uint8Array, hash: Uint8Array): boolean {
    const next = this.hasher.copy();
    next.update(data);
    if (!sameHash(next.copy().digest() as Uint8Array, hash)) return false;
    this.hasher = next;
    this.next++;
    return true;
  }
}

export function sameHash(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
