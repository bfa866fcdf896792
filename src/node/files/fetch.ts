// One file coming in: its manifest first (checked against the offer's
// root), then its chunks, a bounded window asked of each source at a time,
// each handed to the writer with its manifest entry, which checks it (on the
// file thread) and writes it at its place in the partial file; a chunk
// counts as verified only once the writer says it matched. What is written
// is fsync'd, then recorded as verified, every few MiB or second: a crash of
// either side loses at most what was not recorded yet, and the transfer
// resumes from the rest. A chunk that does not match is asked for again; a
// source whose data never matches is given up on (the only one: the transfer
// fails, saying why). Once every chunk is here the whole file's SHA-256 is
// checked, and only then is it given its name in the download folder.
// Against a prefix manifest (file-manifest.ts; its root says it is one) a
// chunk is verified only once every chunk before it is, so what is verified
// is always a prefix of the file, and the writer's running hash over it
// checks each chunk and, at the end, the whole file in one pass.
import { HASH_BYTES, type FileRange } from "../../protocol/files/file-frames.ts";
import { chunkCount, chunkLength, type ManifestKind } from "../../protocol/files/file-manifest.ts";
import type { FileErrorCode } from "../../protocol/protocol-error.ts";
import type { TransferRow } from "../../store/store.ts";
import { Asks } from "./asks.ts";
import { MAX_BACKLOG, type FetchLimits } from "./fetch-limits.ts";
import type { Source } from "./file-link.ts";

export { FETCH_LIMITS, type FetchLimits } from "./fetch-limits.ts";
import { ManifestFile } from "./manifest-file.ts";
import { PartFile } from "./part-file.ts";
import type { PartWriter } from "./part-writer.ts";
import { RangeSet } from "./ranges.ts";

export type FetchOutcome = { ok: true; path: string } | { ok: false; code: FileErrorCode; reason: string };

export interface FetchDeps {
  limits: FetchLimits;
  /** Writes the partial file (on the file thread when there is one). */
  writer: PartWriter;
  /** Verified and fsync'd: record it (resolves once committed). */
  record(verified: string, bytes: number): Promise<void>;
  /** Done (saved at `path`) or failed: the engine records it and tells the sender. */
  finished(outcome: FetchOutcome): void;
  /** A source never sent data that matches: left out from now on (for a group's file, others may have it). */
  giveUp(source: Source, reason: string): void;
}

export class Fetch {
  readonly chunks: number;
  /** Written and checked (some perhaps not fsync'd yet). */
  readonly verified: RangeSet;
  /** Handed to the writer and not checked yet, with the source each came from. */
  private readonly checking = new Map<number, Source>();
  /** Fsync'd and recorded. */
  private durable: RangeSet;
  private unsyncedBytes = 0;
  private readonly asks: Asks;
  /** Hash failures per chunk and source. */
  private readonly tries = new Map<string, number>();
  private readonly manifest: ManifestFile;
  /** What the manifest's hashes are, once it is complete and adds up to the offer. */
  private kind: ManifestKind | null = null;
  private readonly part: PartFile;
  private readonly writer: PartWriter;
  /** The writer holds the file open (it closes when nothing moves). */
  private writing = false;
  private syncing: Promise<void> | null = null;
  private lastSync = Date.now();
  private finishing = false;
  private stopped = false;

  constructor(
    readonly row: TransferRow,
    manifestPath: string,
    partPath: string,
    readonly downloads: string,
    private readonly d: FetchDeps,
  ) {
    this.chunks = chunkCount(row.size, row.chunkSize);
    this.asks = new Asks(d.limits.stallMs);
    this.durable = RangeSet.parse(row.verified);
    this.part = new PartFile(partPath);
    this.writer = d.writer;
    this.manifest = new ManifestFile(manifestPath, this.chunks, true);
    // A manifest left by a crash is believed only if it adds up; else fetched again.
    if (this.manifest.complete) {
      this.kind = this.checkManifest();
      if (!this.kind) this.manifest.reset();
    }
    // What the database says is verified is on the disk (it was fsync'd first); a lost part file means starting over.
    if (this.durable.size > 0 && !this.part.exists()) this.durable.clear();
    // Against a prefix manifest only a prefix can be verified (the running hash goes on from its end).
    if (this.kind === "prefix" && this.durable.size !== this.durable.prefix) this.durable = RangeSet.parse(this.durable.prefix > 0 ? `0-${this.durable.prefix - 1}` : "");
    this.verified = RangeSet.parse(this.durable.toString());
    this.writer.onChecked = (i, ok) => this.checked(i, ok);
    if (this.kind === "prefix") this.writer.usePrefix(() => this.verified.prefix);
  }

