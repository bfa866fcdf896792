// Groups' tables (008-groups.sql) in the SQL both dialects share: the writes
// a node commits inside the journal's transactions, the snapshot it starts
// from, the rows it serves to peers, and history and search for '#alias'.
// A message is stored once per (group, author, seq), whatever the node asks.
import type { SQL } from "bun";
import { decodeGroupEvent, removalHeld } from "../protocol/group-events.ts";
import type { PeerId } from "../protocol/peer-id.ts";
import { matchesAll, type SearchTerm } from "../domain/search-terms.ts";
import type {
  GroupForkRow,
  GroupMemberRow,
  GroupMembership,
  GroupMessageRow,
  GroupReceipt,
  GroupRow,
  GroupSnapshot,
  GroupWrite,
  PendingAdd,
} from "./group-types.ts";
import type { HistoryEntry, HistoryQuery } from "../domain/history-entry.ts";

type Row = Record<string, unknown>;

/** Rows per multi-row INSERT and keys per IN (...). */
const CHUNK = 500;
/** Rows read per round while searching. */
const SEARCH_PAGE = 2000;

/** A group entry with what orders it among others: its time, then its display position. */
export interface GroupKeyed {
  time: number;
  pos: number;
  entry: HistoryEntry;
}

export class SqlGroups {
  constructor(private readonly sql: SQL) {}

  // --- writes (inside the journal's transaction) -----------------------------------

  async write(tx: SQL, writes: readonly GroupWrite[]): Promise<void> {
    for (const w of writes) {
      for (const g of w.groups ?? []) {
        const [have]: Row[] = await tx`SELECT group_id FROM chat_group WHERE group_id = ${g.id}`;
        if (have) continue;
        await tx`INSERT INTO chat_group ${tx({ group_id: g.id, alias: g.alias, name: g.name, creator: g.creator, self_key: g.selfKey, state: g.state, created_at: g.createdAt, joined_at: g.joinedAt })}`;
      }
      if (w.members?.length) await this.upsertMembers(tx, w.members);
      if (w.messages?.length) await this.insertMessages(tx, w.messages);
      for (const s of w.shown ?? []) {
        if (s.chain === undefined) await tx`UPDATE group_message SET pos = ${s.pos} WHERE group_id = ${s.group} AND author = ${s.author} AND aseq = ${s.seq}`;
        else await tx`UPDATE group_message SET pos = ${s.pos}, chain = ${s.chain} WHERE group_id = ${s.group} AND author = ${s.author} AND aseq = ${s.seq}`;
      }
      for (const c of w.chains ?? []) {
        await tx`UPDATE group_message SET chain = ${c.chain} WHERE group_id = ${c.group} AND author = ${c.author} AND aseq = ${c.seq}`;
      }
      for (const f of w.forks ?? []) {
        const [have]: Row[] = await tx`SELECT hash FROM group_fork WHERE group_id = ${f.group} AND author = ${f.author} AND aseq = ${f.seq} AND hash = ${f.hash}`;
        if (have) continue;
        await tx`INSERT INTO group_fork ${tx({ group_id: f.group, author: f.author, aseq: f.seq, hash: f.hash, kind: f.kind, body: f.body, sig: f.sig, created_at: f.created, found_at: f.found })}`;
      }
      for (const d of w.drops ?? []) {
        await tx`DELETE FROM group_message WHERE group_id = ${d.group} AND author = ${d.author} AND aseq > ${d.above}`;
      }
      for (const s of w.states ?? []) await tx`UPDATE chat_group SET state = ${s.state} WHERE group_id = ${s.group}`;
      if (w.receipts?.length) await this.upsertReceipts(tx, w.receipts);
      for (const p of w.pendingAdds ?? []) {
        const [have]: Row[] = await tx`SELECT peer_id FROM group_pending_add WHERE group_id = ${p.group} AND peer_id = ${p.peerId}`;
        if (!have) await tx`INSERT INTO group_pending_add ${tx({ group_id: p.group, peer_id: p.peerId, name: p.name, added_at: p.at })}`;
      }
      for (const d of w.pendingDone ?? []) await tx`DELETE FROM group_pending_add WHERE group_id = ${d.group} AND peer_id = ${d.peerId}`;
    }
  }

