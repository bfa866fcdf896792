// Group chat over the pairwise links we already have. The design, in short:
//
// Identity. Each home signs with its Ed25519 discovery key (its "author
// key"). On every link between two nodes that speak groups (hello cap
// "groups"), each first sends a group-key frame: its key and a signature over
// its peer id, so the key is bound to the identity the TLS pin proved. The
// creator adds a contact to a group with the key its link proved (or the one
// its invite or hello carried).
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
// the "delivered to 3 of 5" counts. Our own new messages are pushed at once
// to the members linked to us; the others fetch them from whoever has them.
// Every second, changed receipts are gossiped (a full vector) and saved.
//
// Trust. A peer gets a group's data only if it is a member in our view
// (vectors.ts); a removed member gets the creator's events up to its removal
// and nothing else. What we receive is checked by signature and membership,
// whoever carries it: a bad signature, a non-member author, a removed
// member's later seqs, a forged event are refused and not stored (stats).
//
// Everything is written through the journal, in the same transactions as
// the rest; vectors offer only what is committed.
import { groupMessageUuid } from "../../protocol/group-codec.ts";
import { decodeGroupEvent, type GroupEvent } from "../../protocol/group-events.ts";
import type { GroupFrame, GroupKeyFrame, GroupMessageFrame, GroupVectorFrame, GroupWantFrame } from "../../protocol/messages.ts";
import type { PeerId } from "../../protocol/peer-id.ts";
import type { Contact, GroupMembership, GroupMessageRow, GroupReceipt, HistoryEntry, Store } from "../../store/store.ts";
import type { Link } from "../../transport/link.ts";
import { describeGroupEvent } from "../../store/sql-groups.ts";
import { childLogger } from "../../log.ts";
import type { Contacts } from "../contacts.ts";
import type { NodeEvent } from "../events.ts";
import type { Journal } from "../journal.ts";
import { keyFrame, signRow, verifyKeyFrame, verifyMessage, type AuthorKey } from "./keys.ts";
import { Batch, GroupModel, type PosCounter } from "./model.ts";
import { Responder } from "./responder.ts";
import { shareFor, shareLimit, vectorFor } from "./vectors.ts";
import { Wants, type Source } from "./wants.ts";

const log = childLogger("groups");

/** The hello cap of nodes that speak groups: only their links carry group frames. */
export const GROUPS_CAP = "groups";
/** Receipts are gossiped and saved, and stalled wants asked again, this often. */
export const TICK_MS = 1000;
/** Groups a peer may offer us that we do not know yet (we fetch their creator's events to learn whether we belong). */
const MAX_JOINING = 64;

export interface GroupSyncDeps {
  self: PeerId;
  /** Our display name (for the creator's name in a create). */
  name(): string;
  store: Store;
  journal: Journal;
  contacts: Contacts;
  emit(event: NodeEvent): void;
  /** A contact's adopted link, if up. */
  linkTo(contact: Contact): Link | undefined;
  dial(contact: Contact): void;
}

/** One link to a node that speaks groups. */
class PeerLink implements Source {
  readonly offers = new Map<string, Map<string, number>>();
  inflight = 0;
  /** Its author key, once proven. */
  key: string | null = null;
  /** Groups we sent it a full vector of on this link. */
  readonly offered = new Set<string>();
  constructor(
    readonly link: Link,
    readonly peerId: PeerId,
    readonly responder: Responder,
    readonly order: number,
  ) {}
}

export interface GroupStats {
  /** Messages stored from peers, and of those, carried by a peer that is not their author. */
  stored: number;
  relayed: number;
  duplicate: number;
  refused: Record<"bad-signature" | "unknown-group" | "not-member" | "removed" | "ahead" | "forged", number>;
  /** Messages we sent to peers that asked (ours and others'). */
  served: number;
}