  get bytes(): number {
    return this.bytesOf(this.verified);
  }

  /** Whether it is moving: something asked and not arrived, or a source to ask. */
  get moving(): boolean {
    return this.asks.moving(Date.now());
  }

  addSource(s: Source): void {
    this.asks.add(s);
    this.pump();
  }

  /** The source's link is gone: what it was asked goes to another, or waits for it to come back. */
  dropSource(s: Source): void {
    this.asks.drop(s);
    this.pump();
  }

  /** Asks for the manifest, or fills each source's window with chunks not here and not asked. */
  pump(): void {
    if (this.stopped || this.finishing) return;
    const now = Date.now();
    if (!this.manifest.complete) {
      this.asks.manifestSource(now)?.wantManifest(this.row.id, this.manifest.held, this.chunks - this.manifest.held);
      return;
    }
    if (this.verified.size === this.chunks) return void this.finish();
    if (this.writer.backlog > MAX_BACKLOG) return; // the disk is behind: asked again when it drains
    for (const s of this.asks.sources) {
      if (!this.asks.usable(s, now)) continue;
      const inFlight = this.asks.inFlight(s);
      // Asked again once half the window has arrived: a want per few chunks, not one per chunk.
      if (inFlight > this.d.limits.windowChunks / 2) continue;
      let room = this.d.limits.windowChunks - inFlight;
      const ranges: FileRange[] = [];
      let i = this.verified.nextMissing(0, this.chunks);
      while (room > 0 && i >= 0) {
        if (!this.checking.has(i) && this.asks.mayAsk(i, s)) {
          this.asks.ask(i, s, now);
          const last = ranges.at(-1);
          if (last && last.from + last.count === i) last.count++;
          else ranges.push({ from: i, count: 1 });
          room--;
        }
        i = this.verified.nextMissing(i + 1, this.chunks);
      }
      s.want(this.row.id, ranges);
    }
  }

  onManifest(s: Source, from: number, hashes: Uint8Array): void {
    if (!this.asks.manifestFrom(s, Date.now()) || !this.manifest.append(from, hashes)) return;
    if (!this.manifest.complete) return;
    this.asks.manifestDone();
    this.kind = this.checkManifest();
    if (!this.kind) {
      this.manifest.reset();
      this.d.giveUp(s, `${s.label}'s list of chunk hashes does not add up to the file it offered`);
      return;
    }
    if (this.kind === "prefix") this.writer.usePrefix(() => this.verified.prefix);
    this.pump();
  }

  /** The complete manifest's kind when it adds up to the offer's root (a prefix list's last entry is the whole file's SHA-256 offered), else null. */
  private checkManifest(): ManifestKind | null {
    const kind = this.manifest.kindFor(this.row.root, this.row.size, this.row.chunkSize);
    if (kind !== "prefix" || this.chunks === 0) return kind;
    return Buffer.from(this.manifest.hashOf(this.chunks - 1)).toString("hex") === this.row.sha256 ? kind : null;
  }

  onChunk(s: Source, index: number, data: Uint8Array): void {
    if (this.stopped || !this.asks.take(index, s)) return; // never asked of it: a peer cannot push bytes to the disk
    if (data.length !== chunkLength(this.row.size, this.row.chunkSize, index)) return this.bad(s, index);
    const expected = this.manifest.hashOf(index);
    if (expected.length !== HASH_BYTES) return this.bad(s, index);
    this.checking.set(index, s);
    this.writing = true;
    this.writer.write(index, data, expected); // data is the writer's now; its verdict comes to checked()
    this.pump();
  }

  /** The writer's verdict on a chunk handed over: verified and written, or fetched again. */
  private checked(index: number, ok: boolean): void {
    const s = this.checking.get(index);
    if (!s) return;
    this.checking.delete(index);
    if (!ok) {
      if (!this.stopped) this.bad(s, index);
      return;
    }
    this.verified.add(index);
    this.unsyncedBytes += chunkLength(this.row.size, this.row.chunkSize, index);
    if (this.stopped) return; // stop() syncs what is told meanwhile
    if (this.unsyncedBytes >= this.d.limits.syncBytes) void this.sync();
    this.pump();
  }

