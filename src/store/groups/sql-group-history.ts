// A group's messages as history and search show them ('#alias'): author
// names (a contact's own name first), membership events in words, how many
// members hold each of ours, the versions of a forked message, in the order
// they were written.
import type { SQL } from "bun";
import { decodeGroupEvent, removalHeld } from "../../protocol/groups/group-events.ts";
import { describeGroupEvent } from "../../domain/group-event-text.ts";
import type { HistoryEntry, HistoryQuery } from "../../domain/history-entry.ts";
import { matchesAll, type SearchTerm } from "../../domain/search-terms.ts";
import { groupBy, toMessage } from "./group-rows.ts";
import type { GroupForkRow, GroupMessageRow, GroupRow } from "./group-types.ts";
import type { SqlGroups } from "./sql-groups.ts";

type Row = Record<string, unknown>;

/** Rows read per round while searching. */
const SEARCH_PAGE = 2000;

/** A group entry with what orders it among others: its time, then its display position. */
export interface GroupKeyed {
  time: number;
  pos: number;
  entry: HistoryEntry;
}

export interface SqlGroupHistoryDeps {
  sql: SQL;
  groups: Pick<SqlGroups, "creatorEvents" | "forks">;
}

export class SqlGroupHistory {
  constructor(private readonly d: SqlGroupHistoryDeps) {}

  /** A group's shown messages, oldest first, as `history '#alias'` prints them. */
  async history(g: GroupRow, q: HistoryQuery): Promise<HistoryEntry[]> {
    const limit = Math.max(0, Math.floor(q.limit));
    if (limit === 0) return [];
    let below = Number.MAX_SAFE_INTEGER;
    if (q.before !== undefined) {
      const [c]: Row[] = await this.d.sql`SELECT pos FROM group_message WHERE group_id = ${g.id} AND id = ${q.before} AND pos IS NOT NULL`;
      if (!c) return [];
      below = Number(c.pos);
    }
    const rows: Row[] = await this.d.sql`
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
      const rows: Row[] = await this.d.sql`
        SELECT group_id, author, aseq, id, kind, body, sig, created_at, received_at, pos, seq FROM group_message
        WHERE group_id IN ${this.d.sql([...byId.keys()])} AND kind = 0 AND pos > 0 AND seq < ${below}
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

  /** Turns a group's rows into entries: author names (a contact's own name first), events in words, delivery counts. */
  private async view(g: GroupRow): Promise<(m: GroupMessageRow) => GroupKeyed> {
    const members: Row[] = await this.d.sql`
      SELECT gm.author, gm.name, gm.until_seq, gm.gone_seq, u.name AS contact FROM group_member gm LEFT JOIN \`user\` u ON u.peer_id = gm.peer_id
      WHERE gm.group_id = ${g.id}`;
    const receipts: Row[] = await this.d.sql`SELECT member, seq FROM group_receipt WHERE group_id = ${g.id} AND author = ${g.selfKey}`;
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
      for (const e of await this.d.groups.creatorEvents(g.id)) {
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
    for (const f of await this.d.groups.forks(g.id)) {
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
