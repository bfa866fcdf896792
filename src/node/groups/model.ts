// One group in memory, and every decision about a message that reaches it:
// stored or not, shown now or waiting for an earlier seq, and what an event
// does to the member list once it is shown. Pure: no I/O, no clock, no keys
// (signatures are checked before: intake.ts, with group-keys.ts). A decision
// is recorded in a Batch (batch.ts): the rows to write in the journal's next
// transaction, and what to announce once it commits.
//
// Membership is replayed from events in the order each author wrote them,
// and only once shown (every earlier seq of their author is here), so every
// member reaches the same list: the creator's adds and removes in the
// creator's order, a member's leave in its own. A removal carries `until`,
// the last seq of that member the creator held: what it wrote up to there
// stays valid wherever it arrives later; anything above is refused, and
// dropped if it was stored while the removal was not yet shown. It also
// carries `held`, what the creator held of every other author then: the
// removed member may still be sent those (written before its removal),
// nothing above (`entitled`). A removed member may be added again by a later
// add: it is then a member like one added for the first time.
//
// Each author's log also has a running hash (its chain, group-forks.ts),
// kept as rows are shown: what vectors carry so members holding different
// logs of an author (a fork) notice (forks.ts). A text that shows nothing
// (protocol/text.ts) keeps its place in its author's log, so the chain and
// the seqs after it hold, but is never shown.
import { GROUP_KIND, decodeGroupEvent, removalHeld, type GroupEvent } from "../../protocol/groups/group-events.ts";
import { ZERO_DIGEST, chainStep } from "../../protocol/groups/group-forks.ts";
import { groupIdFor, groupMessageUuid } from "../../protocol/groups/group-signed.ts";
import { blankText } from "../../protocol/text.ts";
import type { GroupMemberRow, GroupMembership, GroupMessageRow, GroupRow } from "../../store/store.ts";
import type { Batch } from "./batch.ts";

/** Seqs beyond an author's gap-free seq that may wait for the gap to close; later ones are fetched again later. */
export const MAX_AHEAD = 10_000;
/** Members at once (the creator refuses more adds; a replay ignores them). */
export const MAX_MEMBERS = 256;
/** Signatures of each author's latest stored rows kept in memory: a duplicate of one that differs is a fork seen in passing. */
export const RECENT_SIGS = 64;

/** Why a message was not stored. Only "duplicate" is a message we hold. */
export type Refusal = "duplicate" | "not-member" | "removed" | "ahead" | "forged";

/** The display position counter, shared by every group of a node (history orders by it). */
export interface PosCounter {
  pos: number;
}

/** One person among the members: a device's key is named with its member's peer id and add. */
export const personOf = (m: GroupMemberRow): string => `${m.peerId} ${m.addedSeq}`;

export class GroupModel {
  readonly members = new Map<string, GroupMemberRow>();
  /** Stored, not shown yet: per author, by seq. */
  readonly waiting = new Map<string, Map<number, GroupMessageRow>>();
  /** Gap-free seqs as committed: what we offer peers (a peer may ask for all of it at once). */
  readonly committed = new Map<string, number>();
  /** What each other member is known to hold, per author (its vectors, and relayed ones). */
  readonly known = new Map<string, Map<string, number>>();
  /** Whose add event each creator's seq was (0: the creator): how a removal's `held` names authors. */
  readonly addKeys = new Map<number, string>();
  /** Per author, the seqs of its shown rows that are no text (events): what its message count leaves out. */
  readonly eventSeqs = new Map<string, number[]>();
  /** Per removed member: what of each other author it may still get (its removal's `held`). */
  readonly removals = new Map<string, Map<string, number>>();
  /** Per author: its chain at its gap-free seq as decided here (committed or not); absent: not known (0: ZERO_DIGEST). */
  readonly chains = new Map<string, string>();
  /** Per author: its chain at its committed gap-free seq: what our vectors say. */
  readonly committedChains = new Map<string, string>();
  /** Per author: the signatures of its latest stored rows, by seq (RECENT_SIGS of them). */
  readonly recent = new Map<string, Map<number, string>>();
  /** Per author, per seq it signed more than one version of: the content hashes of those we hold (forks.ts). */
  readonly forks = new Map<string, Map<number, Set<string>>>();
  /**
   * Members by peer id, made again after a member is added or added again
   * (its peer id may change then): memberByPeer is asked for every vector
   * and every link, and looking over 100 members each time was a good part
   * of what a post cost a group of 100.
   */
  private byPeer: Map<string, GroupMemberRow[]> | null = null;

