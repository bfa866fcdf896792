// Files we send. Offering one hashes it once (its SHA-256, the manifest of
// each prefix's, or for a group each chunk's, and the manifest's root) and
// stores the offer; the offer goes to the peer on every
// link until the peer answers for good, so a crash or a lost link on either
// side only delays it. The receiver pulls the chunks (server.ts); its last
// answer, done, is the file's ✓✓ delivered. In a group the offer is a signed
// post instead, and any member who holds the file serves it too. A peer on
// an older release (no FILES_PREFIX_CAP) is offered and served a chunk
// manifest instead, hashed the first time one needs it.
import { existsSync, mkdirSync, rmSync, statSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { NodeError } from "../../domain/node-error.ts";
import { DEFAULT_CHUNK, type FileAnswerFrame, type FileOfferFrame } from "../../protocol/files/file-frames.ts";
import { chunkCount, chunkHash, chunkLength, type ManifestKind } from "../../protocol/files/file-manifest.ts";
import { encodeFilePost } from "../../protocol/files/file-post.ts";
import type { PeerId } from "../../protocol/peer-id.ts";
import type { TransferRow } from "../../store/store.ts";
import type { FileLink } from "./file-link.ts";
import type { FilesDeps } from "./files-deps.ts";
import { ManifestFile, hashFile } from "./manifest-file.ts";
import { Rate } from "./rate.ts";
import { RangeSet } from "./ranges.ts";
import type { Servable } from "./server.ts";
import type { Live, Transfers } from "./transfers.ts";

interface OutFile {
  row: TransferRow;
  manifest: ManifestFile | null;
  /** The manifest's kind (its root says), once it is opened. */
  kind: ManifestKind | null;
  /** For a peer without FILES_PREFIX_CAP: the chunk manifest and its root, hashed when first needed. */
  legacy: Promise<{ manifest: ManifestFile; root: string }> | null;
  /** Chunks written to a link (progress: the receiver confirms only the whole). */
  served: RangeSet;
  rate: Rate;
}

export type SendTarget = { peerId: PeerId; peer: string } | { group: string };

/** Where a file's manifest lives while it is offered (and, for a group's file, while we serve it). */
export function manifestPath(home: string, id: string): string {
  return join(home, "files", `${id}.manifest`);
}

/** Where the chunk manifest of a file offered with a prefix one lives, for peers on an older release. */
export function legacyManifestPath(home: string, id: string): string {
  return join(home, "files", `${id}.chunks`);
}

export class Outgoing {
  private readonly open = new Map<string, OutFile>();

  constructor(
    private readonly d: Pick<FilesDeps, "home" | "store" | "groups">,
    private readonly rows: Transfers,
    private readonly linkOf: (peerId: PeerId) => FileLink | undefined,
  ) {}

  /** Open offers from an earlier run. */
  load(rows: readonly TransferRow[]): void {
    for (const row of rows) if (row.direction === "out" && !row.group) this.open.set(row.id, this.entry(row));
  }

  /** Hashes `path` and stores the offer; a contact's link (if up) gets it at once, a group gets a post. */
  async create(target: SendTarget, path: string): Promise<TransferRow> {
    const abs = resolve(path);
    const st = statSync(abs, { throwIfNoEntry: false });
    if (!st) throw new NodeError("BAD_FILE", `${path}: no such file`);
    if (!st.isFile()) throw new NodeError("BAD_FILE", `${path} is not a file (only files can be sent, not folders or devices)`);
    const name = basename(abs);
    const id = Bun.randomUUIDv7();
    mkdirSync(join(this.d.home, "files"), { recursive: true, mode: 0o700 });
    let hashed;
    try {
      // A group's members may be on an older release, and serve each other: a chunk manifest, as before.
      hashed = await hashFile(abs, manifestPath(this.d.home, id), DEFAULT_CHUNK, st.size, "group" in target ? "chunk" : "prefix");
    } catch (err) {
      throw new NodeError("BAD_FILE", `cannot read ${path}: ${(err as Error).message}`, { cause: err });
    }
    const now = Date.now();
    const group = "group" in target ? target.group : null;
    const row: TransferRow = {
      id,
      direction: "out",
      peerId: "peerId" in target ? target.peerId : null,
      peer: "peer" in target ? target.peer : "",
      group,
      name,
      size: hashed.size,
      sha256: hashed.sha256,
      root: hashed.root,
      chunkSize: DEFAULT_CHUNK,
      // A group's post is its delivery: members fetch from whoever holds it, we keep serving it.
      state: group ? "done" : "offered",
      bytes: group ? hashed.size : 0,
      verified: "",
      path: abs,
      error: null,
      auto: false,
      request: false,
      createdAt: now,
      updatedAt: now,
      doneAt: group ? now : null,
    };
    await this.rows.insert(row);
    if (group) {
      await this.d.groups.post(group, encodeFilePost({ id, name, size: row.size, sha256: row.sha256, root: row.root, chunkSize: row.chunkSize }));
      return row;
    }
    const f = this.entry(row);
    this.open.set(id, f);
    const fl = this.linkOf(row.peerId!);
    if (fl) this.offer(fl, f);
    return row;
  }

  /** A link to `fl`'s peer is up: every open offer to it goes again (it answers with where it stands). */
  offerTo(fl: FileLink): void {
    for (const f of this.open.values()) if (f.row.peerId === fl.peerId) this.offer(fl, f);
  }

  /** The offer as `fl` can check it: with the root of the manifest it will be served. */
  private offer(fl: FileLink, f: OutFile): void {
    const m = this.manifestFor(fl, f);
    if (!(m instanceof Promise)) return fl.send(offerFrame(f.row));
    void m
      .then((legacy) => {
        if (fl.isOpen && this.open.get(f.row.id) === f) fl.send({ ...offerFrame(f.row), root: legacy.root });
      })
      .catch((err) => this.broken(f.row.id, `cannot read ${f.row.path}: ${(err as Error).message}`));
  }

  /** The manifest `fl` is served: the offer's own, or (a prefix one to a peer without the cap) the chunk manifest, hashed the first time. */
  private manifestFor(fl: FileLink, f: OutFile): ManifestFile | Promise<{ manifest: ManifestFile; root: string }> {
    const manifest = (f.manifest ??= new ManifestFile(manifestPath(this.d.home, f.row.id), chunkCount(f.row.size, f.row.chunkSize)));
    f.kind ??= manifest.kindFor(f.row.root, f.row.size, f.row.chunkSize) ?? "chunk";
    if (f.kind === "chunk" || fl.takesPrefix) return manifest;
    return (f.legacy ??= this.hashLegacy(f));
  }

  /** The chunk manifest of a file offered with a prefix one: kept from an earlier run when whole, else hashed now (a pass over the file). */
  private async hashLegacy(f: OutFile): Promise<{ manifest: ManifestFile; root: string }> {
    const path = legacyManifestPath(this.d.home, f.row.id);
    const chunks = chunkCount(f.row.size, f.row.chunkSize);
    const kept = existsSync(path) ? new ManifestFile(path, chunks) : null;
    if (kept?.complete) return { manifest: kept, root: kept.root("chunk", f.row.size, f.row.chunkSize) };
    kept?.close();
    const hashed = await hashFile(f.row.path!, path, f.row.chunkSize, f.row.size, "chunk");
    if (hashed.sha256 !== f.row.sha256) throw new Error("it changed since it was offered");
    return { manifest: new ManifestFile(path, chunks), root: hashed.root };
  }

  /** Whether we owe `peerId` a file (worth dialing it). */
  owes(peerId: PeerId): boolean {
    for (const f of this.open.values()) if (f.row.peerId === peerId) return true;
    return false;
  }

  has(id: string): boolean {
    return this.open.has(id);
  }

  all(): Iterable<{ row: TransferRow; live: Live }> {
    return [...this.open.values()].map((f) => ({ row: f.row, live: this.live(f) }));
  }

  liveOf(id: string): Live | undefined {
    const f = this.open.get(id);
    return f ? this.live(f) : undefined;
  }

  private live(f: OutFile): Live {
    const fl = f.row.peerId ? this.linkOf(f.row.peerId) : undefined;
    return { bytes: bytesOf(f.row, f.served), rate: f.rate.value, moving: fl !== undefined && f.row.state === "sending" };
  }

  /** The receiver's word on an offer of ours. */
  async answered(fl: FileLink, a: FileAnswerFrame): Promise<void> {
    const f = this.open.get(a.id);
    if (!f || f.row.peerId !== fl.peerId) return; // not ours, or not its to answer
    const who = fl.label;
    switch (a.answer) {
      case "held":
        return;
      case "accepted":
        if (f.row.state === "offered") await this.rows.update(f.row, { state: "sending" });
        return this.rows.announce(f.row, this.live(f));
      case "done":
        return this.finish(f, { state: "done", bytes: f.row.size, doneAt: Date.now() });
      case "rejected":
        return this.finish(f, { state: "cancelled", error: `${who} rejected it` });
      case "cancelled":
        return this.finish(f, { state: "cancelled", error: `${who} cancelled it` });
      case "failed":
        return this.finish(f, { state: "failed", error: a.reason || `${who}'s node could not take it` });
    }
  }

  /** The user cancels: the receiver is told (now, or on the next link: the offer is gone, so its fetch fails). */
  async cancel(id: string): Promise<TransferRow | null> {
    const f = this.open.get(id);
    if (!f) return null;
    this.linkOf(f.row.peerId!)?.send({ type: "file-answer", id, answer: "cancelled", code: null, reason: "the sender cancelled it" });
    await this.finish(f, { state: "cancelled", error: "you cancelled it" });
    return f.row;
  }

  /** The file changed or went since it was offered: the transfer fails, and the receiver is told why. */
  async broken(id: string, reason: string): Promise<void> {
    const f = this.open.get(id);
    if (!f) return;
    this.linkOf(f.row.peerId!)?.send({ type: "file-answer", id, answer: "failed", code: "FILE_UNAVAILABLE", reason });
    await this.finish(f, { state: "failed", error: reason });
  }

  /** What `fl` may fetch of ours: an open offer to its peer. */
  servable(fl: FileLink, id: string): Servable | Promise<Servable> | null {
    const f = this.open.get(id);
    if (!f || f.row.peerId !== fl.peerId || !f.row.path) return null;
    if (f.row.state === "offered") void this.rows.update(f.row, { state: "sending" }).catch(() => {}); // it fetches: it accepted
    const m = this.manifestFor(fl, f);
    const own = f.manifest!; // written once the file was read through: what "changed since" is measured from
    if (!(m instanceof Promise)) return servableOf(f.row, m, () => true, unchangedSince(f.row, own));
    return m.then((legacy) => servableOf(f.row, legacy.manifest, () => true, unchangedSince(f.row, own)));
  }

  served(id: string, index: number): void {
    this.open.get(id)?.served.add(index);
  }

  /** Samples rates; progress goes out for what moved. */
  tick(now: number, progress: (row: TransferRow, live: Live) => void): void {
    for (const f of this.open.values()) {
      f.rate.sample(bytesOf(f.row, f.served), now);
      const live = this.live(f);
      if (f.rate.news(live.bytes, live.moving)) progress(f.row, live);
    }
  }

  stop(): void {
    for (const f of this.open.values()) {
      f.manifest?.close();
      void f.legacy?.then((l) => l.manifest.close()).catch(() => {});
    }
  }

  private async finish(f: OutFile, patch: Parameters<Transfers["update"]>[1]): Promise<void> {
    this.open.delete(f.row.id);
    f.manifest?.close();
    rmSync(manifestPath(this.d.home, f.row.id), { force: true });
    void f.legacy?.then((l) => l.manifest.close()).catch(() => {}); // (one still being hashed fails: its file is gone)
    rmSync(legacyManifestPath(this.d.home, f.row.id), { force: true });
    await this.rows.update(f.row, patch);
    this.rows.announce(f.row);
  }

  private entry(row: TransferRow): OutFile {
    return { row, manifest: null, kind: null, legacy: null, served: new RangeSet(), rate: new Rate() };
  }
}

export function offerFrame(row: TransferRow): FileOfferFrame {
  return { type: "file-offer", id: row.id, sha256: row.sha256, root: row.root, size: row.size, chunkSize: row.chunkSize, created: row.createdAt, name: row.name };
}

/** A file read from `row.path`, whose chunks `holds` says we have, each checked by `check` before it goes. */
export function servableOf(row: TransferRow, manifest: ManifestFile, holds: (i: number) => boolean, check: Servable["check"]): Servable {
  return { id: row.id, size: row.size, chunkSize: row.chunkSize, chunks: chunkCount(row.size, row.chunkSize), path: row.path!, manifest, holds, check };
}

/**
 * The file we offered, unchanged since it was hashed: the same size, and
 * written no later than its manifest (which was written once it was read
 * through). A stat, not a hash, per chunk: hashing every chunk again cost
 * the sender a third of its time, and the receiver checks each chunk anyway.
 */
export function unchangedSince(row: TransferRow, manifest: ManifestFile): Servable["check"] {
  return () => {
    const st = statSync(row.path!, { throwIfNoEntry: false });
    if (!st) return `${row.path} is gone`;
    if (st.size !== row.size || st.mtimeMs > manifest.writtenAt) return `${row.path} changed since it was offered`;
    return null;
  };
}

/** A file we hold that someone else may have changed (a group's, saved where the user works): each chunk hashed again. */
export function matchesManifest(row: TransferRow, manifest: ManifestFile): Servable["check"] {
  return (i, data) => (Buffer.compare(chunkHash(data), manifest.hashOf(i)) === 0 ? null : `${row.path} changed since it was saved`);
}

function bytesOf(row: TransferRow, served: RangeSet): number {
  const n = chunkCount(row.size, row.chunkSize);
  const count = served.size;
  if (count === 0) return 0;
  return Math.min(row.size, count * row.chunkSize - (served.has(n - 1) ? row.chunkSize - chunkLength(row.size, row.chunkSize, n - 1) : 0));
}