export class GroupSync {
  readonly models = new Map<string, GroupModel>();
  readonly counter: PosCounter = { pos: 0 };
  readonly stats: GroupStats = { stored: 0, relayed: 0, duplicate: 0, refused: { "bad-signature": 0, "unknown-group": 0, "not-member": 0, removed: 0, ahead: 0, forged: 0 }, served: 0 };
  /** Keys peers proved on their links. */
  readonly peerKeys = new Map<PeerId, string>();
  private readonly links = new Map<Link, PeerLink>();
  /** Groups offered to us that we do not know yet: their creator. */
  private readonly joining = new Map<string, string>();
  private readonly wants: Wants;
  private readonly announced = new Map<string, GroupMembership>();
  private receipts: GroupReceipt[] = [];
  private readonly gossip = new Set<string>();
  /** Our messages written in this run, for statusOf. */
  private readonly own = new Map<string, { group: string; seq: number }>();
  private timer: ReturnType<typeof setInterval> | null = null;
  private nextOrder = 0;
  private authorKey: AuthorKey | null = null;

  constructor(private readonly d: GroupSyncDeps) {
    this.wants = new Wants({
      sources: (group) => [...this.links.values()].filter((pl) => pl.offers.has(group)),
      needs: (group) => this.needs(group),
      ask: (source, group, ranges) => (source as PeerLink).link.sendGroup({ type: "group-want", group, ranges }),
    });
  }

  /** Our author key (the home's discovery key). */
  get key(): AuthorKey {
    if (!this.authorKey) throw new Error("groups: not loaded");
    return this.authorKey;
  }

  /** Reads the groups from the store (at start with our key, and after a failed commit). */
  async load(key?: AuthorKey): Promise<void> {
    if (key) this.authorKey = key;
    const snap = await this.d.store.groupSnapshot();
    this.models.clear();
    this.counter.pos = snap.maxPos;
    for (const row of snap.groups) {
      const g = new GroupModel(row, this.counter);
      g.load(
        snap.members.filter((m) => m.group === row.id),
        snap.waiting.filter((w) => w.group === row.id),
      );
      this.models.set(row.id, g);
      this.announced.set(row.id, row.state);
    }
    for (const r of snap.receipts) this.models.get(r.group)?.learn(r.member, r.author, r.seq);
    for (const k of snap.peerKeys) this.peerKeys.set(k.peerId, k.author);
    this.timer ??= setInterval(() => this.tick(), TICK_MS);
    this.timer.unref?.();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.saveReceipts();
    for (const pl of this.links.values()) pl.responder.stop();
  }

  byAlias(alias: string): GroupModel | undefined {
    for (const g of this.models.values()) if (g.row.alias === alias) return g;
    return undefined;
  }

  // --- links --------------------------------------------------------------------------

