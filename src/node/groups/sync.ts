// Group chat over the pairwise links we already have. The design, in short:
//
// Identity. Each home signs with its Ed25519 discovery key (its "author
// key"). On every link between two nodes that speak groups (hello cap
// "groups"), each first sends a group-key frame: its key and a signature over
// its peer id, so the key is bound to the identity the TLS pin proved. The
// creator adds a contact with the key its link proved (or the one its invite
// or hello carried).
//
// Groups. A group's id is a hash of its creator's key and a nonce. Its log is
// the messages of every member: (group, author, seq, time, kind, body), seq
// 1, 2, 3... per author, signed by the author. Events are messages too:
// create (the creator's seq 1), add and remove (by the creator), leave (by
// the member). Every node replays them in each author's order, so all agree
// who belongs (model.ts). A removal names the removed member's last valid
// seq; what it wrote above is refused everywhere.
//
// Sync. When two members link, each sends the other a full vector per group:
// per author, the highest seq it holds with no gap, and what it knows other
// members hold (receipts). Each asks (group-want) for what it lacks, from any
// author, one range per author from one peer at a time (wants.ts), so a
// member back online catches up from whoever is online, not only from the
// authors, and is not sent everything by everyone. Messages are stored once
// per (group, author, seq) and shown only once every earlier seq of their
// author is here. After each commit a node sends its linked members a delta
// vector (what it holds now), which is also the acknowledgement: it raises
// the "delivered to 3 of 5" counts (receipts.ts). Our own new messages are
// pushed at once to the members linked to us; the others fetch them from
// whoever has them. Every second, the receipts that rose are saved, and
// told to the authors they concern and a few other linked members
// (gossip.ts); a link that comes up is sent all of them in its full vector.
//
// Trust. A peer gets a group's data only if it is a member in our view
// (vectors.ts); a removed member gets the creator's events up to its removal
// and nothing else. What we receive is checked by signature and membership,
// whoever carries it (intake.ts): a bad signature, a non-member author, a
// removed member's later seqs, a forged event are refused and not stored.
//
// Everything is written through the journal, in the same transactions as
// the rest; vectors offer only what is committed.
import { GROUP_FILE_KIND } from "../../protocol/files/file-post.ts";
import { decodeGroupEvent } from "../../protocol/groups/group-events.ts";
import { GROUP_FORKS_CAP, type GroupFrame, type GroupMessageFrame } from "../../protocol/messages.ts";
import type { PeerId } from "../../protocol/peer-id.ts";
import type { Contact } from "../../domain/contact.ts";
import type { GroupMessageRow, Store } from "../../store/store.ts";
import type { Link } from "../../transport/link.ts";
import { childLogger } from "../../log.ts";
import type { Contacts } from "../engine/contact-cache.ts";
import type { Journal } from "../engine/journal.ts";
import type { NodeEvent } from "../node-events.ts";
import { Batch } from "./batch.ts";
import { Forks, backfillChains } from "./forks.ts";
import { keyFrame, signRow, type AuthorKey } from "./group-keys.ts";
import { Intake, newStats, type GroupStats } from "./intake.ts";
import type { GroupModel } from "./model.ts";
import { OwnKeys } from "./own-keys.ts";
import { ReceiptGossip } from "./gossip.ts";
import { Fanout, PeerLink } from "./peer-link.ts";
import { PendingAdds } from "./pending.ts";
import { Receipts } from "./receipts.ts";
import { GroupRegistry } from "./registry.ts";
import { Responder } from "./responder.ts";
import { mayCarry, shareFor, shareLimit } from "./vectors.ts";
import { Wants, type Need } from "./wants.ts";

export type { GroupStats } from "./intake.ts";

const log = childLogger("groups");

/** The hello cap of nodes that speak groups: only their links carry group frames. */
export const GROUPS_CAP = "groups";
/** Log digests in vectors and fork frames (forks.ts): only to links whose hello lists it. */
export { GROUP_FORKS_CAP };
/** Receipts are gossiped and saved, and stalled wants asked again, this often. */
export const TICK_MS = 1000;
/** Our messages of this run whose status `statusOf` can tell (a send waits for its own; older ones are in history). */
const OWN_REMEMBERED = 100_000;

export interface GroupSyncDeps {
  self: PeerId;
  /** Our display name. */
  name(): string;
  store: Store;
  journal: Journal;
  contacts: Contacts;
  emit(event: NodeEvent): void;
  /** A contact's adopted link, if up. */
  linkTo(contact: Contact): Link | undefined;
  dial(contact: Contact): void;
  /** A member's file post (kind GROUP_FILE_KIND) was shown: the file engine fetches it from whoever holds it. */
  filePosted?(group: string, author: PeerId, authorName: string, body: string): void;
}

