// What a link asked of us: manifest pieces and chunks of files we hold (the
// file we offered, or, in a group, one we fetched). Served from the disk a
// few chunks at a time, only while the link's bulk queue is short (writer.ts:
// it waits behind chat), so memory holds at most the chunks being read and
// the few queued, whatever the file's size. A file that changed since it was
// offered fails here, with the reason, rather than at the receiver (each
// Servable says how it checks: its size and time, or the chunk's hash).
import { MAX_MANIFEST_PIECE, type FileAnswerFrame, type FileRange } from "../../protocol/files/file-frames.ts";
import { giveBackBigBuffer } from "../../protocol/big-buffers.ts";
import { chunkFrame, encodeFileFrame } from "../../protocol/files/file-codec.ts";
import { chunkLength } from "../../protocol/files/file-manifest.ts";
import type { FileLink } from "./file-link.ts";
import type { FileHandles } from "./handles.ts";
import type { ManifestFile } from "./manifest-file.ts";

/** Stop reading chunks for a link once this much waits in its bulk queue. */
export const BULK_HIGH = 1024 * 1024;
/** Chunks one link may have asked for and not been sent (a receiver asks a window of 32). */
export const MAX_QUEUED_CHUNKS = 256;
/** Reads at once for one link: the disk and the thread pool work while the last one is encrypted. */
export const READ_AHEAD = 2;
/**
 * Chunks one read takes at most (one readv into their frames, when they
 * follow each other): each read is a trip to the thread pool and back, which
 * cost the sender more than a tenth of its time when made per chunk.
 */
export const READ_BATCH = 4;

/** A file we can serve chunks of. */
export interface Servable {
  id: string;
  size: number;
  chunkSize: number;
  chunks: number;
  /** The file the chunks are read from (at chunk * chunkSize). */
  path: string;
  manifest: ManifestFile;
  /** Whether we hold chunk `i` (verified): a member still fetching holds some. */
  holds(i: number): boolean;
  /** Why chunk `i` as read must not go (the file changed since it was offered), or null. */
  check(i: number, data: Uint8Array): string | null;
}

export interface ServerDeps {
  handles: FileHandles;
  /** The file `id` as `link` may have it, or null (unknown to us, or not its to ask for). */
  lookup(link: FileLink, id: string): Servable | null | Promise<Servable | null>;
  /** What to tell `link` asking for a file we do not serve it (cancelled, failed, or none of ours). */
  refusal(link: FileLink, id: string): Promise<FileAnswerFrame>;
  /** A chunk went out (progress). */
  served(id: string, index: number, bytes: number): void;
  /** The file we serve no longer matches what was offered (changed, shortened, gone). */
  broken(id: string, reason: string): void;
}

type Job = { id: string; file?: Servable | null } & ({ manifest: true; from: number; count: number } | { manifest: false; ranges: FileRange[] });

/** One link's queue of what it asked. */
export class ServeQueue {
  private readonly jobs: Job[] = [];
  private queued = 0;
  private pumping = false;
  private again = false;
  /** Chunks being read now (or read and waiting for their turn to go). */
  private reading = 0;
  /** The last chunk's turn on the link: chunks read at once still go in the order asked. */
  private lastSent: Promise<void> = Promise.resolve();

  constructor(
    private readonly link: FileLink,
    private readonly d: ServerDeps,
  ) {}

  manifestWanted(id: string, from: number, count: number): void {
    if (this.jobs.some((j) => j.manifest && j.id === id)) return; // asked again: the one queued answers
    this.jobs.push({ id, manifest: true, from, count });
    this.pump();
  }

  chunksWanted(id: string, ranges: FileRange[]): void {
    const kept: FileRange[] = [];
    for (const r of ranges) {
      const count = Math.min(r.count, MAX_QUEUED_CHUNKS - this.queued);
      if (count <= 0) break; // more than a receiver's window: the rest is dropped, it asks again
      kept.push({ from: r.from, count });
      this.queued += count;
    }
    if (kept.length > 0) this.jobs.push({ id, manifest: false, ranges: kept });
    this.pump();
  }

  /** Forgets what was asked of a file (cancelled, failed). */
  drop(id: string): void {
    for (let i = this.jobs.length - 1; i >= 0; i--) {
      const j = this.jobs[i]!;
      if (j.id !== id) continue;
      if (!j.manifest) this.queued -= j.ranges.reduce((n, r) => n + r.count, 0);
      this.jobs.splice(i, 1);
    }
  }

  /** Reads and sends while the link's bulk queue has room; called again when it drains and when a read ends. */
  pump(): void {
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = true;
    void this.fill().finally(() => {
      this.pumping = false;
      if (this.again) {
        this.again = false;
        this.pump();
      }
    });
  }

