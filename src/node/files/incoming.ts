// Files offered to us: by a contact or a stranger on its link, or posted in
// a group. An offer is stored first and answered with where it stands, the
// same answer each time the sender offers it again (after any crash or lost
// link). A request's is only stored; a contact's is fetched unasked within
// its allowance (policy.ts), else when the user accepts. Fetching is
// fetch.ts's, from the sender (or, for a group's file, from any member
// linked to us that holds it), a few files at a time.
import { dirname } from "node:path";
import { NodeError } from "../../domain/node-error.ts";
import type { FileAnswerFrame, FileChunkFrame, FileManifestFrame, FileMissingFrame, FileOfferFrame } from "../../protocol/files/file-frames.ts";
import type { FilePost } from "../../protocol/files/file-post.ts";
import type { PeerId } from "../../protocol/peer-id.ts";
import type { TransferRow } from "../../store/store.ts";
import { Fetch, type FetchLimits, type FetchOutcome } from "./fetch.ts";
import type { FileLink, Source } from "./file-link.ts";
import type { FileThread } from "./part-writer.ts";
import type { FilesDeps } from "./files-deps.ts";
import { answerFor, incomingRow } from "./offer-rows.ts";
import { manifestPath, servableOf } from "./outgoing.ts";
import { partPath } from "./part-file.ts";
import { MAX_WAITING_OFFERS, noRoom, whyAsk } from "./policy.ts";
import { Rate } from "./rate.ts";
import type { Servable } from "./server.ts";
import type { Live, Transfers } from "./transfers.ts";

/** Files fetched at once; the others wait (paused) for a turn. */
export const MAX_ACTIVE = 8;

interface InFile {
  row: TransferRow;
  fetch: Fetch | null;
  rate: Rate;
  /** Sources whose data never matched: not asked again for this file. */
  banned: Set<PeerId>;
}

export interface IncomingDeps extends Pick<FilesDeps, "home" | "store" | "settings" | "groups"> {
  limits: FetchLimits;
  /** Where downloads write their partial files (a thread of its own when it starts). */
  thread: FileThread;
  links(): Iterable<FileLink>;
  linkOf(peerId: PeerId): FileLink | undefined;
  /** Dials the contact `peerId` is, when no link to it is up (its file is to be fetched). */
  reach(peerId: PeerId): void;
}

export class Incoming {
  private readonly open = new Map<string, InFile>();
  /** Offers being stored: one answer each, however often they come meanwhile. */
  private readonly taking = new Set<string>();

  constructor(
    private readonly d: IncomingDeps,
    private readonly rows: Transfers,
  ) {}

  load(rows: readonly TransferRow[]): void {
    for (const row of rows) if (row.direction === "in") this.open.set(row.id, { row, fetch: null, rate: new Rate(), banned: new Set() });
    for (const f of this.open.values()) this.ensureFetch(f);
  }

  /** A peer offers a file (again, perhaps): stored, then answered with where it stands. */
  async offered(fl: FileLink, o: FileOfferFrame): Promise<void> {
    if (this.taking.has(o.id)) return;
    this.taking.add(o.id);
    try {
      const known = this.open.get(o.id)?.row ?? (await this.d.store.findTransfer(o.id));
      if (known) {
        if (known.direction === "in" && known.peerId === fl.peerId && !known.group) this.answer(fl, known);
        return;
      }
      const waiting = [...this.open.values()].filter((f) => f.row.peerId === fl.peerId && f.row.state === "offered").length;
      if (waiting >= MAX_WAITING_OFFERS) {
        fl.send({ type: "file-answer", id: o.id, answer: "failed", code: "FILE_REFUSED", reason: `${MAX_WAITING_OFFERS} of your files wait for an answer already` });
        return;
      }
      const row = incomingRow(o.id, o, fl.peerId, fl.peer.name, null, fl.peer.request);
      await this.take(row, fl.peer.request ? "a request's files wait for your yes" : null);
      this.answer(fl, row);
    } finally {
      this.taking.delete(o.id);
    }
  }

  /** A member posted a file in a group: as an offer from that member, fetched from whoever holds it. */
  async posted(group: string, author: { peerId: PeerId; name: string; contact: boolean }, post: FilePost): Promise<void> {
    if (this.open.has(post.id) || this.taking.has(post.id)) return;
    this.taking.add(post.id);
    try {
      if (await this.d.store.findTransfer(post.id)) return;
      await this.take(incomingRow(post.id, post, author.peerId, author.name, group, false), author.contact ? null : "not from a contact");
    } finally {
      this.taking.delete(post.id);
    }
  }