  constructor(
    readonly row: GroupRow,
    private readonly counter: PosCounter,
  ) {
    this.addKeys.set(0, row.creator);
  }

  get id(): string {
    return this.row.id;
  }

  get state(): GroupMembership {
    return this.row.state;
  }

  /** Loads what the store holds (at start); `events`: the creator's shown adds and removes, in its order. */
  load(
    members: readonly GroupMemberRow[],
    waiting: readonly GroupMessageRow[],
    events: readonly Pick<GroupMessageRow, "seq" | "kind" | "body">[] = [],
    eventSeqs: readonly Pick<GroupMessageRow, "author" | "seq">[] = [],
  ): void {
    for (const e of eventSeqs) this.eventSeqsOf(e.author).push(e.seq);
    for (const m of members) {
      this.members.set(m.author, { ...m });
      this.byPeer = null;
      this.committed.set(m.author, m.contig);
      if (m.contig === 0) this.setChain(m.author, ZERO_DIGEST, true);
    }
    for (const w of waiting) this.waitingOf(w.author).set(w.seq, w);
    for (const e of events) {
      let ev: GroupEvent | null;
      try {
        ev = decodeGroupEvent(e.kind, e.body);
      } catch {
        continue;
      }
      if (ev?.kind === "add") this.addKeys.set(e.seq, ev.key);
      if (ev?.kind === "remove" && this.members.get(ev.key)?.gone === e.seq) this.removals.set(ev.key, removalHeld(ev.held, (k) => this.addKeys.get(k)));
    }
  }

  /** A group starting from its create event: ours (we are the creator and a member), or one we are joining. */
  static fromCreate(create: GroupMessageRow, ev: Extract<GroupEvent, { kind: "create" }>, self: string, alias: string, now: number, counter: PosCounter, b: Batch): GroupModel {
    const row: GroupRow = { id: create.group, alias, name: ev.name, creator: create.author, selfKey: self, state: create.author === self ? "member" : "joining", createdAt: create.created, joinedAt: now };
    const g = new GroupModel(row, counter);
    const creator: GroupMemberRow = { group: row.id, author: create.author, peerId: ev.peer, name: ev.owner, addedSeq: 0, until: null, gone: null, contig: 0 };
    g.members.set(creator.author, creator);
    b.write.groups.push({ ...row });
    b.member(creator);
    b.membership.add(row.id);
    return g;
  }

  /** Chains read from the store (at start, or computed for rows from before chains were kept): decided and committed. */
  setChain(author: string, chain: string, committed: boolean): void {
    this.chains.set(author, chain);
    if (committed) this.committedChains.set(author, chain);
  }

  /** A fork's version we hold evidence of; true when it is news. */
  addFork(author: string, seq: number, hash: string): boolean {
    let bySeq = this.forks.get(author);
    if (!bySeq) this.forks.set(author, (bySeq = new Map()));
    let hashes = bySeq.get(seq);
    if (!hashes) bySeq.set(seq, (hashes = new Set()));
    if (hashes.has(hash)) return false;
    hashes.add(hash);
    return true;
  }

  isMember(author: string): boolean {
    const m = this.members.get(author);
    return m !== undefined && m.until === null;
  }

  /** Members now, in the order they were added. */
  active(): GroupMemberRow[] {
    return [...this.members.values()].filter((m) => m.until === null).sort((a, b) => a.addedSeq - b.addedSeq);
  }

  /**
   * A member by peer id: one of its keys (a person may write from several
   * devices, each its own key), an active one first, else the one removed
   * last (what it may still get goes up to that removal).
   */
  memberByPeer(peerId: string): GroupMemberRow | undefined {
    if (!this.byPeer) {
      this.byPeer = new Map();
      for (const m of this.members.values()) {
        const list = this.byPeer.get(m.peerId);
        if (list) list.push(m);
        else this.byPeer.set(m.peerId, [m]);
      }
    }
    let found: GroupMemberRow | undefined;
    for (const m of this.byPeer.get(peerId) ?? []) {
      if (m.until === null) return m;
      if (!found || (m.gone ?? -1) > (found.gone ?? -1)) found = m;
    }
    return found;
  }