  private async upsertMembers(tx: SQL, members: readonly GroupMemberRow[]): Promise<void> {
    // The last row given for a member wins.
    const latest = new Map<string, GroupMemberRow>();
    for (const m of members) latest.set(`${m.group} ${m.author}`, m);
    const byGroup = groupBy([...latest.values()], (m) => m.group);
    for (const [group, list] of byGroup) {
      const have = new Set<string>();
      for (let i = 0; i < list.length; i += CHUNK) {
        const rows: Row[] = await tx`SELECT author FROM group_member WHERE group_id = ${group} AND author IN ${tx(list.slice(i, i + CHUNK).map((m) => m.author))}`;
        for (const r of rows) have.add(String(r.author));
      }
      const fresh: Row[] = [];
      for (const m of list) {
        if (have.has(m.author)) {
          await tx`UPDATE group_member SET peer_id = ${m.peerId}, name = ${m.name}, added_seq = ${m.addedSeq}, until_seq = ${m.until}, gone_seq = ${m.gone}, contig = ${m.contig}
            WHERE group_id = ${group} AND author = ${m.author}`;
        } else {
          fresh.push({ group_id: group, author: m.author, peer_id: m.peerId, name: m.name, added_seq: m.addedSeq, until_seq: m.until, gone_seq: m.gone, contig: m.contig });
        }
      }
      for (let i = 0; i < fresh.length; i += CHUNK) await tx`INSERT INTO group_member ${tx(fresh.slice(i, i + CHUNK))}`;
    }
  }

  private async insertMessages(tx: SQL, messages: readonly GroupMessageRow[]): Promise<void> {
    const fresh: GroupMessageRow[] = [];
    const seen = new Set<string>();
    for (const [key, list] of groupBy(messages, (m) => `${m.group} ${m.author}`)) {
      const [group, author] = key.split(" ") as [string, string];
      for (let i = 0; i < list.length; i += CHUNK) {
        const rows: Row[] = await tx`SELECT aseq FROM group_message WHERE group_id = ${group} AND author = ${author} AND aseq IN ${tx(list.slice(i, i + CHUNK).map((m) => m.seq))}`;
        for (const r of rows) seen.add(`${key} ${Number(r.aseq)}`);
      }
    }
    for (const m of messages) {
      const k = `${m.group} ${m.author} ${m.seq}`;
      if (seen.has(k)) continue;
      seen.add(k);
      fresh.push(m);
    }
    for (let i = 0; i < fresh.length; i += CHUNK) {
      const rows = fresh.slice(i, i + CHUNK).map((m) => ({
        group_id: m.group,
        author: m.author,
        aseq: m.seq,
        id: m.id,
        kind: m.kind,
        body: m.body,
        sig: m.sig,
        created_at: m.created,
        received_at: m.received,
        pos: m.pos,
        chain: m.chain ?? null,
      }));
      await tx`INSERT INTO group_message ${tx(rows)}`;
    }
  }

  private async upsertReceipts(tx: SQL, receipts: readonly GroupReceipt[]): Promise<void> {
    const latest = new Map<string, GroupReceipt>();
    for (const r of receipts) {
      const k = `${r.group} ${r.member} ${r.author}`;
      if ((latest.get(k)?.seq ?? 0) < r.seq) latest.set(k, r);
    }
    for (const [group, list] of groupBy([...latest.values()], (r) => r.group)) {
      const have = new Set<string>();
      const rows: Row[] = await tx`SELECT member, author FROM group_receipt WHERE group_id = ${group}`;
      for (const r of rows) have.add(`${r.member} ${r.author}`);
      const fresh: Row[] = [];
      for (const r of list) {
        if (have.has(`${r.member} ${r.author}`)) {
          await tx`UPDATE group_receipt SET seq = ${r.seq} WHERE group_id = ${group} AND member = ${r.member} AND author = ${r.author} AND seq < ${r.seq}`;
        } else {
          fresh.push({ group_id: group, member: r.member, author: r.author, seq: r.seq });
        }
      }
      for (let i = 0; i < fresh.length; i += CHUNK) await tx`INSERT INTO group_receipt ${tx(fresh.slice(i, i + CHUNK))}`;
    }
  }

  // --- reads ------------------------------------------------------------------------