export class GroupSync {
  readonly registry: GroupRegistry;
  readonly stats: GroupStats = newStats();
  /** Adds of contacts whose key we do not know yet (pending.ts). */
  readonly pending: PendingAdds;
  /** Members that sign different versions of one message (forks.ts). */
  readonly forks: Forks;
  private readonly links = new Map<Link, PeerLink>();
  private readonly gossip = new ReceiptGossip(this.links, (id) => this.registry.models.get(id));
  private readonly fanout = new Fanout(this.links, (id) => this.registry.models.get(id), () => this.gossip.now);
  private readonly receipts: Receipts;
  private readonly wants: Wants;
  private readonly intake: Intake;
  /** Our other devices' keys, named in our groups (own-keys.ts). */
  private readonly ownKeys: OwnKeys;
  /**
   * Per `group author`: the most any peer offered (never lowered, a bound):
   * the wants look over the links only for an author someone offered more of
   * than we hold, not over 99 links for each of 100 authors on every post.
   */
  private readonly offeredMost = new Map<string, number>();
  /** Our messages written in this run, for statusOf. */
  private readonly own = new Map<string, { group: string; seq: number }>();
  private timer: ReturnType<typeof setInterval> | null = null;
  private nextOrder = 0;

  constructor(private readonly d: GroupSyncDeps) {
    this.registry = new GroupRegistry(d.contacts, d.name);
    this.receipts = new Receipts(d.journal, d.emit, (g, member, author, from) => this.gossip.rose(g, member, author, from));
    this.wants = new Wants({
      sources: (group, author, above) => {
        // No peer ever offered more than we hold: none to look over (each post brings each member a schedule).
        if ((this.offeredMost.get(`${group} ${author}`) ?? 0) <= above) return [];
        const g = this.registry.models.get(group);
        const out: PeerLink[] = [];
        for (const pl of this.links.values()) if ((pl.offers.get(group)?.get(author) ?? 0) > above && mayCarry(g, pl.peerId, author)) out.push(pl);
        return out;
      },
      needs: (group) => this.needs(group),
      ask: (source, group, ranges) => (source as PeerLink).link.sendGroup({ type: "group-want", group, ranges }),
    });
    this.forks = new Forks({ registry: this.registry, store: d.store, journal: d.journal, links: () => this.links.values(), emit: d.emit, commit: (b) => this.commit(b) });
    this.pending = new PendingAdds({ registry: this.registry, contacts: d.contacts, draftOwn: (g, items, b) => this.draftOwn(g, items, b), commit: (b) => this.commit(b) });
    this.intake = new Intake({
      registry: this.registry,
      store: d.store,
      fanout: this.fanout,
      receipts: this.receipts,
      wants: this.wants,
      forks: this.forks,
      stats: this.stats,
      commit: (b) => this.commit(b),
      offered: (group, author, seq) => {
        const k = `${group} ${author}`;
        if ((this.offeredMost.get(k) ?? 0) < seq) this.offeredMost.set(k, seq);
      },
      keyProven: (peerId) => void this.pending.complete(peerId),
      ownKeyProven: (key, sig) => this.ownKeys.proven(key, sig),
    });
    this.ownKeys = new OwnKeys({ self: d.self, registry: this.registry, writeOwn: (g, items) => this.writeOwn(g, items) });
  }

  get key(): AuthorKey {
    return this.registry.key;
  }

  /** Reads the groups from the store (at start with our key, and after a failed commit). */
  async load(key?: AuthorKey): Promise<void> {
    this.registry.load(await this.d.store.groupSnapshot(), key);
    this.timer ??= setInterval(() => this.tick(), TICK_MS);
    this.timer.unref?.();
    if (!key) return;
    // Rows from before log digests were kept get their chains, once.
    await backfillChains(this.registry, this.d.store, this.d.journal);
    // Keys proven in an earlier run whose adds were not written yet (a crash in between).
    await this.pending.complete();
  }

  stop(): void {
    this.fanout.flush();
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.receipts.save();
    for (const pl of this.links.values()) pl.responder.stop();
  }

  // --- links (Peers' hooks) -------------------------------------------------------------

  /**
   * A contact's link (or another device of ours) is up: prove our key, offer what it may have.
   * `promoted`: it was a stranger's link until now, so whatever the peer sent
   * on it before was dropped; our key frame asks for it again.
   */
  up(link: Link, _contact?: Contact, promoted = false): void {
    if (!link.peerHello?.caps.includes(GROUPS_CAP) || this.links.has(link)) return;
    const responder = new Responder(link, this.d.store, this.d.journal, (rows) => (this.stats.served += rows.length));
    const pl = new PeerLink(link, link.peerId!, responder, this.nextOrder++, link.peerId === this.d.self);
    this.links.set(link, pl);
    link.sendGroup(keyFrame(this.key, this.d.self, promoted));
    for (const g of this.registry.models.values()) this.offer(pl, g);
  }