  /** A contact's link is up: prove our key, offer what it may have. */
  up(link: Link, _contact?: Contact): void {
    if (!link.peerHello?.caps.includes(GROUPS_CAP) || this.links.has(link)) return;
    const pl = new PeerLink(link, link.peerId!, new Responder(link, this.d.store, this.d.journal, (rows) => (this.stats.served += rows.length)), this.nextOrder++);
    this.links.set(link, pl);
    link.sendGroup(keyFrame(this.key, this.d.self));
    for (const g of this.models.values()) this.offer(pl, g);
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
      if (msgs.length > 0) {
        this.onMessages(pl, msgs);
        msgs = [];
      }
      if (f.type === "group-key") this.onKey(pl, f);
      else if (f.type === "group-vector") this.onVector(pl, f);
      else this.onWant(pl, f);
    }
    if (msgs.length > 0) this.onMessages(pl, msgs);
  }

  /** Whether `contact` lacks something of a group we share: the dialer then tries to reach it. */
  owes(contact: Contact): boolean {
    if (!contact.peerId) return false;
    for (const g of this.models.values()) {
      const share = shareFor(g, contact.peerId);
      if (!share) continue;
      const m = g.memberByPeer(contact.peerId)!;
      const known = g.known.get(m.author);
      for (const author of g.committed.keys()) if (shareLimit(g, share, author, contact.peerId) > (known?.get(author) ?? 0)) return true;
    }
    return false;
  }

  // --- frames ---------------------------------------------------------------------------

  private onKey(pl: PeerLink, f: GroupKeyFrame): void {
    if (!verifyKeyFrame(f, pl.peerId)) {
      log.debug(`${pl.peerId}: a group key whose signature does not hold: ignored`);
      return;
    }
    pl.key = f.key;
    if (this.peerKeys.get(pl.peerId) === f.key) return;
    this.peerKeys.set(pl.peerId, f.key);
    void this.d.store.savePeerKey(pl.peerId, f.key, Date.now()).catch((err) => log.debug(`cannot save ${pl.peerId}'s group key: ${(err as Error).message}`));
  }

  private onVector(pl: PeerLink, f: GroupVectorFrame): void {
    const g = this.models.get(f.group);
    if (!g) {
      // A group new to us: fetch its creator's events, to learn whether we belong.
      if (!f.full || (!this.joining.has(f.group) && this.joining.size >= MAX_JOINING)) return;
      this.joining.set(f.group, f.creator);
    }
    const own = f.rows[0]!;
    const offers = f.full ? new Map<string, number>() : (pl.offers.get(f.group) ?? new Map<string, number>());
    for (const e of own.entries) offers.set(e.author, Math.max(offers.get(e.author) ?? 0, e.seq));
    pl.offers.set(f.group, offers);
    if (g) {
      // What each member holds: the sender's own row counts only under its proven key.
      for (const [i, row] of f.rows.entries()) {
        if (i === 0 && row.member !== pl.key) continue;
        if (!g.members.has(row.member)) continue;
        for (const e of row.entries) this.learn(g, row.member, e.author, e.seq);
      }
      // It may have learned of the group after the link came up.
      this.offer(pl, g);
    }
    this.wants.schedule(f.group);
  }

  private onWant(pl: PeerLink, f: GroupWantFrame): void {
    const g = this.models.get(f.group);
    const share = g ? shareFor(g, pl.peerId) : null;
    if (!g || !share) return;
    const ranges = f.ranges.map((r) => ({ group: f.group, author: r.author, from: r.from, to: Math.min(r.to, shareLimit(g, share, r.author, pl.peerId)) }));
    pl.responder.enqueue(ranges);
  }

  private onMessages(pl: PeerLink, frames: GroupMessageFrame[]): void {
    const b = new Batch();
    b.write.received = true;
    const now = Date.now();
    const touched = new Set<string>();
    for (const f of frames) {
      const g = this.models.get(f.group) ?? this.startJoining(pl, f, now, b);
      if (!g) {
        this.refuse("unknown-group", pl, f);
        continue;
      }
      touched.add(g.id);
      if (g.state === "left" || g.state === "removed") continue; // we take nothing more
      if (!verifyMessage(f)) {
        this.refuse("bad-signature", pl, f);
        continue;
      }
      let ev: GroupEvent | null | "bad";
      try {
        ev = decodeGroupEvent(f.kind, f.body);
      } catch {
        ev = "bad";
      }
      const row: GroupMessageRow = { group: f.group, author: f.author, seq: f.seq, id: groupMessageUuid(f.group, f.author, f.seq), kind: f.kind, body: f.body, sig: f.sig, created: f.created, received: now, pos: null };
      const r = g.accept(row, ev, b);
      if (r === null || r === "duplicate") this.wants.progress(g.id, f.author, pl);
      if (r === null) {
        this.stats.stored++;
        if (pl.key !== f.author) this.stats.relayed++;
      } else if (r === "duplicate") {
        this.stats.duplicate++;
      } else {
        this.refuse(r, pl, f);
      }
    }
    if (!b.empty) void this.commit(b).catch(() => {});
    for (const group of touched) this.wants.schedule(group);
  }

  /** The creator's create of a group a peer offered us: the group starts here (joining, until its add of us is shown). */
  private startJoining(pl: PeerLink, f: GroupMessageFrame, now: number, b: Batch): GroupModel | null {
    const creator = this.joining.get(f.group);
    if (creator === undefined || !pl.offers.has(f.group) || f.author !== creator || f.seq !== 1 || !verifyMessage(f)) return null;
    let ev: GroupEvent | null;
    try {
      ev = decodeGroupEvent(f.kind, f.body);
    } catch {
      return null;
    }
    if (ev?.kind !== "create") return null;
    const create: GroupMessageRow = { group: f.group, author: f.author, seq: 1, id: groupMessageUuid(f.group, f.author, 1), kind: f.kind, body: f.body, sig: f.sig, created: f.created, received: now, pos: null };
    const g = GroupModel.fromCreate(create, ev, this.key.hex, this.uniqueAlias(ev.name), now, this.counter, b);
    this.models.set(g.id, g);
    this.joining.delete(f.group);
    this.announced.set(g.id, g.state);
    return g;
  }

  private refuse(why: keyof GroupStats["refused"], pl: PeerLink, f: GroupMessageFrame): void {
    this.stats.refused[why]++;
    log.debug(`refused a group message (${why}) from ${pl.peerId}: group ${f.group} author ${f.author.slice(0, 8)} seq ${f.seq}`);
  }

  // --- writing --------------------------------------------------------------------------

  /**
   * Commits a batch through the journal, then makes it known: the offered
   * vectors rise, deltas go to linked members, our own new messages are
   * pushed to them, and the user hears of what is shown.
   */
  commit(b: Batch): Promise<void> {
    const w = b.seal();
    return this.d.journal.groups(w).then(
      () => this.committed(b),
      (err) => {
        log.debug(`cannot store group messages: ${(err as Error).message}`);
        // What was decided in memory is not in the store: start again from the store.
        void this.d.journal.drain().then(() => this.load()).catch(() => {});
        throw err;
      },
    );
  }

  /** Writes our own messages (text or events) to a group, in order, in one transaction. */
  async writeOwn(g: GroupModel, items: readonly { kind: number; body: string }[], b = new Batch()): Promise<GroupMessageRow[]> {
    const rows = this.draftOwn(g, items, b);
    await this.commit(b);
    return rows;
  }

  /** Signs our next messages into `b` (nothing is written yet); throws when we may not write in `g`. */
  draftOwn(g: GroupModel, items: readonly { kind: number; body: string }[], b: Batch): GroupMessageRow[] {
    const now = Date.now();
    const rows: GroupMessageRow[] = [];
    for (const it of items) {
      const draft = g.draft(it.kind, it.body, now);
      if (!draft) throw new Error(`not a member of #${g.row.alias}`);
      const row = signRow(this.key, draft);
      const r = g.accept(row, it.kind === 0 ? null : decodeGroupEvent(it.kind, it.body), b);
      if (r !== null) throw new Error(`our own message was refused (${r})`);
      rows.push(row);
      this.own.set(row.id, { group: g.id, seq: row.seq });
    }
    return rows;
  }

  /** Status of our group messages written in this run: delivered once every other member holds them. */
  statusOf(ids: readonly string[]): Map<string, "sent" | "delivered"> {
    const out = new Map<string, "sent" | "delivered">();
    for (const id of ids) {
      const o = this.own.get(id);
      const g = o ? this.models.get(o.group) : undefined;
      if (!o || !g) continue;
      const d = g.delivery(o.seq);
      out.set(id, d.to === d.of ? "delivered" : "sent");
    }
    return out;
  }

  uniqueAlias(name: string): string {
    const taken = new Set([...this.models.values()].map((g) => g.row.alias));
    for (let n = 1; ; n++) {
      const alias = n === 1 ? name : `${[...name].slice(0, 40 - String(n).length - 1).join("")}-${n}`;
      if (!taken.has(alias)) return alias;
    }
  }

  /** Registers a group made here (the book creates it). */
  adopt(g: GroupModel): void {
    this.models.set(g.id, g);
    this.announced.set(g.id, g.state);
  }

  // --- after a commit -----------------------------------------------------------------

  private committed(b: Batch): void {
    const changed = new Map<string, Set<string>>();
    for (const [gid, authors] of b.contig) {
      const g = this.models.get(gid);
      if (!g) continue;
      for (const [a, c] of authors) {
        if (g.committed.get(a) === c) continue;
        g.committed.set(a, c);
        let set = changed.get(gid);
        if (!set) changed.set(gid, (set = new Set()));
        set.add(a);
      }
    }
    for (const gid of b.membership) {
      const g = this.models.get(gid);
      if (g) this.membershipChanged(g);
    }
    const ownRows = new Map<string, GroupMessageRow[]>();
    for (const row of b.shown) {
      const g = this.models.get(row.group);
      if (!g) continue;
      const m = g.members.get(row.author);
      if (m?.until != null && row.seq > m.until) continue; // dropped by a removal in the same batch
      if (row.author === g.row.selfKey) {
        let list = ownRows.get(g.id);
        if (!list) ownRows.set(g.id, (list = []));
        list.push(row);
      } else {
        this.d.emit({ type: "message", entry: this.entryOf(g, row) });
      }
    }
    for (const [gid, authors] of changed) this.sendDelta(this.models.get(gid)!, authors);
    for (const [gid, rows] of ownRows) {
      const g = this.models.get(gid)!;
      this.push(g, rows);
      const d = g.delivery(rows[rows.length - 1]!.seq);
      const texts = rows.filter((r) => r.kind === 0).map((r) => r.id);
      if (texts.length > 0) this.d.emit({ type: "status", peer: `#${g.row.alias}`, ids: texts, status: d.to === d.of ? "delivered" : "sent" });
    }
  }

  private membershipChanged(g: GroupModel): void {
    if (this.announced.get(g.id) !== g.state) {
      const before = this.announced.get(g.id);
      this.announced.set(g.id, g.state);
      const change = g.state === "member" && before === "joining" ? "joined" : g.state === "removed" ? "removed" : g.state === "left" ? "left" : null;
      if (change) this.d.emit({ type: "group", group: `#${g.row.alias}`, change });
    }
    for (const pl of this.links.values()) {
      if (shareFor(g, pl.peerId)) this.offer(pl, g);
      else pl.offered.delete(g.id);
    }
    for (const m of g.active()) {
      const c = this.d.contacts.byPeer(m.peerId);
      if (c && !this.d.linkTo(c) && m.author !== g.row.selfKey) this.d.dial(c);
    }
  }

  /** A full vector, once per link, to a peer that may have this group. */
  private offer(pl: PeerLink, g: GroupModel): void {
    const share = shareFor(g, pl.peerId);
    if (!share || pl.offered.has(g.id)) return;
    const v = vectorFor(g, share, pl.peerId, { full: true, receipts: true });
    if (!v) return;
    pl.offered.add(g.id);
    pl.link.sendGroup(v);
  }

  private sendDelta(g: GroupModel, authors: Set<string>): void {
    for (const pl of this.links.values()) {
      if (!pl.offered.has(g.id)) continue;
      const share = shareFor(g, pl.peerId);
      const v = share ? vectorFor(g, share, pl.peerId, { full: false, only: authors }) : null;
      if (v) pl.link.sendGroup(v);
    }
  }

  /** Our new messages go at once to the members linked to us. */
  private push(g: GroupModel, rows: GroupMessageRow[]): void {
    for (const pl of this.links.values()) {
      const share = shareFor(g, pl.peerId);
      if (share === "full" || share === "own") pl.link.sendGroupMessages(rows);
    }
  }

  private learn(g: GroupModel, member: string, author: string, seq: number): void {
    const before = g.known.get(member)?.get(author) ?? 0;
    if (!g.learn(member, author, seq)) return;
    this.receipts.push({ group: g.id, member, author, seq });
    this.gossip.add(g.id);
    if (author !== g.row.selfKey) return;
    // Our own messages (before, seq] are held by one more member.
    const upTo = Math.min(seq, g.committed.get(author) ?? 0);
    const byCount = new Map<string, string[]>();
    for (let s = before + 1; s <= upTo; s++) {
      const d = g.delivery(s);
      const k = `${d.to} ${d.of}`;
      let ids = byCount.get(k);
      if (!ids) byCount.set(k, (ids = []));
      ids.push(groupMessageUuid(g.id, author, s));
    }
    for (const [k, ids] of byCount) {
      const [to, of] = k.split(" ").map(Number) as [number, number];
      this.d.emit({ type: "group-delivery", group: `#${g.row.alias}`, ids, to, of });
      if (to === of) this.d.emit({ type: "status", peer: `#${g.row.alias}`, ids, status: "delivered" });
    }
  }

  private tick(): void {
    for (const group of this.wants.stalled()) this.wants.schedule(group);
    for (const gid of this.gossip) {
      const g = this.models.get(gid);
      if (!g) continue;
      for (const pl of this.links.values()) {
        const share = shareFor(g, pl.peerId);
        if (share !== "full" || !pl.offered.has(gid)) continue;
        const v = vectorFor(g, share, pl.peerId, { full: true, receipts: true });
        if (v) pl.link.sendGroup(v);
      }
    }
    this.gossip.clear();
    this.saveReceipts();
  }

  private saveReceipts(): void {
    if (this.receipts.length === 0) return;
    const receipts = this.receipts;
    this.receipts = [];
    void this.d.journal.groups({ receipts }).catch(() => {});
  }

  // --- helpers ---------------------------------------------------------------------------

  /** What we lack of a group, per author (a group new to us: its creator's events). */
  private needs(group: string): { author: string; have: number; limit: number }[] {
    const g = this.models.get(group);
    if (!g) {
      const creator = this.joining.get(group);
      return creator ? [{ author: creator, have: 0, limit: 1 }] : [];
    }
    if (g.state === "left" || g.state === "removed") return [];
    const out: { author: string; have: number; limit: number }[] = [];
    // The creator's events first: they decide who else counts.
    const members = [...g.members.values()].sort((a, b) => (a.author === g.row.creator ? -1 : b.author === g.row.creator ? 1 : 0));
    for (const m of members) out.push({ author: m.author, have: m.contig, limit: m.until ?? Number.MAX_SAFE_INTEGER });
    return out;
  }

  /** A shown row as the user sees it. */
  entryOf(g: GroupModel, row: GroupMessageRow): HistoryEntry {
    const nameOf = (key: unknown) => (typeof key === "string" ? this.nameOf(g, key) : "someone");
    const event = row.kind !== 0;
    const own = row.author === g.row.selfKey;
    return {
      id: row.id,
      direction: own ? "out" : "in",
      peer: `#${g.row.alias}`,
      text: event ? describeGroupEvent(row, nameOf) : row.body,
      status: own ? "sent" : "received",
      time: own ? row.created : row.received,
      author: nameOf(row.author),
      ...(event ? { event: true } : {}),
    };
  }

  /** A member's name here: our contact's name for it, else the creator's; ours is ours. */
  nameOf(g: GroupModel, key: string): string {
    if (key === g.row.selfKey) return this.d.name();
    const m = g.members.get(key);
    if (!m) return `${key.slice(0, 8)}…`;
    return this.d.contacts.byPeer(m.peerId)?.name ?? m.name;
  }
}
