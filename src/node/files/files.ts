// File transfer: the engine of this room, as the node sees it. Peers hands
// it every link whose peer speaks files (hello cap "files") and the file
// frames that come on them; it offers (outgoing.ts), takes offers and fetches
// (incoming.ts, fetch.ts), and serves what links ask of us (server.ts), with
// its own pump per link and its writes through the journal. A file is
// content-addressed (its SHA-256 and its manifest's root), moves in chunks
// each checked against its hash, and resumes from the last verified chunk
// after anything: it is only frames on a link, direct or relayed alike.
import { NodeError } from "../../domain/node-error.ts";
import { FINISHED, type FileInfo } from "../../domain/file-transfer.ts";
import type { Contact } from "../../domain/contact.ts";
import type { FileFrame } from "../../protocol/files/file-frames.ts";
import { decodeFilePost, type FilePost } from "../../protocol/files/file-post.ts";
import type { PeerId } from "../../protocol/peer-id.ts";
import type { Link } from "../../transport/link.ts";
import { childLogger } from "../../log.ts";
import { FETCH_LIMITS } from "./fetch.ts";
import { FileLink, type LinkPeer } from "./file-link.ts";
import type { FilesDeps } from "./files-deps.ts";
import { FileHandles } from "./handles.ts";
import { HeldFiles } from "./held.ts";
import { Incoming } from "./incoming.ts";
import { Outgoing } from "./outgoing.ts";
import { FileThread } from "./part-writer.ts";
import { ServeQueue } from "./server.ts";
import { Transfers } from "./transfers.ts";

export type { FileSettings, FilesDeps, GroupFiles } from "./files-deps.ts";

const log = childLogger("files");

/** Progress events (and rates) this often; stalls, syncs and idle files once a second. */
export const PROGRESS_MS = 250;

export class FileEngine {
  private readonly links = new Map<Link, FileLink>();
  private readonly byPeer = new Map<PeerId, FileLink>();
  private readonly queues = new Map<FileLink, ServeQueue>();
  private readonly handles = new FileHandles();
  private readonly rows: Transfers;
  private readonly out: Outgoing;
  private readonly inc: Incoming;
  private readonly held: HeldFiles;
  private readonly thread = new FileThread();
  private timer: ReturnType<typeof setInterval> | null = null;
  private ticks = 0;

  constructor(private readonly d: FilesDeps) {
    this.rows = new Transfers(d);
    const linkOf = (p: PeerId) => this.byPeer.get(p);
    this.out = new Outgoing(d, this.rows, linkOf);
    const reach = (p: PeerId) => {
      const c = d.contacts.byPeer(p);
      if (c && !this.byPeer.has(p)) d.dial(c);
    };
    this.inc = new Incoming({ ...d, limits: { ...FETCH_LIMITS, ...d.limits }, thread: this.thread, links: () => this.links.values(), linkOf, reach }, this.rows);
    this.held = new HeldFiles(d.home, d.store, (g, p) => d.groups.member(g, p));
  }

  /** Takes up the open transfers of an earlier run. */
  async start(): Promise<void> {
    const open = await this.d.store.openTransfers();
    this.out.load(open);
    this.inc.load(open);
    this.timer ??= setInterval(() => this.tick(), PROGRESS_MS);
    this.timer.unref?.();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.inc.stop();
    this.thread.stop();
    this.out.stop();
    this.handles.closeAll();
    this.held.closeAll();
  }

  // --- what the user does ---------------------------------------------------------------

  /** Offers the file at `path` to a contact, or posts it in a group ('#alias'). */
  async send(to: string, path: string): Promise<FileInfo> {
    if (to.startsWith("#")) return this.rows.info(await this.out.create({ group: this.d.groups.resolve(to) }, path));
    const c = this.d.contacts.byName(to);
    if (!c) throw NodeError.notAContact(to);
    if (!c.peerId || c.legacy) throw new NodeError("BAD_FILE", `${to} is not pinned yet (or is a legacy peer): files go only to an identity its node proved; send a message first`);
    const row = await this.out.create({ peerId: c.peerId, peer: c.name }, path);
    if (!this.byPeer.has(c.peerId)) this.d.dial(c);
    return this.rows.info(row, this.out.liveOf(row.id));
  }