  /** The user says yes (or it was within the allowance): fetched from now on. */
  async accept(id: string): Promise<TransferRow> {
    const f = this.mustBeOpen(id);
    if (f.row.state !== "offered") throw new NodeError("NOT_A_TRANSFER", `${f.row.name} is ${f.row.state} already: only an offered file is accepted`);
    const full = noRoom(this.d.settings().downloads, f.row.size);
    if (full) throw new NodeError("NO_SPACE", full);
    await this.start(f, false);
    return f.row;
  }

  /** The user says no (an offer, or a file on its way): the sender is told, the partial file goes. */
  async reject(id: string): Promise<TransferRow> {
    return this.end(this.mustBeOpen(id), "cancelled", "you rejected it", { answer: "rejected", code: "FILE_REFUSED", reason: "the receiver rejected it" });
  }

  async cancel(id: string): Promise<TransferRow | null> {
    const f = this.open.get(id);
    return f ? this.end(f, "cancelled", "you cancelled it", { answer: "cancelled", code: null, reason: "the receiver cancelled it" }) : null;
  }

  /** The sender's word: it cancelled, or cannot send the file any more. */
  async answered(fl: FileLink, a: FileAnswerFrame): Promise<void> {
    const f = this.open.get(a.id);
    if (!f || (f.row.group === null && f.row.peerId !== fl.peerId)) return;
    if (a.answer === "cancelled" && !f.row.group) await this.end(f, "cancelled", `${fl.label} cancelled it`, null);
    else if (a.answer === "failed" && !f.row.group) await this.end(f, "failed", a.reason || `${fl.label} cannot send it`, null);
    else if (a.answer === "failed" && f.row.group) f.fetch?.dropSource(fl); // that member does not hold it
  }

  manifest(fl: FileLink, m: FileManifestFrame): void {
    this.open.get(m.id)?.fetch?.onManifest(fl, m.from, m.hashes);
  }

  chunk(fl: FileLink, c: FileChunkFrame): void {
    this.open.get(c.id)?.fetch?.onChunk(fl, c.index, c.data);
  }

  missing(fl: FileLink, m: FileMissingFrame): void {
    this.open.get(m.id)?.fetch?.onMissing(fl, m.ranges);
  }

  linkUp(fl: FileLink): void {
    for (const f of this.open.values()) if (this.isSource(f, fl)) f.fetch?.addSource(fl);
  }

  linkDown(fl: FileLink): void {
    for (const f of this.open.values()) f.fetch?.dropSource(fl);
  }

  /** Whether we fetch a file from `peerId` (worth dialing it). */
  owes(peerId: PeerId): boolean {
    for (const f of this.open.values()) if (f.row.state === "receiving" && !f.row.group && f.row.peerId === peerId) return true;
    return false;
  }

  has(id: string): boolean {
    return this.open.has(id);
  }

  all(): Iterable<{ row: TransferRow; live: Live }> {
    return [...this.open.values()].map((f) => ({ row: f.row, live: this.live(f) }));
  }

  /** What a member may fetch of a group's file we are fetching too: the chunks verified so far. */
  servable(fl: FileLink, id: string): Servable | null {
    const f = this.open.get(id);
    const held = f?.fetch?.held();
    if (!f || !held || !f.row.group || !this.d.groups.member(f.row.group, fl.peerId)) return null;
    return servableOf(f.row, held.manifest, held.holds, () => null); // our own verified chunks
  }

  /** Rates and progress at each call; stalls, syncs and turns once a `second`. */
  tick(now: number, progress: (row: TransferRow, live: Live) => void, second: boolean): void {
    for (const f of this.open.values()) {
      if (second) this.ensureFetch(f);
      if (!f.fetch) continue;
      if (second) f.fetch.tick(now);
      f.rate.sample(f.fetch.bytes, now);
      const live = this.live(f);
      if (f.rate.news(live.bytes, live.moving)) progress(f.row, live);
    }
  }

  async stop(): Promise<void> {
    for (const f of this.open.values()) await f.fetch?.stop({ sync: true, remove: false });
  }

  private live(f: InFile): Live {
    return { bytes: f.fetch?.bytes ?? f.row.bytes, rate: f.rate.value, moving: f.fetch?.moving ?? false };
  }

  /** Stores a new offer: fetched at once when it may be (`ask` says why not), else it waits for the user. */
  private async take(row: TransferRow, ask: string | null): Promise<void> {
    const s = this.d.settings();
    const why = ask ?? (await whyAsk(row.peerId!, row.size, { autoAcceptBytes: s.autoAcceptBytes, downloads: s.downloads, taken: (p, since) => this.d.store.autoBytesSince(p, since) }));
    await this.rows.insert(row);
    const f: InFile = { row, fetch: null, rate: new Rate(), banned: new Set() };
    this.open.set(row.id, f);
    if (why === null) await this.start(f, true);
    else this.rows.announce(row, this.live(f));
  }

