// One link to a node that speaks groups, and what goes out on such links:
// full vectors once per link to each peer that may have a group (with all
// we know others hold), deltas after each commit, our own new messages
// pushed at once; the receipts that rose go in gossip.ts. Who may get what
// is vectors.ts's `shareFor`.
import { GROUP_FORKS_CAP } from "../../protocol/messages.ts";
import type { PeerId } from "../../protocol/peer-id.ts";
import type { GroupMessageRow } from "../../store/store.ts";
import type { Link } from "../../transport/link.ts";
import type { GroupModel } from "./model.ts";
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
  /** Per group it is a member of: the receipts' version (gossip.ts) up to which it was told what others hold. */
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
    if (pl.offered.has(g.id)) return; // asked for every vector it sends us
    const share = shareFor(g, pl.peerId);
    if (!share) return;
    const v = vectorFor(g, share, pl.peerId, { full: true, receipts: true, digests: pl.forks, to: pl.key });
    if (!v) return;
    pl.offered.add(g.id);
    if (share === "full") pl.receiptsAt.set(g.id, this.receiptsNow());
    pl.link.sendGroup(v);
  }

  /** The member list changed: offer to peers that may have the group now; stop counting the others. */
  reshare(g: GroupModel): void {
    for (const pl of this.links.values()) {
      const share = shareFor(g, pl.peerId);
      // What others hold goes only to members: one that is no more is told nothing of it; one added
      // again (its link still up) gets a full vector once more, with all the gossip said meanwhile.
      if (share !== "full") pl.receiptsAt.delete(g.id);
      else if (!pl.receiptsAt.has(g.id)) pl.offered.delete(g.id);
      if (share) this.offer(pl, g);
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
}