  async snapshot(): Promise<GroupSnapshot> {
    const groups: Row[] = await this.sql`SELECT * FROM chat_group ORDER BY joined_at, group_id`;
    const members: Row[] = await this.sql`SELECT * FROM group_member ORDER BY group_id, added_seq, author`;
    const waiting: Row[] = await this.sql`
      SELECT group_id, author, aseq, id, kind, body, sig, created_at, received_at, pos FROM group_message WHERE pos IS NULL ORDER BY group_id, author, aseq`;
    const receipts: Row[] = await this.sql`SELECT group_id, member, author, seq FROM group_receipt`;
    const events = await this.creatorEvents();
    const eventSeqs: Row[] = await this.sql`SELECT group_id, author, aseq FROM group_message WHERE kind <> 0 AND pos IS NOT NULL ORDER BY group_id, author, aseq`;
    const [max]: Row[] = await this.sql`SELECT MAX(pos) AS p FROM group_message`;
    const keys: Row[] = await this.sql`SELECT peer_id, author FROM group_peer_key`;
    const pending: Row[] = await this.sql`SELECT group_id, peer_id, name, added_at FROM group_pending_add ORDER BY added_at, peer_id`;
    const chains: Row[] = await this.sql`
      SELECT gm.group_id, gm.author, m.chain FROM group_member gm
      JOIN group_message m ON m.group_id = gm.group_id AND m.author = gm.author AND m.aseq = gm.contig
      WHERE gm.contig > 0 AND m.chain IS NOT NULL`;
    const forks: Row[] = await this.sql`SELECT group_id, author, aseq, hash FROM group_fork ORDER BY group_id, author, aseq, found_at`;
    return {
      groups: groups.map(toGroup),
      members: members.map(toMember),
      waiting: waiting.map(toMessage),
      receipts: receipts.map((r) => ({ group: String(r.group_id), member: String(r.member), author: String(r.author), seq: Number(r.seq) })),
      events,
      eventSeqs: eventSeqs.map((r) => ({ group: String(r.group_id), author: String(r.author), seq: Number(r.aseq) })),
      maxPos: Number(max?.p ?? 0),
      peerKeys: keys.map((r) => ({ peerId: String(r.peer_id) as PeerId, author: String(r.author) })),
      pendingAdds: pending.map((r): PendingAdd => ({ group: String(r.group_id), peerId: String(r.peer_id) as PeerId, name: String(r.name), at: Number(r.added_at) })),
      chains: chains.map((r) => ({ group: String(r.group_id), author: String(r.author), chain: String(r.chain) })),
      forks: forks.map((r) => ({ group: String(r.group_id), author: String(r.author), seq: Number(r.aseq), hash: String(r.hash) })),
    };
  }

  /** The creator's shown adds and removes (of one group, or all), in its order. */
  private async creatorEvents(group?: string): Promise<GroupSnapshot["events"]> {
    const rows: Row[] = group
      ? await this.sql`
        SELECT m.group_id, m.aseq, m.kind, m.body FROM group_message m JOIN chat_group g ON g.group_id = m.group_id AND m.author = g.creator
        WHERE m.group_id = ${group} AND m.kind IN (2, 3) AND m.pos IS NOT NULL ORDER BY m.aseq`
      : await this.sql`
        SELECT m.group_id, m.aseq, m.kind, m.body FROM group_message m JOIN chat_group g ON g.group_id = m.group_id AND m.author = g.creator
        WHERE m.kind IN (2, 3) AND m.pos IS NOT NULL ORDER BY m.group_id, m.aseq`;
    return rows.map((r) => ({ group: String(r.group_id), seq: Number(r.aseq), kind: Number(r.kind), body: String(r.body ?? "") }));
  }

  async messages(group: string, author: string, from: number, to: number, limit: number): Promise<GroupMessageRow[]> {
    const rows: Row[] = await this.sql`
      SELECT group_id, author, aseq, id, kind, body, sig, created_at, received_at, pos, chain FROM group_message
      WHERE group_id = ${group} AND author = ${author} AND aseq >= ${from} AND aseq <= ${to}
      ORDER BY aseq LIMIT ${limit}`;
    return rows.map(toMessage);
  }

  async forks(group: string): Promise<GroupForkRow[]> {
    const rows: Row[] = await this.sql`
      SELECT group_id, author, aseq, hash, kind, body, sig, created_at, found_at FROM group_fork WHERE group_id = ${group} ORDER BY author, aseq, found_at, hash`;
    return rows.map(toFork);
  }

  async find(alias: string): Promise<GroupRow | null> {
    const [r]: Row[] = await this.sql`SELECT * FROM chat_group WHERE alias = ${alias}`;
    return r ? toGroup(r) : null;
  }

  async savePeerKey(peerId: PeerId, author: string, at: number): Promise<void> {
    await this.sql.begin(async (tx) => {
      const [have]: Row[] = await tx`SELECT author FROM group_peer_key WHERE peer_id = ${peerId}`;
      if (have) await tx`UPDATE group_peer_key SET author = ${author}, seen_at = ${at} WHERE peer_id = ${peerId}`;
      else await tx`INSERT INTO group_peer_key ${tx({ peer_id: peerId, author, seen_at: at })}`;
    });
  }