  /** A full vector of `g`, and the forks we hold proof of, to a peer that may have it. */
  private offer(pl: PeerLink, g: GroupModel): void {
    this.fanout.offer(pl, g);
    this.forks.offer(pl, g);
  }

  /** The peer may have dropped what we sent on this link: our key and full vectors once more. */
  private again(pl: PeerLink): void {
    pl.link.sendGroup(keyFrame(this.key, this.d.self));
    pl.offered.clear();
    pl.forksSent.clear();
    for (const g of this.registry.models.values()) this.offer(pl, g);
  }

  down(link: Link): void {
    const pl = this.links.get(link);
    if (!pl) return;
    this.links.delete(link);
    pl.responder.stop();
    for (const group of this.wants.drop(pl)) this.wants.schedule(group);
  }

  writable(link: Link): void {
    this.links.get(link)?.responder.pump();
  }

  frames(link: Link, frames: GroupFrame[]): void {
    // Frames that came before the link was adopted are handed over while it is adopted, before up().
    if (!this.links.has(link)) this.up(link);
    const pl = this.links.get(link);
    if (!pl) return; // a link that does not speak groups
    let msgs: GroupMessageFrame[] = [];
    for (const f of frames) {
      if (f.type === "group-message") {
        msgs.push(f);
        continue;
      }
      if (msgs.length > 0) this.intake.messages(pl, msgs.splice(0));
      if (f.type === "group-key") {
        this.intake.key(pl, f);
        if (f.again) this.again(pl);
      }
      else if (f.type === "group-vector") this.intake.vector(pl, f);
      else if (f.type === "group-fork") this.intake.fork(pl, f);
      else this.intake.want(pl, f);
    }
    if (msgs.length > 0) this.intake.messages(pl, msgs);
  }

  /** Whether `peerId` is an active member of group `id` in our view (it may fetch the group's files). */
  isMember(group: string, peerId: PeerId): boolean {
    const g = this.registry.models.get(group);
    return g !== undefined && shareFor(g, peerId) === "full";
  }

  /** '#alias' of a group we know, or null. */
  aliasOf(group: string): string | null {
    const alias = this.registry.models.get(group)?.row.alias;
    return alias ? `#${alias}` : null;
  }

  /** Whether `contact` lacks something of a group we share: the dialer then tries to reach it. */
  owes(contact: Contact): boolean {
    if (!contact.peerId) return false;
    if (this.pending.waitsFor(contact.peerId)) return true;
    for (const g of this.registry.models.values()) {
      const share = shareFor(g, contact.peerId);
      if (!share || share === "ack") continue;
      const known = g.known.get(g.memberByPeer(contact.peerId)!.author);
      for (const author of g.committed.keys()) if (shareLimit(g, share, author, contact.peerId) > (known?.get(author) ?? 0)) return true;
    }
    return false;
  }

  // --- writing ---------------------------------------------------------------------------

  /**
   * Commits a batch through the journal, then makes it known: offered
   * vectors rise, deltas go to linked members, our own new messages are
   * pushed to them, and the user hears of what is shown.
   */
  commit(b: Batch): Promise<void> {
    return this.d.journal.groups(b.seal()).then(
      () => this.committed(b),
      (err) => {
        log.debug(`cannot store group messages: ${(err as Error).message}`);
        // What was decided in memory is not in the store: start again from the store.
        void this.d.journal.drain().then(() => this.load()).catch(() => {});
        throw err;
      },
    );
  }

  /** Signs our next messages (text or events) into `b`; nothing is written yet. Throws when we may not write in `g`. */
  draftOwn(g: GroupModel, items: readonly { kind: number; body: string }[], b: Batch): GroupMessageRow[] {
    const now = Date.now();
    return items.map((it) => {
      const draft = g.draft(it.kind, it.body, now);
      if (!draft) throw new Error(`not a member of #${g.row.alias}`);
      const row = signRow(this.key, draft);
      const r = g.accept(row, decodeGroupEvent(it.kind, it.body), b);
      if (r !== null) throw new Error(`our own message was refused (${r})`);
      this.own.set(row.id, { group: g.id, seq: row.seq });
      if (this.own.size > OWN_REMEMBERED) this.own.delete(this.own.keys().next().value!);
      return row;
    });
  }

  /** Writes our own messages to a group, in order, in one transaction. */
  async writeOwn(g: GroupModel, items: readonly { kind: number; body: string }[]): Promise<GroupMessageRow[]> {
    const b = new Batch();
    const rows = this.draftOwn(g, items, b);
    await this.commit(b);
    return rows;
  }