  /** Transfers, newest first: with a contact, in a group, or all. Open ones as they are now. */
  async list(filter?: string, limit = 200): Promise<FileInfo[]> {
    let q: Parameters<FilesDeps["store"]["transfers"]>[0] = { limit };
    if (filter?.startsWith("#")) q = { group: this.d.groups.resolve(filter), limit };
    else if (filter) {
      const c = this.d.contacts.byName(filter);
      if (!c?.peerId) throw NodeError.notAContact(filter);
      q = { peerId: c.peerId, limit };
    }
    const live = new Map([...this.out.all(), ...this.inc.all()].map((x) => [x.row.id, x]));
    return (await this.d.store.transfers(q)).map((row) => {
      const l = live.get(row.id);
      return l ? this.rows.info(l.row, l.live) : this.rows.info(row);
    });
  }

  /** One transfer as it is now, by its id (or its first characters). */
  async info(id: string): Promise<FileInfo> {
    // A whole id (the page's) is looked up at once; a few characters are resolved as `files` shows them.
    const full = (await this.d.store.findTransfer(id).catch(() => null))?.id ?? (await this.resolveId(id));
    const l = [...this.out.all(), ...this.inc.all()].find((x) => x.row.id === full);
    const row = l?.row ?? (await this.d.store.findTransfer(full));
    if (!row) throw new NodeError("NOT_A_TRANSFER", `no file transfer ${JSON.stringify(id)}`);
    return this.rows.info(row, l?.live);
  }

  async accept(id: string): Promise<FileInfo> {
    return this.rows.info(await this.inc.accept(await this.resolveId(id)));
  }

  async reject(id: string): Promise<FileInfo> {
    return this.rows.info(await this.inc.reject(await this.resolveId(id)));
  }

  /** Either side: an offer or a transfer on its way stops, and the other side is told. */
  async cancel(id: string): Promise<FileInfo> {
    const full = await this.resolveId(id);
    const row = (await this.out.cancel(full)) ?? (await this.inc.cancel(full));
    if (!row) throw new NodeError("NOT_A_TRANSFER", `file transfer ${id} is over already: nothing to cancel`);
    for (const q of this.queues.values()) q.drop(full);
    return this.rows.info(row);
  }

  /** Whether a file is owed to `contact`, or fetched from it: the dialer then tries to reach it. */
  owes(contact: Contact): boolean {
    return contact.peerId !== null && (this.out.owes(contact.peerId) || this.inc.owes(contact.peerId));
  }

  /** A group member posted a file (the group sync read its signed post; `body` is file-post.ts's JSON). */
  posted(group: string, author: { peerId: PeerId; name: string }, body: string): void {
    let post: FilePost;
    try {
      post = decodeFilePost(body);
    } catch (err) {
      return log.debug(`a file post that does not read: ${(err as Error).message}`);
    }
    const contact = this.d.contacts.byPeer(author.peerId) !== undefined;
    void this.inc.posted(group, { ...author, contact }, post).catch((err) => log.debug(`cannot take file post ${post.id}: ${(err as Error).message}`));
  }

  // --- links (Peers' hooks) ---------------------------------------------------------------

  /** A link is up (a contact's, or a request's): offers owed to its peer go, fetches from it go on. */
  up(link: Link, peer: LinkPeer): void {
    if (!FileLink.speaksFiles(link)) return;
    const known = this.links.get(link);
    if (known) {
      known.peer = peer; // a request's link that became a contact's
      return;
    }
    const fl = new FileLink(link, peer);
    this.links.set(link, fl);
    this.byPeer.set(fl.peerId, fl);
    this.queues.set(
      fl,
      new ServeQueue(fl, {
        handles: this.handles,
        lookup: (l, id) => this.out.servable(l, id) ?? this.inc.servable(l, id) ?? this.held.lookup(l.peerId, id),
        refusal: (l, id) => this.refusal(l, id),
        served: (id, index) => this.out.served(id, index),
        broken: (id, reason) => void this.out.broken(id, reason).catch(() => {}),
      }),
    );
    if (!peer.request) this.out.offerTo(fl);
    this.inc.linkUp(fl);
  }