  // --- history and search --------------------------------------------------------

  /** A group's shown messages, oldest first, as `history '#alias'` prints them. */
  async history(g: GroupRow, q: HistoryQuery): Promise<HistoryEntry[]> {
    const limit = Math.max(0, Math.floor(q.limit));
    if (limit === 0) return [];
    let below = Number.MAX_SAFE_INTEGER;
    if (q.before !== undefined) {
      const [c]: Row[] = await this.sql`SELECT pos FROM group_message WHERE group_id = ${g.id} AND id = ${q.before} AND pos IS NOT NULL`;
      if (!c) return [];
      below = Number(c.pos);
    }
    const rows: Row[] = await this.sql`
      SELECT group_id, author, aseq, id, kind, body, sig, created_at, received_at, pos FROM group_message
      WHERE group_id = ${g.id} AND pos > 0 AND pos < ${below} AND received_at >= ${q.since ?? 0}
      ORDER BY pos DESC LIMIT ${limit}`;
    const view = await this.view(g);
    return byWrittenTime(rows.map(toMessage)).map((m) => view(m).entry);
  }

  /** Text messages of `groups` holding every term, newest first (by arrival), at most `limit`. */
  async search(groups: readonly GroupRow[], terms: readonly SearchTerm[], limit: number): Promise<GroupKeyed[]> {
    if (groups.length === 0 || limit <= 0) return [];
    const byId = new Map(groups.map((g) => [g.id, g]));
    const views = new Map<string, (m: GroupMessageRow) => GroupKeyed>();
    const found: GroupKeyed[] = [];
    let below = Number.MAX_SAFE_INTEGER;
    for (;;) {
      const rows: Row[] = await this.sql`
        SELECT group_id, author, aseq, id, kind, body, sig, created_at, received_at, pos, seq FROM group_message
        WHERE group_id IN ${this.sql([...byId.keys()])} AND kind = 0 AND pos > 0 AND seq < ${below}
        ORDER BY seq DESC LIMIT ${SEARCH_PAGE}`;
      for (const r of rows) {
        if (!matchesAll(String(r.body ?? ""), terms)) continue;
        const m = toMessage(r);
        let view = views.get(m.group);
        if (!view) views.set(m.group, (view = await this.view(byId.get(m.group)!)));
        found.push(view(m));
        if (found.length === limit) return found;
      }
      if (rows.length < SEARCH_PAGE) return found;
      below = Number(rows[rows.length - 1]!.seq);
    }
  }

  async all(): Promise<GroupRow[]> {
    const rows: Row[] = await this.sql`SELECT * FROM chat_group WHERE state <> 'joining' ORDER BY alias`;
    return rows.map(toGroup);
  }

