// The receipts' gossip: what rose of what members hold, told to the members
// linked to us once a tick, as deltas.
//
// Each rise gets a version (one counter for all groups) and remembers the
// link that told us, which is not told it back; nobody is told its own row
// (it knows what it holds). Each PeerLink keeps, per group, the version it
// was told up to: a full vector (on link up) says everything, so a member
// back from offline converges, and what rose before it is not said again.
//
// Not every link is told every tick. Where every member is linked to every
// other, each member hears what the others hold from themselves (their
// delta after each commit), and telling each link each second what rose
// made the group send n^3 entries a second while anyone posted: at 100
// members, most of what the two cores did. So a tick tells the link of an
// author whose messages others now hold (its "delivered to 3 of 5"), and
// GOSSIP_LINKS more, those told longest ago; each is told all that rose
// since it was last told. A member linked to L others hears what rose
// within L / GOSSIP_LINKS ticks, what concerns its own messages at the next.
import type { Link } from "../../transport/link.ts";
import type { GroupModel } from "./model.ts";
import type { PeerLink } from "./peer-link.ts";
import { shareFor } from "./vectors.ts";

/** Links told what rose, each tick, besides the authors' (what rose of their messages). */
export const GOSSIP_LINKS = 4;

/** `member` was learned to hold more of `author` (how much: the model's `known`, now), at `version`, from `from`'s peer. */
type Rise = { member: string; author: string; version: number; from: PeerLink | null };

type GroupRises = {
  /** One per (member, author), oldest first; dropped once every link was told them. */
  rises: Map<string, Rise>;
  /** Per author: the version of the latest rise of its messages. */
  columns: Map<string, number>;
  latest: number;
};

export class ReceiptGossip {
  private version = 0;
  private readonly groups = new Map<string, GroupRises>();

  constructor(
    private readonly links: ReadonlyMap<Link, PeerLink>,
    private readonly group: (id: string) => GroupModel | undefined,
  ) {}

  /** The version of the latest rise: a link sent everything now is told nothing up to it again. */
  get now(): number {
    return this.version;
  }

  rose(g: GroupModel, member: string, author: string, from: PeerLink | null): void {
    let gr = this.groups.get(g.id);
    if (!gr) this.groups.set(g.id, (gr = { rises: new Map(), columns: new Map(), latest: 0 }));
    const version = ++this.version;
    const k = `${member} ${author}`;
    gr.rises.delete(k); // to the end: the list stays in version order
    gr.rises.set(k, { member, author, version, from });
    gr.columns.set(author, version);
    gr.latest = version;
  }

  /** Once a tick: each group's rises to the links whose turn it is. */
  tick(): void {
    for (const [gid, gr] of this.groups) {
      const g = this.group(gid);
      if (g) this.gossip(g, gr);
      if (!g || gr.rises.size === 0) this.groups.delete(gid);
    }
  }

  private gossip(g: GroupModel, gr: GroupRises): void {
    const at = (pl: PeerLink) => pl.receiptsAt.get(g.id) ?? 0;
    // The links of members sent a full vector (with what others hold), and told since.
    const linked = [...this.links.values()].filter((pl) => pl.receiptsAt.has(g.id) && shareFor(g, pl.peerId) === "full");
    const behind = linked.filter((pl) => at(pl) < gr.latest);
    const authors = behind.filter((pl) => pl.key !== null && (gr.columns.get(pl.key) ?? 0) > at(pl));
    const others = behind.filter((pl) => !authors.includes(pl)).sort((a, b) => at(a) - at(b) || a.order - b.order);
    for (const pl of [...authors, ...others.slice(0, GOSSIP_LINKS)]) this.tell(pl, g, gr);
    // What every link was told is kept no longer.
    const told = Math.min(gr.latest, ...linked.map(at));
    for (const [k, r] of gr.rises) {
      if (r.version > told) break;
      gr.rises.delete(k);
    }
  }

  /**
   * What rose since `pl` was last told, in a delta with an empty row of ours
   * (our own holdings go after each commit): every p2pchat merges receipts
   * by the highest seq, full vector or not, so older peers take it as they
   * took full ones.
   */
  private tell(pl: PeerLink, g: GroupModel, gr: GroupRises): void {
    const since = pl.receiptsAt.get(g.id) ?? 0;
    pl.receiptsAt.set(g.id, this.version);
    const rows = new Map<string, { author: string; seq: number }[]>();
    for (const r of gr.rises.values()) {
      if (r.version <= since || r.from === pl || r.member === pl.key || !g.members.has(r.member) || !g.members.has(r.author)) continue;
      const seq = g.known.get(r.member)?.get(r.author) ?? 0;
      if (seq <= 0) continue;
      let row = rows.get(r.member);
      if (!row) rows.set(r.member, (row = []));
      row.push({ author: r.author, seq });
    }
    if (rows.size === 0) return;
    pl.link.sendGroup({
      type: "group-vector",
      group: g.id,
      creator: g.row.creator,
      full: false,
      rows: [{ member: g.row.selfKey, entries: [] }, ...[...rows].map(([member, entries]) => ({ member, entries }))],
    });
  }
}
