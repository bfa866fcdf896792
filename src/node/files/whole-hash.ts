// The whole file's SHA-256, checked before a download is done. Chunks that
// arrive in order are hashed as they land (no second read of the file);
// from the first one out of order (asked again, or a run resumed after a
// restart) the rest is read back from the partial file at the end, a chunk
// at a time.
import { chunkCount, chunkLength } from "../../protocol/files/file-manifest.ts";
import type { PartFile } from "./part-file.ts";

export class WholeHash {
  private readonly h = new Bun.CryptoHasher("sha256");
  /** Chunks hashed so far: 0 .. next - 1. */
  private next = 0;

  /** A verified chunk: hashed now if it is the next one. */
  inOrder(index: number, data: Uint8Array): void {
    if (index !== this.next) return;
    this.h.update(data);
    this.next++;
  }

  /** Hashes what is left from the partial file (yielding between chunks), then the digest, hex. */
  async finish(part: PartFile, size: number, chunkSize: number): Promise<string> {
    const n = chunkCount(size, chunkSize);
    const buf = Buffer.allocUnsafe(chunkSize);
    for (let i = this.next; i < n; i++) {
      const len = chunkLength(size, chunkSize, i);
      if (part.read(buf, i * chunkSize, len) !== len) throw new Error(`the partial file ${part.path} is shorter than it should be`);
      this.h.update(buf.subarray(0, len));
      this.next = i + 1;
      if (i % 16 === 15) await Bun.sleep(0); // let the node answer meanwhile
    }
    return this.h.digest("hex");
  }
}