  /** The source does not hold these (yet): ask another. */
  onMissing(s: Source, ranges: FileRange[]): void {
    this.asks.lacks(s, ranges, Date.now());
    this.pump();
  }

  /** Once a second: records what is written, and leaves a source that sends nothing for a while. */
  tick(now: number): void {
    if (this.stopped) return;
    if (this.unsyncedBytes > 0 && now - this.lastSync >= this.d.limits.syncMs) void this.sync();
    const late = this.asks.tick(now);
    // Nothing moves: let the file go until something does.
    if (!this.moving && this.writing && this.checking.size === 0 && this.unsyncedBytes === 0 && !this.syncing) {
      this.writing = false;
      void this.writer.close().catch(() => {});
    }
    if (late || !this.asks.anyStalled) this.pump();
  }

  /** The engine stops (or the transfer was cancelled): what is written is synced first when asked. */
  async stop(opts: { sync: boolean; remove: boolean }): Promise<void> {
    this.stopped = true;
    // Chunks still being checked: their verdicts first (the writer's sync waits for them), so what matched is recorded.
    if (opts.sync && this.checking.size > 0) await this.writer.sync().catch(() => {});
    if (opts.sync && this.unsyncedBytes > 0) await this.sync().catch(() => {});
    await this.syncing?.catch(() => {});
    await this.writer.close().catch(() => {});
    this.manifest.close();
    if (opts.remove) {
      this.part.remove();
      this.manifest.remove();
    }
  }

  /** The partial file (and the manifest, unless it is kept to serve a group's members), once the outcome is recorded. */
  removePart(keepManifest: boolean): void {
    this.part.remove();
    if (keepManifest) this.manifest.close();
    else this.manifest.remove();
  }

  /** What a group member may fetch from us while we fetch it too: the chunks on the disk so far. */
  held(): { manifest: ManifestFile; holds: (i: number) => boolean } | null {
    if (!this.manifest.complete || this.stopped) return null;
    return { manifest: this.manifest, holds: (i) => this.durable.has(i) };
  }

  private bad(s: Source, index: number): void {
    const key = `${index} ${s.peerId}`;
    const n = (this.tries.get(key) ?? 0) + 1;
    this.tries.set(key, n);
    if (n >= this.d.limits.maxTries) {
      this.asks.drop(s);
      this.d.giveUp(s, `${s.label}'s data for chunk ${index} did not match its hash ${n} times`);
      return;
    }
    this.pump(); // asked again
  }

  /** Fsyncs what is written, then records it; one at a time. */
  private sync(): Promise<void> {
    if (this.syncing) return this.syncing;
    const run = async () => {
      while (this.unsyncedBytes > 0) {
        const batch = RangeSet.parse(this.verified.toString());
        this.unsyncedBytes = 0;
        this.lastSync = Date.now();
        await this.writer.sync();
        this.durable.merge(batch);
        await this.d.record(this.durable.toString(), this.bytesOf(this.durable));
      }
    };
    this.syncing = run().finally(() => (this.syncing = null));
    return this.syncing;
  }

  /** Every chunk is here: synced, the whole file checked, then named. */
  private async finish(): Promise<void> {
    if (this.finishing) return;
    this.finishing = true;
    try {
      await this.sync();
      const sha = await this.writer.finish();
      await this.writer.close();
      if (this.stopped) return;
      if (sha !== this.row.sha256) {
        this.part.remove();
        this.manifest.remove();
        return this.d.finished({ ok: false, code: "FILE_CORRUPT", reason: `the file's SHA-256 is ${sha.slice(0, 12)}..., not the ${this.row.sha256.slice(0, 12)}... offered: the sender's data and its hash disagree` });
      }
      const path = this.part.saveAs(this.downloads, this.row.name);
      this.manifest.close();
      this.d.finished({ ok: true, path });
      // (The engine removes the partial file once the database says where it went: removePart().)
    } catch (err) {
      this.finishing = false;
      this.d.finished({ ok: false, code: "FILE_UNAVAILABLE", reason: `cannot save it: ${(err as Error).message}` });
    }
  }

  private bytesOf(set: RangeSet): number {
    const n = set.size;
    if (n === 0) return 0;
    const lastShort = this.chunks > 0 && set.has(this.chunks - 1) ? this.row.chunkSize - chunkLength(this.row.size, this.row.chunkSize, this.chunks - 1) : 0;
    return n * this.row.chunkSize - lastShort;
  }
}