  private async start(f: InFile, auto: boolean): Promise<void> {
    await this.rows.update(f.row, { state: "receiving", auto, path: partPath(this.d.settings().downloads, f.row.id) });
    const fl = f.row.group ? undefined : this.d.linkOf(f.row.peerId!);
    if (fl) fl.send({ type: "file-answer", id: f.row.id, answer: "accepted", code: null, reason: "" });
    else if (!f.row.group) this.d.reach(f.row.peerId!); // accepted while its sender is away: go and fetch it
    this.ensureFetch(f);
    this.rows.announce(f.row, this.live(f));
  }

  /** Where an offer stands, told to the sender. */
  private answer(fl: FileLink, row: TransferRow): void {
    fl.send(answerFor(row));
    if (row.state === "receiving") this.open.get(row.id)?.fetch?.addSource(fl);
  }

  private ensureFetch(f: InFile): void {
    if (f.fetch || f.row.state !== "receiving" || !f.row.path) return;
    let active = 0;
    for (const x of this.open.values()) if (x.fetch) active++;
    if (active >= MAX_ACTIVE) return;
    const downloads = dirname(dirname(f.row.path)); // the folder at accept time: the partial file is in its .partial/
    try {
      f.fetch = new Fetch(f.row, manifestPath(this.d.home, f.row.id), f.row.path, downloads, {
        limits: this.d.limits,
        writer: this.d.thread.writer(f.row.id, f.row.path, f.row.size, f.row.chunkSize),
        record: async (verified, bytes) => void (await this.rows.update(f.row, { verified, bytes })),
        finished: (o) => void this.finished(f, o).catch(() => {}),
        giveUp: (s, reason) => void this.giveUp(f, s, reason).catch(() => {}),
      });
    } catch (err) {
      void this.end(f, "failed", `cannot write where it goes: ${(err as Error).message}`, { answer: "failed", code: "FILE_UNAVAILABLE", reason: "the receiver cannot store it" }).catch(() => {});
      return;
    }
    for (const fl of this.d.links()) if (this.isSource(f, fl)) f.fetch.addSource(fl);
    f.fetch.pump(); // every chunk here already (a crash before done was recorded): it finishes without a link
  }

  private isSource(f: InFile, fl: FileLink): boolean {
    if (f.banned.has(fl.peerId)) return false;
    return f.row.group ? this.d.groups.member(f.row.group, fl.peerId) : f.row.peerId === fl.peerId;
  }

  private async finished(f: InFile, o: FetchOutcome): Promise<void> {
    if (!o.ok) return void (await this.end(f, "failed", o.reason, { answer: "failed", code: o.code, reason: o.reason }));
    await this.rows.update(f.row, { state: "done", path: o.path, bytes: f.row.size, verified: "", doneAt: Date.now() });
    f.fetch?.removePart(f.row.group !== null); // a group's file: its manifest stays, to serve other members
    this.open.delete(f.row.id);
    if (!f.row.group) this.d.linkOf(f.row.peerId!)?.send({ type: "file-answer", id: f.row.id, answer: "done", code: null, reason: "" });
    this.rows.announce(f.row);
  }

  /** A source whose data never matches: a contact's file fails; a group's is fetched from other members (its poster's lie fails it). */
  private async giveUp(f: InFile, s: Source, reason: string): Promise<void> {
    f.banned.add(s.peerId);
    f.fetch?.dropSource(s);
    if (!f.row.group || s.peerId === f.row.peerId) await this.end(f, "failed", reason, { answer: "failed", code: "FILE_CORRUPT", reason });
  }

  /** Ends a transfer: recorded, the sender told (when `tell`), the partial file removed. */
  private async end(f: InFile, state: "cancelled" | "failed", error: string, tell: Omit<FileAnswerFrame, "type" | "id"> | null): Promise<TransferRow> {
    this.open.delete(f.row.id);
    await f.fetch?.stop({ sync: false, remove: true });
    f.fetch = null;
    await this.rows.update(f.row, { state, error, verified: "" });
    if (tell && !f.row.group) this.d.linkOf(f.row.peerId!)?.send({ type: "file-answer", id: f.row.id, ...tell });
    this.rows.announce(f.row);
    return f.row;
  }

  private mustBeOpen(id: string): InFile {
    const f = this.open.get(id);
    if (!f) throw new NodeError("NOT_A_TRANSFER", `no open file transfer ${id}`);
    return f;
  }
}