  /** Status of our group messages written in this run: delivered once every other member holds them. */
  statusOf(ids: readonly string[]): Map<string, "sent" | "delivered"> {
    const out = new Map<string, "sent" | "delivered">();
    for (const id of ids) {
      const o = this.own.get(id);
      const g = o ? this.registry.models.get(o.group) : undefined;
      if (!o || !g) continue;
      const d = g.delivery(o.seq);
      out.set(id, d.to === d.of ? "delivered" : "sent");
    }
    return out;
  }

  // --- after a commit ----------------------------------------------------------------------

  private committed(b: Batch): void {
    const { models } = this.registry;
    const changed = new Map<GroupModel, Set<string>>();
    for (const [gid, authors] of b.contig) {
      const g = models.get(gid);
      if (!g) continue;
      for (const [a, c] of authors) {
        if (g.committed.get(a) === c) continue;
        g.committed.set(a, c);
        let set = changed.get(g);
        if (!set) changed.set(g, (set = new Set()));
        set.add(a);
      }
    }
    for (const [gid, authors] of b.chains) {
      const g = models.get(gid);
      if (!g) continue;
      for (const [a, chain] of authors) {
        if (chain === null) g.committedChains.delete(a);
        else g.committedChains.set(a, chain);
      }
    }
    for (const gid of b.membership) {
      const g = models.get(gid);
      if (g) this.membershipChanged(g);
    }
    const ownRows = new Map<GroupModel, GroupMessageRow[]>();
    for (const row of b.shown) {
      const g = models.get(row.group);
      const until = g?.members.get(row.author)?.until;
      if (!g || (until != null && row.seq > until)) continue; // dropped by a removal in the same batch
      if (row.author !== g.row.selfKey) {
        this.ownKeys.shown(g, row);
        this.d.emit({ type: "message", entry: this.registry.entryOf(g, row) });
        const author = row.kind === GROUP_FILE_KIND ? g.members.get(row.author) : undefined;
        if (author) this.d.filePosted?.(g.id, author.peerId, this.registry.nameOf(g, row.author), row.body);
        continue;
      }
      let list = ownRows.get(g);
      if (!list) ownRows.set(g, (list = []));
      list.push(row);
    }
    for (const [g, authors] of changed) {
      this.fanout.delta(g, authors);
      this.forks.committed(g, authors);
    }
    for (const [g, rows] of ownRows) {
      this.fanout.push(g, rows);
      const d = g.delivery(rows[rows.length - 1]!.seq);
      const texts = rows.filter((r) => r.kind === 0).map((r) => r.id);
      if (texts.length > 0) this.d.emit({ type: "status", peer: `#${g.row.alias}`, ids: texts, status: d.to === d.of ? "delivered" : "sent" });
    }
  }

  private membershipChanged(g: GroupModel): void {
    const before = this.registry.announced.get(g.id);
    if (before !== g.state) {
      this.registry.announced.set(g.id, g.state);
      const change = g.state === "member" && before === "joining" ? "joined" : g.state === "removed" ? "removed" : g.state === "left" ? "left" : null;
      if (change) this.d.emit({ type: "group", group: `#${g.row.alias}`, change });
    }
    this.fanout.reshare(g);
    this.ownKeys.claim(g);
    // Members we have as contacts but no link to: dial them, they may lack what we hold.
    for (const m of g.active()) {
      const c = m.author === g.row.selfKey ? undefined : this.d.contacts.byPeer(m.peerId);
      if (c && !this.d.linkTo(c)) this.d.dial(c);
    }
  }

  private tick(): void {
    for (const group of this.wants.stalled()) this.wants.schedule(group);
    this.forks.tick();
    this.gossip.tick();
    this.receipts.save();
  }

  /** What we lack of a group, per author, the creator's first (its events decide who else counts); for a group new to us, its create. */
  private needs(group: string): Need[] {
    const g = this.registry.models.get(group);
    if (!g) {
      const creator = this.registry.joining.get(group);
      return creator ? [{ author: creator, have: 0, limit: 1 }] : [];
    }
    if (g.state === "left") return [];
    const members = [...g.members.values()].sort((a, b) => Number(b.author === g.row.creator) - Number(a.author === g.row.creator));
    // Removed: what was written before our removal, and the creator's events (peers offer us more of them only once it adds us again).
    const me = g.state === "removed" ? g.members.get(g.row.selfKey) : undefined;
    const limitOf = (m: (typeof members)[number]) => Math.min(m.until ?? Number.MAX_SAFE_INTEGER, me && m.author !== g.row.creator ? g.entitled(me, m.author) : Number.MAX_SAFE_INTEGER);
    return members.map((m) => ({ author: m.author, have: m.contig, limit: limitOf(m) }));
  }
}
