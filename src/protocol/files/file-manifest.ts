// A file's manifest: the SHA-256 of each fixed-size chunk, in order, and the
// root that binds them to the file's size and chunk size. The offer carries
// the root, so a manifest fetched in pieces (from anyone) is believed only
// once its hashes add up to it, and each chunk only once it hashes to its
// entry: a receiver never keeps a byte it has not checked (Cwtch's manifests
// of chunk hashes; iroh-blobs verifies each range against a root the same way,
// with a tree where we keep a flat list a single pass can check).
//
// Two kinds of list. "chunk" (v1): entry i is the SHA-256 of chunk i alone.
// "prefix" (v2, to peers whose hello lists FILES_PREFIX_CAP): entry i is the
// SHA-256 of the file's first bytes up to the end of chunk i, so the last
// entry is the whole file's SHA-256. A receiver of a prefix list keeps one
// running SHA-256 over what it verified, and each chunk is checked by the
// digest of a copy of it: one pass over the bytes checks each chunk and the
// whole file, where a chunk list takes two (each chunk, then the whole). A
// bad chunk is still named exactly (the one whose prefix digest is wrong,
// all before it being right). The roots' domain tags differ, so a list adds
// up to an offer's root as one kind only: the root says which it is.
import { HASH_BYTES } from "./file-frames.ts";

export type ManifestKind = "chunk" | "prefix";

const DOMAINS: Record<ManifestKind, Uint8Array> = {
  chunk: new TextEncoder().encode("p2pchat file manifest v1\0"),
  prefix: new TextEncoder().encode("p2pchat file manifest v2 prefix\0"),
};

/** Chunks of a file of `size` bytes (an empty file has none). */
export function chunkCount(size: number, chunkSize: number): number {
  return Math.ceil(size / chunkSize);
}

/** Bytes of chunk `index` (the last one may be short). */
export function chunkLength(size: number, chunkSize: number, index: number): number {
  return Math.max(0, Math.min(chunkSize, size - index * chunkSize));
}

/** The SHA-256 of one chunk's bytes. */
export function chunkHash(data: Uint8Array): Uint8Array {
  return new Bun.CryptoHasher("sha256").update(data).digest() as Uint8Array;
}

/** Adds up a manifest's hashes, in order, to its root: domain tag (the kind's), size (u64), chunk size (u32), then each hash. */
export class RootHasher {
  private readonly h = new Bun.CryptoHasher("sha256");
  private n = 0;

  constructor(
    readonly size: number,
    readonly chunkSize: number,
    readonly kind: ManifestKind = "chunk",
  ) {
    const head = Buffer.alloc(12);
    head.writeUInt32BE(Math.floor(size / 2 ** 32), 0);
    head.writeUInt32BE(size >>> 0, 4);
    head.writeUInt32BE(chunkSize, 8);
    this.h.update(DOMAINS[kind]).update(head);
  }

  /** Hashes added so far. */
  get added(): number {
    return this.n;
  }

  /** One or more 32-byte hashes, back to back, the next in order. */
  add(hashes: Uint8Array): void {
    if (hashes.length % HASH_BYTES !== 0) throw new Error("chunk hashes come in 32-byte pieces");
    this.h.update(hashes);
    this.n += hashes.length / HASH_BYTES;
  }

  /** The root, lowercase hex. */
  hex(): string {
    return this.h.digest("hex");
  }
}