  down(link: Link): void {
    const fl = this.links.get(link);
    if (!fl) return;
    this.links.delete(link);
    if (this.byPeer.get(fl.peerId) === fl) this.byPeer.delete(fl.peerId);
    this.queues.delete(fl);
    this.inc.linkDown(fl);
  }

  writable(link: Link): void {
    const fl = this.links.get(link);
    if (fl) this.queues.get(fl)?.pump();
  }

  frames(link: Link, frames: FileFrame[]): void {
    const fl = this.links.get(link);
    if (!fl) return; // not adopted through up(), or its peer does not speak files
    const q = this.queues.get(fl)!;
    for (const f of frames) {
      switch (f.type) {
        case "file-offer":
          void this.inc.offered(fl, f).catch((err) => log.debug(`cannot take offer ${f.id}: ${(err as Error).message}`));
          break;
        case "file-answer":
          if (this.out.has(f.id)) void this.out.answered(fl, f).catch(() => {});
          else void this.inc.answered(fl, f).catch(() => {});
          break;
        case "file-manifest-want":
          q.manifestWanted(f.id, f.from, f.count);
          break;
        case "file-want":
          q.chunksWanted(f.id, f.ranges);
          break;
        case "file-manifest":
          this.inc.manifest(fl, f);
          break;
        case "file-chunk":
          this.inc.chunk(fl, f);
          break;
        case "file-missing":
          this.inc.missing(fl, f);
          break;
      }
    }
  }

  // --- inside ----------------------------------------------------------------------------

  private tick(): void {
    const now = Date.now();
    const second = ++this.ticks % Math.round(1000 / PROGRESS_MS) === 0;
    const progress = (row: Parameters<Transfers["announce"]>[0], live: Parameters<Transfers["announce"]>[1]) => {
      if (!FINISHED.has(row.state)) this.rows.announce(row, live, true);
    };
    this.out.tick(now, progress);
    this.inc.tick(now, progress, second);
    if (second) {
      this.handles.sweep(now);
      this.held.sweep(now);
    }
  }

  /** Why `fl` gets nothing of `id`: a file we sent it and cancelled or failed says so (it may ask after the answer was lost); else unknown here. */
  private async refusal(fl: FileLink, id: string): Promise<FileFrame & { type: "file-answer" }> {
    const row = await this.d.store.findTransfer(id).catch(() => null);
    if (row?.direction === "out" && row.peerId === fl.peerId && row.state === "cancelled") return { type: "file-answer", id, answer: "cancelled", code: null, reason: "the sender cancelled it" };
    if (row?.direction === "out" && row.peerId === fl.peerId && row.state === "failed") return { type: "file-answer", id, answer: "failed", code: "FILE_UNAVAILABLE", reason: row.error ?? "the sender cannot send it" };
    return { type: "file-answer", id, answer: "failed", code: "FILE_UNAVAILABLE", reason: "no such file here" };
  }

  /** A whole id, from its first characters (as `files` shows them; dashes optional). */
  private async resolveId(prefix: string): Promise<string> {
    const want = prefix.toLowerCase().replace(/-/g, "");
    if (want.length < 4) throw new NodeError("NOT_A_TRANSFER", `${JSON.stringify(prefix)} is too short: give at least 4 characters of the id \`p2pchat files\` shows`);
    const ids = new Set<string>();
    for (const x of [...this.out.all(), ...this.inc.all()]) if (x.row.id.replace(/-/g, "").startsWith(want)) ids.add(x.row.id);
    if (ids.size === 0) for (const r of await this.d.store.transfers({ limit: 10_000 })) if (r.id.replace(/-/g, "").startsWith(want)) ids.add(r.id);
    if (ids.size === 1) return [...ids][0]!;
    if (ids.size > 1) throw new NodeError("NOT_A_TRANSFER", `${JSON.stringify(prefix)} names ${ids.size} transfers: give more of the id`);
    throw new NodeError("NOT_A_TRANSFER", `no file transfer ${JSON.stringify(prefix)} (list them with \`p2pchat files\`)`);
  }
}
