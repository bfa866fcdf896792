// Groups' rows as the database returns them, turned into the shapes the
// node works with (group-types.ts), alike for both dialects.
import type { PeerId } from "../../protocol/peer-id.ts";
import type { GroupForkRow, GroupMemberRow, GroupMembership, GroupMessageRow, GroupRow } from "./group-types.ts";

type Row = Record<string, unknown>;

const STATES: readonly GroupMembership[] = ["joining", "member", "left", "removed"];

export function toGroup(r: Row): GroupRow {
  const state = String(r.state) as GroupMembership;
  return {
    id: String(r.group_id),
    alias: String(r.alias),
    name: String(r.name),
    creator: String(r.creator),
    selfKey: String(r.self_key),
    state: STATES.includes(state) ? state : "joining",
    createdAt: Number(r.created_at ?? 0),
    joinedAt: Number(r.joined_at ?? 0),
  };
}

export function toMember(r: Row): GroupMemberRow {
  return {
    group: String(r.group_id),
    author: String(r.author),
    peerId: String(r.peer_id) as PeerId,
    name: String(r.name),
    addedSeq: Number(r.added_seq),
    until: r.until_seq === null || r.until_seq === undefined ? null : Number(r.until_seq),
    gone: r.gone_seq === null || r.gone_seq === undefined ? null : Number(r.gone_seq),
    contig: Number(r.contig),
  };
}

export function toFork(r: Row): GroupForkRow {
  return {
    group: String(r.group_id),
    author: String(r.author),
    seq: Number(r.aseq),
    hash: String(r.hash),
    kind: Number(r.kind),
    body: String(r.body ?? ""),
    sig: String(r.sig),
    created: Number(r.created_at),
    found: Number(r.found_at),
  };
}

export function toMessage(r: Row): GroupMessageRow {
  return {
    group: String(r.group_id),
    author: String(r.author),
    seq: Number(r.aseq),
    id: String(r.id),
    kind: Number(r.kind),
    body: String(r.body ?? ""),
    sig: String(r.sig),
    created: Number(r.created_at),
    received: Number(r.received_at),
    pos: r.pos === null || r.pos === undefined ? null : Number(r.pos),
    ...(r.chain === undefined ? {} : { chain: r.chain === null ? null : String(r.chain) }),
  };
}

/** `list` in lists by `key`, each in its order. */
export function groupBy<T>(list: readonly T[], key: (x: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const x of list) {
    const k = key(x);
    let l = out.get(k);
    if (!l) out.set(k, (l = []));
    l.push(x);
  }
  return out;
}