  /** Members now, one per person (the keys its devices were named under are one member), in the order they were added. */
  people(): GroupMemberRow[] {
    const seen = new Set<string>();
    return this.active().filter((m) => !seen.has(personOf(m)) && seen.add(personOf(m)) !== undefined);
  }

  /** Every key of the person `m` is (itself, and its devices' named by a device event). */
  keysOf(m: GroupMemberRow): GroupMemberRow[] {
    return [...this.members.values()].filter((x) => personOf(x) === personOf(m));
  }

  contig(author: string): number {
    return this.members.get(author)?.contig ?? 0;
  }

  /**
   * Decides about one message whose signature was checked: stores it (and
   * shows what it completes) or says why not. `ev` is its decoded event,
   * null for text or an unknown kind, "bad" for a malformed event.
   */
  accept(m: GroupMessageRow, ev: GroupEvent | null | "bad", b: Batch): Refusal | null {
    const mem = this.members.get(m.author);
    if (!mem) return "not-member";
    if (m.seq <= mem.contig || this.waiting.get(m.author)?.has(m.seq)) return "duplicate";
    if (mem.until !== null && m.seq > mem.until) return "removed";
    if (m.seq > mem.contig + MAX_AHEAD) return "ahead";
    if (!this.authorized(m, ev)) return "forged";
    b.addRow(m);
    this.remember(m);
    if (m.seq !== mem.contig + 1) {
      m.pos = null;
      this.waitingOf(m.author).set(m.seq, m);
      b.member(mem);
      return null;
    }
    this.waitingOf(m.author).set(m.seq, m);
    this.advance(mem, b);
    return null;
  }

  /** Our own next message: the seq after our last. Null when we may not write here. */
  draft(kind: number, body: string, created: number): Omit<GroupMessageRow, "sig"> | null {
    const me = this.members.get(this.row.selfKey);
    if (!me || me.until !== null || this.row.state !== "member") return null;
    const seq = me.contig + 1;
    return { group: this.id, author: me.author, seq, id: groupMessageUuid(this.id, me.author, seq), kind, body, created, received: created, pos: null };
  }

  /** Merges what `member` holds of `author`; true when that is news. */
  learn(member: string, author: string, seq: number): boolean {
    if (member === this.row.selfKey) return false;
    let row = this.known.get(member);
    if (!row) this.known.set(member, (row = new Map()));
    if ((row.get(author) ?? 0) >= seq) return false;
    row.set(author, seq);
    return true;
  }

  /**
   * The last seq of `author` that member `m` may get: all of it while a
   * member; once removed, the creator's up to the removal, its own up to
   * `until`, the others' up to what its removal says the creator held then
   * (written before the removal); once it left, nothing but its own.
   */
  entitled(m: GroupMemberRow, author: string): number {
    if (m.until === null) return Number.MAX_SAFE_INTEGER;
    if (author === m.author) return m.until;
    if (m.gone === null) return 0;
    if (author === this.row.creator) return m.gone;
    return this.removals.get(m.author)?.get(author) ?? 0;
  }

  /**
   * How many other members hold our message `seq`, of how many should:
   * members now, and removed ones it was written before. A person counts
   * once, holding it when any of its devices does; our own other devices
   * do not count.
   */
  delivery(seq: number): { to: number; of: number } {
    const self = this.row.selfKey;
    const us = this.members.get(self)?.peerId;
    const held = new Map<string, boolean>();
    for (const m of this.members.values()) {
      if (m.author === self || m.peerId === us || this.entitled(m, self) < seq) continue;
      held.set(m.peerId, (held.get(m.peerId) ?? false) || (this.known.get(m.author)?.get(self) ?? 0) >= seq);
    }
    return { to: [...held.values()].filter(Boolean).length, of: held.size };
  }

  /**
   * The seqs in (after, upTo] where delivery() may differ from the seq
   * before: after + 1, and each one past a seq some member holds or may get.
   * A member that learns it holds 1,000 more of ours is told in one count
   * per run, not 1,000 looks over every member.
   */
  deliverySteps(after: number, upTo: number): Set<number> {
    const self = this.row.selfKey;
    const out = new Set([after + 1]);
    for (const m of this.members.values()) {
      const held = this.known.get(m.author)?.get(self) ?? 0;
      if (held > after && held < upTo) out.add(held + 1);
      const may = this.entitled(m, self);
      if (may > after && may < upTo) out.add(may + 1);
    }
    return out;
  }

