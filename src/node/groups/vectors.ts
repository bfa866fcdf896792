// Who gets what of a group, and the vector frames that say what we hold.
//
// A peer gets a group's data only as a member (in our view):
//   full     an active member, or another device of ours: every author, and what we know others hold (receipts)
//   own      we left and it is still a member: our own messages only, our devices' too (so our leaves reach it)
//   removed  the creator removed it: what was written before its removal (the creator's up to that
//            remove, the others' up to what the remove says the creator held: GroupModel.entitled)
//   ack      the creator removed us, and it is a member: only our vector (a receipt of what we got)
// A member that left, a stranger, a contact in none of our groups: nothing.
import { ZERO_DIGEST } from "../../protocol/groups/group-forks.ts";
import type { GroupVectorFrame } from "../../protocol/messages.ts";
import type { GroupModel } from "./model.ts";

export type Share = "full" | "own" | "removed" | "ack";

/** What `peerId` may get of `g`, or null for nothing. */
export function shareFor(g: GroupModel, peerId: string): Share | null {
  if (g.state === "joining") return null;
  // Another device of ours: all we hold, whatever our state (it is us: it hears of our removal or leave from us too).
  if (g.members.get(g.row.selfKey)?.peerId === peerId) return "full";
  const m = g.memberByPeer(peerId);
  if (!m || m.author === g.row.selfKey) return null;
  if (g.state === "removed") return m.until === null ? "ack" : null;
  if (m.until === null) return g.state === "left" ? "own" : "full";
  if (g.state === "member" && m.gone !== null) return "removed";
  return null;
}

/**
 * Whether `peerId`'s link may carry `author`'s messages of `g` to us: a
 * member's may carry anyone's; any contact that offers the group may carry
 * its creator's (the events that say who belongs, signed by the creator:
 * how a member learns of one added after it, and a new member of the group).
 */
export function mayCarry(g: GroupModel | undefined, peerId: string, author: string): boolean {
  if (!g || author === g.row.creator) return true;
  const m = g.memberByPeer(peerId);
  return m !== undefined && m.until === null;
}

/** The highest seq of `author` a peer with this share may get from us. */
export function shareLimit(g: GroupModel, share: Share, author: string, peerId: string): number {
  const held = g.committed.get(author) ?? 0;
  if (share === "full" || share === "ack") return held;
  // Ours: under our key and our other devices' (their leaves too).
  if (share === "own") return author === g.row.selfKey || g.members.get(author)?.peerId === g.members.get(g.row.selfKey)?.peerId ? held : 0;
  const m = g.memberByPeer(peerId);
  return m ? Math.min(held, g.entitled(m, author)) : 0;
}

/**
 * A vector for `peerId`: what we hold (all authors, or `only` those), and
 * with `receipts` what we know other members hold. With `digests` (a peer
 * with the "group-forks" cap), each of our entries carries its author's
 * log digest at that seq, when it is the seq we hold (zeros otherwise).
 * The receiver's own row (`to`, its key) is left out: it knows what it
 * holds. Null when there is nothing to say.
 */
export function vectorFor(
  g: GroupModel,
  share: Share,
  peerId: string,
  opts: { full: boolean; only?: Iterable<string>; receipts?: boolean; digests?: boolean; to?: string | null },
): GroupVectorFrame | null {
  const authors = opts.only ? [...opts.only] : [...g.committed.keys()];
  const entries: { author: string; seq: number; digest?: string }[] = [];
  for (const author of authors) {
    const seq = shareLimit(g, share, author, peerId);
    if (seq <= 0) continue;
    if (!opts.digests) entries.push({ author, seq });
    else entries.push({ author, seq, digest: (seq === g.committed.get(author) ? g.committedChains.get(author) : undefined) ?? ZERO_DIGEST });
  }
  if (!opts.full && entries.length === 0) return null;
  const rows: GroupVectorFrame["rows"] = [{ member: g.row.selfKey, entries }];
  if (opts.receipts && share === "full") {
    for (const [member, held] of g.known) {
      if (!g.members.has(member) || member === opts.to) continue;
      const es = [...held].filter(([a, seq]) => seq > 0 && g.members.has(a)).map(([author, seq]) => ({ author, seq }));
      if (es.length > 0) rows.push({ member, entries: es });
    }
  }
  return { type: "group-vector", group: g.id, creator: g.row.creator, full: opts.full, rows };
}
