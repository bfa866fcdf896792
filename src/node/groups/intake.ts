// What peers send us about groups: keys they prove, vectors (what they
// hold, and what they know others hold), wants (what they ask of us) and
// messages. Every message is checked whoever carries it: its signature, then
// what the model says (a member, not removed, not forged). A group new to us
// starts from its creator's create, fetched because a peer offered it.
import { decodeGroupEvent, type GroupEvent } from "../../protocol/groups/group-events.ts";
import { groupMessageUuid } from "../../protocol/groups/group-signed.ts";
import type { GroupForkFrame, GroupKeyFrame, GroupMessageFrame, GroupVectorFrame, GroupWantFrame } from "../../protocol/messages.ts";
import type { PeerId } from "../../protocol/peer-id.ts";
import type { GroupMessageRow, Store } from "../../store/store.ts";
import { childLogger } from "../../log.ts";
import { Batch } from "./batch.ts";
import type { Forks } from "./forks.ts";
import { verifyDeviceKey, verifyKeyFrame, verifyMessage } from "./group-keys.ts";
import { GroupModel } from "./model.ts";
import type { Fanout, PeerLink } from "./peer-link.ts";
import type { Receipts } from "./receipts.ts";
import { MAX_JOINING, type GroupRegistry } from "./registry.ts";
import { mayCarry, shareFor, shareLimit } from "./vectors.ts";
import type { Wants } from "./wants.ts";

const log = childLogger("groups");

export interface GroupStats {
  /** Messages stored from peers, and of those, carried by a peer that is not their author. */
  stored: number;
  relayed: number;
  duplicate: number;
  /** not-member-link: carried by a peer that is no member (only the creator's events may be). */
  refused: Record<"bad-signature" | "unknown-group" | "not-member-link" | "not-member" | "removed" | "ahead" | "forged", number>;
  /** Messages we sent to peers that asked (ours and others'). */
  served: number;
}

export const newStats = (): GroupStats => ({
  stored: 0,
  relayed: 0,
  duplicate: 0,
  refused: { "bad-signature": 0, "unknown-group": 0, "not-member-link": 0, "not-member": 0, removed: 0, ahead: 0, forged: 0 },
  served: 0,
});

export interface IntakeDeps {
  registry: GroupRegistry;
  store: Store;
  fanout: Fanout;
  receipts: Receipts;
  wants: Wants;
  forks: Forks;
  stats: GroupStats;
  commit(b: Batch): Promise<void>;
  /** A peer proved its key on its link (an add of it may wait for that). */
  keyProven(peerId: PeerId): void;
  /** A peer offered `author`'s messages up to `seq`. */
  offered(group: string, author: string, seq: number): void;
  /** Another device of ours proved its key (`sig`: over our peer id): our groups name it. */
  ownKeyProven(key: string, sig: string): void;
}

export class Intake {
  constructor(private readonly d: IntakeDeps) {}

  key(pl: PeerLink, f: GroupKeyFrame): void {
    if (!verifyKeyFrame(f, pl.peerId)) {
      log.debug(`${pl.peerId}: a group key whose signature does not hold: ignored`);
      return;
    }
    pl.key = f.key;
    // Another device of ours: its key is no contact's.
    if (pl.own) return void (f.key !== this.d.registry.key.hex && this.d.ownKeyProven(f.key, f.sig));
    const keys = this.d.registry.peerKeys;
    if (keys.get(pl.peerId) === f.key) return;
    keys.set(pl.peerId, f.key);
    this.d.keyProven(pl.peerId);
    void this.d.store.savePeerKey(pl.peerId, f.key, Date.now()).catch((err) => log.debug(`cannot save ${pl.peerId}'s group key: ${(err as Error).message}`));
  }

  vector(pl: PeerLink, f: GroupVectorFrame): void {
    const { registry } = this.d;
    const g = registry.models.get(f.group);
    if (!g) {
      // A group new to us: fetch its creator's events, to learn whether we belong.
      if (!f.full || (!registry.joining.has(f.group) && registry.joining.size >= MAX_JOINING)) return;
      registry.joining.set(f.group, f.creator);
    }
    // A member the creator removed offers nothing we take from it: its vector is only a receipt.
    if (g?.memberByPeer(pl.peerId)?.gone != null) pl.offers.delete(f.group);
    else {
      const offers = f.full ? new Map<string, number>() : (pl.offers.get(f.group) ?? new Map<string, number>());
      for (const e of f.rows[0]!.entries) {
        offers.set(e.author, Math.max(offers.get(e.author) ?? 0, e.seq));
        this.d.offered(f.group, e.author, e.seq);
      }
      pl.offers.set(f.group, offers);
    }
    if (g) {
      // What each member holds: the sender's own row counts only under its proven key.
      for (const [i, row] of f.rows.entries()) {
        if ((i === 0 && row.member !== pl.key) || !g.members.has(row.member)) continue;
        for (const e of row.entries) this.d.receipts.learn(g, row.member, e.author, e.seq, pl);
      }
      // Its log digests, compared with ours: a fork shows even where nobody asks for the forked seq.
      if (g.memberByPeer(pl.peerId)?.until === null) this.d.forks.claims(pl, g, f.rows[0]!);
      // It may have learned of the group after the link came up.
      this.d.fanout.offer(pl, g);
      // A delta that offers nothing we lack (every member's "I have it now" after each post) asks nothing:
      // scheduling looks at every author and link, and a post brings a delta from each member to each.
      if (!f.full && !f.rows[0]!.entries.some((e) => e.seq > g.contig(e.author))) return;
    }
    this.d.wants.schedule(f.group);
  }