  /** Turns a group's rows into entries: author names (a contact's own name first), events in words, delivery counts. */
  private async view(g: GroupRow): Promise<(m: GroupMessageRow) => GroupKeyed> {
    const members: Row[] = await this.sql`
      SELECT gm.author, gm.name, gm.until_seq, gm.gone_seq, u.name AS contact FROM group_member gm LEFT JOIN \`user\` u ON u.peer_id = gm.peer_id
      WHERE gm.group_id = ${g.id}`;
    const receipts: Row[] = await this.sql`SELECT member, seq FROM group_receipt WHERE group_id = ${g.id} AND author = ${g.selfKey}`;
    const names = new Map<string, string>();
    /** Per other member, the last seq of ours it should hold: all while a member, what was written before its removal once removed. */
    const owed = new Map<string, number>();
    const gone = new Map<string, number>();
    for (const r of members) {
      const author = String(r.author);
      names.set(author, String(r.contact ?? r.name));
      if (author === g.selfKey) continue;
      if (r.until_seq === null || r.until_seq === undefined) owed.set(author, Number.MAX_SAFE_INTEGER);
      else if (r.gone_seq !== null && r.gone_seq !== undefined) gone.set(author, Number(r.gone_seq));
    }
    if (gone.size > 0) {
      // The removals say what the creator held of ours then (the creator's own: up to the removal). As GroupModel.entitled.
      const addKeys = new Map<number, string>([[0, g.creator]]);
      for (const e of await this.creatorEvents(g.id)) {
        let ev;
        try {
          ev = decodeGroupEvent(e.kind, e.body);
        } catch {
          continue;
        }
        if (ev?.kind === "add") addKeys.set(e.seq, ev.key);
        if (ev?.kind === "remove" && gone.get(ev.key) === e.seq) {
          owed.set(ev.key, g.selfKey === g.creator ? e.seq : (removalHeld(ev.held, (k) => addKeys.get(k)).get(g.selfKey) ?? 0));
        }
      }
    }
    const held = new Map(receipts.map((r) => [String(r.member), Number(r.seq)]));
    // Seqs their author signed more than one version of: shown as such, every version named.
    const forked = new Map<string, GroupForkRow[]>();
    for (const f of await this.forks(g.id)) {
      const k = `${f.author} ${f.seq}`;
      let l = forked.get(k);
      if (!l) forked.set(k, (l = []));
      l.push(f);
    }
    const nameOf = (key: unknown) => (typeof key === "string" ? (names.get(key) ?? `${key.slice(0, 8)}…`) : "someone");
    return (m) => {
      const own = m.author === g.selfKey;
      const event = m.kind !== 0;
      const entry: HistoryEntry = {
        id: m.id,
        direction: own ? "out" : "in",
        peer: `#${g.alias}`,
        text: event ? describeGroupEvent(m, nameOf) : m.body,
        status: "received",
        time: m.created,
        author: own ? names.get(m.author) : nameOf(m.author),
      };
      if (!own) entry.received = m.received;
      if (event) entry.event = true;
      const versions = forked.get(`${m.author} ${m.seq}`);
      if (versions && versions.length > 1) {
        entry.forked = true;
        // The one we hold first, then the others as we learned of them.
        entry.versions = [m.body, ...versions.filter((v) => v.sig !== m.sig && !(v.body === m.body && v.kind === m.kind)).map((v) => v.body)];
      }
      if (own) {
        const others = [...owed].filter(([, last]) => last >= m.seq).map(([a]) => a);
        const to = others.filter((a) => (held.get(a) ?? 0) >= m.seq).length;
        entry.delivered = { to, of: others.length };
        entry.status = to === others.length ? "delivered" : "sent";
      }
      return { time: entry.time, pos: m.pos ?? 0, entry };
    };
  }
}

/** An event, in words (its author is shown beside it): "added bob". `nameOf` names a member by its key. */
export function describeGroupEvent(m: Pick<GroupMessageRow, "kind" | "body">, nameOf: (key: unknown) => string): string {
  let o: Record<string, unknown> = {};
  try {
    const v = JSON.parse(m.body);
    if (v && typeof v === "object") o = v as Record<string, unknown>;
  } catch {
    // shown as unsupported below
  }
  switch (m.kind) {
    case 1:
      return `created the group ${JSON.stringify(String(o.name ?? ""))}`;
    case 2:
      return `added ${nameOf(o.key)}`;
    case 3:
      return `removed ${nameOf(o.key)}`;
    case 4:
      return "left the group";
    default:
      return "(a kind of group message this version cannot show)";
  }
}

/**
 * A page of shown rows (newest first, as read by position) in the order
 * they were written: by their authors' clocks, each author's own in its seq
 * order whatever its clock says. Catch-up rows were shown when they arrived,
 * after newer ones; here they take their place (within the page).
 */
export function byWrittenTime(newestFirst: readonly GroupMessageRow[]): GroupMessageRow[] {
  const queues = groupBy([...newestFirst].reverse(), (m) => m.author);
  for (const q of queues.values()) q.sort((a, b) => a.seq - b.seq);
  const out: GroupMessageRow[] = [];
  const heads = [...queues.values()];
  for (;;) {
    let best: GroupMessageRow[] | null = null;
    for (const q of heads) {
      const h = q[0];
      if (h && (!best || h.created < best[0]!.created || (h.created === best[0]!.created && (h.pos ?? 0) < (best[0]!.pos ?? 0)))) best = q;
    }
    if (!best) return out;
    out.push(best.shift()!);
  }
}

function groupBy<T>(list: readonly T[], key: (x: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const x of list) {
    const k = key(x);
    let l = out.get(k);
    if (!l) out.set(k, (l = []));
    l.push(x);
  }
  return out;
}

const STATES: readonly GroupMembership[] = ["joining", "member", "left", "removed"];

function toGroup(r: Row): GroupRow {
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

function toMember(r: Row): GroupMemberRow {
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

function toFork(r: Row): GroupForkRow {
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

function toMessage(r: Row): GroupMessageRow {
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