  /** The `held` of a removal of `removed` written now: what we hold of each other author, under the seq of its add, as many as fit. */
  removalHeld(removed: string, fits: (held: Record<string, number>) => boolean): Record<string, number> {
    const held: Record<string, number> = {};
    const authors = [...this.members.values()]
      // A device's key has no add of its own (it shares its member's): `held` cannot name it.
      .filter((m) => m.author !== removed && m.author !== this.row.creator && this.addKeys.get(m.addedSeq) === m.author && (this.committed.get(m.author) ?? 0) > 0)
      .sort((a, b) => (this.committed.get(b.author) ?? 0) - (this.committed.get(a.author) ?? 0));
    for (const m of authors) {
      held[String(m.addedSeq)] = this.committed.get(m.author)!;
      if (!fits(held)) {
        delete held[String(m.addedSeq)];
        break;
      }
    }
    return held;
  }

  // --- internals ----------------------------------------------------------------

  /** `author`'s text messages shown here (its events left out). */
  texts(author: string): number {
    const contig = this.contig(author);
    return contig - (this.eventSeqs.get(author)?.filter((s) => s <= contig).length ?? 0);
  }

  /** Keeps the signature of a row just stored, forgetting the oldest past RECENT_SIGS. */
  private remember(m: GroupMessageRow): void {
    let r = this.recent.get(m.author);
    if (!r) this.recent.set(m.author, (r = new Map()));
    r.set(m.seq, m.sig);
    if (r.size > RECENT_SIGS) r.delete(r.keys().next().value!);
  }

  private eventSeqsOf(author: string): number[] {
    let l = this.eventSeqs.get(author);
    if (!l) this.eventSeqs.set(author, (l = []));
    return l;
  }

  private waitingOf(author: string): Map<number, GroupMessageRow> {
    let w = this.waiting.get(author);
    if (!w) this.waiting.set(author, (w = new Map()));
    return w;
  }

  /** Who may write what: the create only as the creator's seq 1 (and it must derive the group id), adds and removes only by the creator. */
  private authorized(m: GroupMessageRow, ev: GroupEvent | null | "bad"): boolean {
    if (ev === "bad") return false;
    const creatorFirst = m.author === this.row.creator && m.seq === 1;
    if (creatorFirst || ev?.kind === "create") return creatorFirst && ev?.kind === "create" && groupIdFor(m.author, ev.nonce) === this.id;
    if (ev?.kind === "add" || ev?.kind === "remove") return m.author === this.row.creator;
    return true;
  }

  /** Shows `mem`'s rows from its gap-free seq on, as far as they go, applying each event as it is shown. */
  private advance(mem: GroupMemberRow, b: Batch): void {
    const waiting = this.waitingOf(mem.author);
    let chain = mem.contig === 0 ? ZERO_DIGEST : (this.chains.get(mem.author) ?? null);
    let moved = false;
    for (;;) {
      const next = mem.contig + 1;
      const row = waiting.get(next);
      if (!row || (mem.until !== null && next > mem.until)) break;
      waiting.delete(next);
      mem.contig = next;
      moved = true;
      chain = chain === null ? null : chainStep(chain, row);
      row.chain = chain;
      // A text that shows nothing (only a node that skipped the check writes one) holds its place, unseen.
      // So does a device's key (an event about keys, not news for anyone).
      if ((row.kind === 0 && blankText(row.body) !== null) || row.kind === GROUP_KIND.device) b.show(row, 0);
      else b.show(row, ++this.counter.pos);
      if (row.kind !== 0) {
        this.eventSeqsOf(mem.author).push(next);
        this.apply(row, b);
      }
    }
    if (!moved) return b.member(mem);
    if (chain === null) this.chains.delete(mem.author);
    else this.chains.set(mem.author, chain);
    b.member(mem, chain);
  }