  want(pl: PeerLink, f: GroupWantFrame): void {
    const g = this.d.registry.models.get(f.group);
    const share = g ? shareFor(g, pl.peerId) : null;
    if (!g || !share || share === "ack") return;
    pl.responder.enqueue(f.ranges.map((r) => ({ group: f.group, author: r.author, from: r.from, to: Math.min(r.to, shareLimit(g, share, r.author, pl.peerId)) })));
  }

  messages(pl: PeerLink, frames: readonly GroupMessageFrame[]): void {
    const { registry, stats } = this.d;
    const b = new Batch();
    const now = Date.now();
    const touched = new Set<string>();
    const dups = new Map<GroupModel, GroupMessageRow[]>();
    for (const f of frames) {
      const g = registry.models.get(f.group) ?? this.join(pl, f, now, b);
      if (!g) {
        this.refuse("unknown-group", pl, f);
        continue;
      }
      touched.add(g.id);
      if (g.state === "left") continue; // we take nothing more
      // Removed: what was written before our removal, still (peers send no more); a later add of us from the creator.
      if (g.state === "removed" && f.author !== g.row.creator && f.seq > g.entitled(g.members.get(g.row.selfKey)!, f.author)) continue;
      if (!mayCarry(g, pl.peerId, f.author)) {
        this.refuse("not-member-link", pl, f);
        continue;
      }
      if (!verifyMessage(f)) {
        this.refuse("bad-signature", pl, f);
        continue;
      }
      const row = toRow(f, now);
      const ev = decode(f);
      // A device's key counts only with its own signature for the peer id it is named for.
      const r = ev !== "bad" && ev?.kind === "device" && !verifyDeviceKey(ev.key, ev.peer, ev.sig) ? "forged" : g.accept(row, ev, b);
      if (r === null || r === "duplicate") this.d.wants.progress(g.id, f.author, pl);
      if (r === null) {
        stats.stored++;
        if (pl.key !== f.author) stats.relayed++;
      } else if (r === "duplicate") {
        stats.duplicate++;
        let l = dups.get(g);
        if (!l) dups.set(g, (l = []));
        l.push(row);
      } else {
        this.refuse(r, pl, f);
      }
    }
    if (!b.empty) void this.d.commit(b).catch(() => {});
    for (const group of touched) this.d.wants.schedule(group);
    // Copies of what we hold: a different one is a fork (forks.ts).
    for (const [g, rows] of dups) this.d.forks.duplicates(pl, g, rows);
  }

  fork(pl: PeerLink, f: GroupForkFrame): void {
    this.d.forks.frame(pl, f);
  }

  /** The creator's create of a group a peer offered us: the group starts here (joining, until its add of us is shown). */
  private join(pl: PeerLink, f: GroupMessageFrame, now: number, b: Batch): GroupModel | null {
    const { registry } = this.d;
    const creator = registry.joining.get(f.group);
    if (creator === undefined || !pl.offers.has(f.group) || f.author !== creator || f.seq !== 1 || !verifyMessage(f)) return null;
    const ev = decode(f);
    if (ev === "bad" || ev?.kind !== "create") return null;
    const g = GroupModel.fromCreate(toRow(f, now), ev, registry.key.hex, registry.uniqueAlias(ev.name), now, registry.counter, b);
    registry.add(g);
    return g;
  }

  private refuse(why: keyof GroupStats["refused"], pl: PeerLink, f: GroupMessageFrame): void {
    this.d.stats.refused[why]++;
    log.debug(`refused a group message (${why}) from ${pl.peerId}: group ${f.group} author ${f.author.slice(0, 8)} seq ${f.seq}`);
  }
}

function toRow(f: GroupMessageFrame, now: number): GroupMessageRow {
  return { group: f.group, author: f.author, seq: f.seq, id: groupMessageUuid(f.group, f.author, f.seq), kind: f.kind, body: f.body, sig: f.sig, created: f.created, received: now, pos: null };
}

function decode(f: { kind: number; body: string }): GroupEvent | null | "bad" {
  try {
    return decodeGroupEvent(f.kind, f.body);
  } catch {
    return "bad";
  }
}
