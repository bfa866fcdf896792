// One link to a node that speaks groups, and what goes out on such links:
// full vectors once per link to each peer that may have a group (with all
// we know others hold), deltas after each commit, our own new messages
// pushed at once, and (every tick) the receipts that rose since the link
// was last told. Who may get what is vectors.ts's `shareFor`.
import { GROUP_FORKS_CAP } from "../../protocol/messages.ts";
import type { PeerId } from "../../protocol/peer-id.ts";
import type { GroupMessageRow } from "../../store/store.ts";
import type { Link } from "../../transport/link.ts";
import type { GroupModel } from "./model.ts";
import type { Rise } from "./receipts.ts";
import type { Responder } from "./responder.ts";
import { shareFor, vectorFor } from "./vectors.ts";
import type { Source } from "./wants.ts";

/**
 * Deltas wait this long, gathering what later commits add: one vector per
 * group per link instead of one per commit. Every member that is sent a
 * message stores it, so a burst to 20 members made 19 * 18 deltas per
 * message; coalesced, the fan-out of one message took half the time
 * (20 members on two cores). Receipts and lazy "I have it now" news are
 * this much later.
 */
export const DELTA_MS = 25;

export class PeerLink implements Source {
  readonly offers = new Map<string, Map<string, number>>();
  inflight = 0;
  /** Its author key, once proven. */
  key: string | null = null;
  /** Groups we sent it a full vector of on this link. */
  readonly offered = new Set<string>();
  /** Per group: the receipts' version (receipts.ts) up to which it was told what others hold. */
  readonly receiptsAt = new Map<string, number>();
  /** Authors whose holdings changed since the last delta, per group. */
  readonly pending = new Map<string, Set<string>>();
  /** Its hello lists the "group-forks" cap: it takes log digests in vectors, and fork frames. */
  readonly forks: boolean;
  /** Per `group author`: the latest log digest it sent that we have not compared yet (forks.ts). */
  readonly claims = new Map<string, { seq: number; digest: string }>();
  /** Per `group author`: the range asked of it to find where its log and ours part (forks.ts). */
  readonly audits = new Map<string, { from: number; to: number; at: number }>();
  /** Forks (`group author seq`) whose evidence it was sent on this link. */
  readonly forksSent = new Set<string>();

  constructor(
    readonly link: Link,
    readonly peerId: PeerId,
    readonly responder: Responder,
    readonly order: number,
    /** Another device of ours (the same identity). */
    readonly own = false,
  ) {
    this.forks = link.peerHello?.caps.includes(GROUP_FORKS_CAP) ?? false;
  }
}

export class Fanout {
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly links: ReadonlyMap<Link, PeerLink>,
    private readonly group: (id: string) => GroupModel | undefined,
    /** The receipts' version now: what a full vector says. */
    private readonly receiptsNow: () => number,
  ) {}

  /** A full vector, once per link, to a peer that may have this group. */
  offer(pl: PeerLink, g: GroupModel): void {
    const share = shareFor(g, pl.peerId);
    if (!share || pl.offered.has(g.id)) return;
    const v = vectorFor(g, share, pl.peerId, { full: true, receipts: true, digests: pl.forks, to: pl.key });
    if (!v) return;
    pl.offered.add(g.id);
    pl.receiptsAt.set(g.id, this.receiptsNow());
    pl.link.sendGroup(v);
  }

  /** The member list changed: offer to peers that may have the group now; stop counting the others. */
  reshare(g: GroupModel): void {
    for (const pl of this.links.values()) {
      if (shareFor(g, pl.peerId)) this.offer(pl, g);
      else pl.offered.delete(g.id);
    }
  }

  /** What we hold of these authors now, to each peer we offered the group (soon: deltas are gathered for DELTA_MS). */
  delta(g: GroupModel, authors: Set<string>): void {
    for (const pl of this.links.values()) {
      if (!pl.offered.has(g.id)) continue;
      let set = pl.pending.get(g.id);
      if (!set) pl.pending.set(g.id, (set = new Set()));
      for (const a of authors) set.add(a);
    }
    this.timer ??= setTimeout(() => this.flush(), DELTA_MS);
  }

  /** Sends the gathered deltas. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    for (const pl of this.links.values()) {
      for (const [gid, authors] of pl.pending) {
        const g = this.group(gid);
        const share = g && pl.offered.has(gid) ? shareFor(g, pl.peerId) : null;
        const v = share ? vectorFor(g!, share, pl.peerId, { full: false, only: authors, digests: pl.forks }) : null;
        if (v) pl.link.sendGroup(v);
      }
      pl.pending.clear();
    }
  }

  /** Our new messages go at once to the members linked to us. */
  push(g: GroupModel, rows: readonly GroupMessageRow[]): void {
    for (const pl of this.links.values()) {
      const share = shareFor(g, pl.peerId);
      if (share === "full" || share === "own") pl.link.sendGroupMessages(rows);
    }
  }

  /**
   * What rose of what others hold (`rises`, oldest first), to each member
   * linked to us that was not told it yet: not what its own link told us,
   * not its own row (it knows what it holds), nothing it was sent in a full
   * vector since. A delta, with an empty row of ours (our own holdings go
   * after each commit): every p2pchat merges receipts by the highest seq,
   * full vector or not, so older peers take it as they took full ones.
   */
  gossip(g: GroupModel, rises: ReadonlyMap<string, Rise>): void {
    const now = this.receiptsNow();
    for (const pl of this.links.values()) {
      if (shareFor(g, pl.peerId) !== "full" || !pl.offered.has(g.id)) continue;
      const since = pl.receiptsAt.get(g.id) ?? 0;
      pl.receiptsAt.set(g.id, now);
      const rows = new Map<string, { author: string; seq: number }[]>();
      for (const r of rises.values()) {
        if (r.version <= since || r.from === pl || r.member === pl.key || !g.members.has(r.member) || !g.members.has(r.author)) continue;
        const seq = g.known.get(r.member)?.get(r.author) ?? 0;
        if (seq <= 0) continue;
        let row = rows.get(r.member);
        if (!row) rows.set(r.member, (row = []));
        row.push({ author: r.author, seq });
      }
      if (rows.size === 0) continue;
      pl.link.sendGroup({
        type: "group-vector",
        group: g.id,
        creator: g.row.creator,
        full: false,
        rows: [{ member: g.row.selfKey, entries: [] }, ...[...rows].map(([member, entries]) => ({ member, entries }))],
      });
    }
  }
}