  private async fill(): Promise<void> {
    while (this.link.isOpen && this.reading < READ_AHEAD && this.link.link.bulkQueuedBytes < BULK_HIGH) {
      const job = this.jobs[0];
      if (!job) return;
      try {
        await this.serve(job);
      } catch (err) {
        // Its manifest gone or closed under it (the transfer ended meanwhile): nothing more of it goes.
        this.drop(job.id);
        this.link.send({ type: "file-answer", id: job.id, answer: "failed", code: "FILE_UNAVAILABLE", reason: `cannot read it: ${(err as Error).message}` });
      }
    }
  }

  /** One step of the job at the front: a manifest piece, or one read of the next chunks started. */
  private async serve(job: Job): Promise<void> {
    if (job.file === undefined) job.file = await this.d.lookup(this.link, job.id);
    if (this.jobs[0] !== job) return; // dropped meanwhile
    const file = job.file;
    if (!file) {
      this.drop(job.id);
      this.link.send(await this.d.refusal(this.link, job.id));
      return;
    }
    if (job.manifest) return this.sendManifest(job, file);
    const index = this.next(job);
    if (index >= file.chunks) return;
    if (!file.holds(index)) return this.link.send({ type: "file-missing", id: file.id, ranges: [{ from: index, count: 1 }] });
    // The chunks that follow it in the same range, held and in the file, in the same read.
    const batch = [index];
    while (batch.length < READ_BATCH && this.jobs[0] === job && job.ranges[0]?.from === index + batch.length && index + batch.length < file.chunks && file.holds(index + batch.length)) batch.push(this.next(job));
    this.reading++;
    // Read now, sent in turn: the receiver checks chunks against a running hash as they land in order (out of order they wait).
    const read = this.readChunks(file, batch);
    const turn = this.lastSent.then(() => read).then((frames) => {
      for (const [k, frame] of (frames ?? []).entries()) {
        if (!this.link.isOpen) return;
        this.link.link.sendBulk(frame, () => giveBackBigBuffer(frame.buffer as ArrayBuffer));
        this.d.served(file.id, batch[k]!, chunkLength(file.size, file.chunkSize, batch[k]!));
      }
    });
    this.lastSent = turn.catch(() => {});
    void turn
      .catch((err) => this.fail(file, `cannot read ${file.path}: ${(err as Error).message}`))
      .finally(() => {
        this.reading--;
        this.pump();
      });
  }

  /** The next chunk a job asks for, taken off it (and the job off the queue when that was its last). */
  private next(job: Extract<Job, { manifest: false }>): number {
    const r = job.ranges[0]!;
    const index = r.from;
    r.from++;
    r.count--;
    this.queued--;
    if (r.count === 0) job.ranges.shift();
    if (job.ranges.length === 0) this.jobs.shift();
    return index;
  }

  private sendManifest(job: Extract<Job, { manifest: true }>, file: Servable): void {
    const n = Math.min(job.count, MAX_MANIFEST_PIECE, file.manifest.held - job.from);
    if (n <= 0) {
      this.jobs.shift();
      if (job.from < file.chunks) this.link.send({ type: "file-missing", id: file.id, ranges: [{ from: 0, count: Math.max(1, file.chunks) }] });
      return;
    }
    this.link.link.sendBulk(encodeFileFrame({ type: "file-manifest", id: file.id, from: job.from, hashes: file.manifest.read(job.from, n) }));
    job.from += n;
    job.count -= n;
    if (job.count <= 0 || job.from >= file.chunks) this.jobs.shift();
  }

  /** Chunks `indices` (consecutive) read into their frames in one go and checked, or null (the file failed: said). */
  private async readChunks(file: Servable, indices: number[]): Promise<Buffer[] | null> {
    const frames = indices.map((i) => chunkFrame(file.id, i, chunkLength(file.size, file.chunkSize, i), true));
    const want = frames.reduce((n, f) => n + f.data.length, 0);
    let got: number;
    try {
      got = await this.d.handles.readv(file.path, frames.map((f) => f.data), indices[0]! * file.chunkSize);
    } catch (err) {
      this.fail(file, `cannot read ${file.path}: ${(err as Error).message}`);
      return null;
    }
    if (got !== want) {
      this.fail(file, `${file.path} is shorter than when it was offered`);
      return null;
    }
    for (const [k, f] of frames.entries()) {
      const changed = file.check(indices[k]!, f.data);
      if (changed) {
        this.fail(file, changed);
        return null;
      }
    }
    return frames.map((f) => f.frame);
  }

  private fail(file: Servable, reason: string): void {
    this.drop(file.id);
    this.d.broken(file.id, reason);
    // A group member's copy gone or changed: the asker finds another member.
    this.link.send({ type: "file-missing", id: file.id, ranges: [{ from: 0, count: Math.max(1, file.chunks) }] });
  }
}