  private apply(row: GroupMessageRow, b: Batch): void {
    let ev: GroupEvent | null;
    try {
      ev = decodeGroupEvent(row.kind, row.body);
    } catch {
      return; // refused before it was stored; a row from an older store is only shown
    }
    if (!ev) return;
    switch (ev.kind) {
      case "create":
        return;
      case "add": {
        this.addKeys.set(row.seq, ev.key);
        const known = this.members.get(ev.key);
        if (known) return this.readd(known, ev, row.seq, b);
        if (this.active().length >= MAX_MEMBERS) return;
        const m: GroupMemberRow = { group: this.id, author: ev.key, peerId: ev.peer, name: ev.name, addedSeq: row.seq, until: null, gone: null, contig: 0 };
        this.members.set(m.author, m);
        this.byPeer = null;
        b.member(m);
        b.membership.add(this.id);
        // Rows of this member stored before its add was shown (an older store): they can be shown now.
        if (this.waiting.get(m.author)?.has(1)) this.advance(m, b);
        if (ev.key === this.row.selfKey && this.row.state === "joining") this.setState("member", b);
        return;
      }
      case "remove":
        if (this.isMember(ev.key)) this.removals.set(ev.key, removalHeld(ev.held, (k) => this.addKeys.get(k)));
        return this.end(ev.key, ev.until, row.seq, "removed", b);
      case "leave":
        return this.end(row.author, row.seq, null, "left", b);
      case "device":
        return this.device(row.author, ev.key, ev.peer, b);
    }
  }

  /**
   * A member names another key of its own (another of its devices; the key's
   * signature for the peer id was checked before): a member too, under the
   * same peer id and name, writing in its own sequence. Only an active
   * member's, for its own peer id, of a key no member has.
   */
  private device(by: string, key: string, peer: string, b: Batch): void {
    const m = this.members.get(by);
    if (!m || m.until !== null || m.peerId !== peer || this.members.has(key) || this.active().length >= MAX_MEMBERS) return;
    const d: GroupMemberRow = { group: this.id, author: key, peerId: m.peerId, name: m.name, addedSeq: m.addedSeq, until: null, gone: null, contig: 0 };
    this.members.set(key, d);
    this.byPeer = null;
    b.member(d);
    b.membership.add(this.id);
    if (this.waiting.get(key)?.has(1)) this.advance(d, b);
    if (key === this.row.selfKey && this.row.state === "joining") this.setState("member", b);
  }

  /**
   * An add of one the creator removed: a member again, as if added now
   * (it gets the whole log, as any member added later does); it writes on
   * from its last valid seq. A second add of a member, or one of a member
   * that left by itself, changes nothing.
   */
  private readd(m: GroupMemberRow, ev: Extract<GroupEvent, { kind: "add" }>, seq: number, b: Batch): void {
    if (m.until === null || m.gone === null || this.active().length >= MAX_MEMBERS) return;
    m.until = null;
    m.gone = null;
    m.addedSeq = seq;
    m.peerId = ev.peer;
    this.byPeer = null;
    m.name = ev.name;
    this.removals.delete(m.author);
    b.member(m);
    b.membership.add(this.id);
    if (this.waiting.get(m.author)?.has(m.contig + 1)) this.advance(m, b);
    if (m.author === this.row.selfKey && this.row.state === "removed") this.setState("member", b);
  }

  /** A member is gone: its seqs above `until` are refused, and dropped where stored. `gone`: the creator's remove (null: it left). */
  private end(author: string, until: number, gone: number | null, why: "removed" | "left", b: Batch): void {
    const m = this.members.get(author);
    if (!m || m.until !== null) return;
    m.until = until;
    m.gone = gone;
    let chain: string | null | undefined;
    if (m.contig > until) {
      m.contig = until;
      // Its chain at `until` is in the store, not here: unknown until the next start reads it.
      this.chains.delete(author);
      chain = null;
    }
    const waiting = this.waiting.get(author);
    if (waiting) for (const seq of [...waiting.keys()]) if (seq > until) waiting.delete(seq);
    const events = this.eventSeqs.get(author);
    if (events) this.eventSeqs.set(author, events.filter((s) => s <= until));
    b.write.drops.push({ group: this.id, author, above: until });
    b.member(m, chain);
    b.membership.add(this.id);
    if (author === this.row.selfKey) this.setState(why, b);
  }

  private setState(state: GroupMembership, b: Batch): void {
    this.row.state = state;
    b.write.states.push({ group: this.id, state });
    b.membership.add(this.id);
  }
}
