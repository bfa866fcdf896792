// History and search over both tables of messages (and the groups' log):
// pages ordered as things happened here, newest last, and every word and
// phrase matched alike in both dialects (search-terms.ts decides; each
// dialect's SQL only narrows the rows down, through the hooks below).
import type { SQL } from "bun";
import type { HistoryEntry, HistoryQuery, SearchQuery } from "../domain/history-entry.ts";
import { matchesAll, parseSearch, type SearchTerm } from "../domain/search-terms.ts";
import type { GroupRow } from "./groups/group-types.ts";
import type { SqlGroupHistory } from "./groups/sql-group-history.ts";
import type { SqlGroups } from "./groups/sql-groups.ts";

type Row = Record<string, unknown>;

export interface SqlHistoryDeps {
  sql: SQL;
  groups: Pick<SqlGroups, "find" | "all">;
  groupHistory: SqlGroupHistory;
  /** SQL after a table name that makes the query read through `index` (where the planner might not). */
  useIndex(index: string): string;
  /**
   * At most `limit` rows of `table` with seq below `belowSeq` (all when null),
   * highest seq first, among which are all that match `terms` (more is fine).
   */
  searchCandidates(table: MessageTable, terms: readonly SearchTerm[], peer: string | null, belowSeq: number | null, limit: number): Promise<Row[]>;
}

export class SqlHistory {
  constructor(private readonly d: SqlHistoryDeps) {}

  /** '#alias' names a group when there is one by that alias (else it may still be a contact's name). */
  private async groupOf(peer: string | undefined): Promise<GroupRow | null> {
    return peer?.startsWith("#") ? this.d.groups.find(peer.slice(1)) : null;
  }

  async history(q: HistoryQuery): Promise<HistoryEntry[]> {
    const limit = Math.max(0, Math.floor(q.limit));
    if (limit === 0) return [];
    const group = await this.groupOf(q.peer);
    if (group) return this.d.groupHistory.history(group, q);
    const since = q.since ?? 0;
    let cursor: { time: number; rank: number; seq: number } | null = null;
    if (q.before !== undefined) {
      cursor = await this.findCursor(q.before);
      if (!cursor) return [];
    }
    const peer = q.peer ?? null;
    const sql = this.d.sql;
    // Order: (time, direction rank, seq), in = 0 before out = 1 at the same ms.
    // Each side is one range of its (name,) time, seq index read backwards:
    // `t <= cursor` bounds the range, the OR only trims rows at that very ms.
    const outRows: Row[] = await sql`
      SELECT id, name, ip, port, message, status, fail_reason, created_at AS t, seq FROM sender ${sql.unsafe(this.d.useIndex(peer === null ? "sender_time" : "sender_peer_time"))}
      WHERE ${peer === null ? sql`1 = 1` : sql`name = ${peer}`}
        AND created_at >= ${since}
        AND ${cursor === null ? sql`1 = 1` : cursor.rank === 1 ? sql`created_at <= ${cursor.time} AND (created_at < ${cursor.time} OR seq < ${cursor.seq})` : sql`created_at < ${cursor.time}`}
      ORDER BY created_at DESC, seq DESC LIMIT ${limit}`;
    const inRows: Row[] = await sql`
      SELECT id, name, ip, port, message, status, received_at AS t, created_at AS c, seq FROM receiver ${sql.unsafe(this.d.useIndex(peer === null ? "receiver_time" : "receiver_peer_time"))}
      WHERE ${peer === null ? sql`1 = 1` : sql`name = ${peer}`}
        AND received_at >= ${since}
        AND ${cursor === null ? sql`1 = 1` : cursor.rank === 0 ? sql`received_at <= ${cursor.time} AND (received_at < ${cursor.time} OR seq < ${cursor.seq})` : sql`received_at <= ${cursor.time}`}
      ORDER BY received_at DESC, seq DESC LIMIT ${limit}`;
    return newestFirst([...outRows.map((r) => toEntry(r, "out")), ...inRows.map((r) => toEntry(r, "in"))], limit).reverse();
  }

  private async findCursor(id: string): Promise<{ time: number; rank: number; seq: number } | null> {
    const out: Row[] = await this.d.sql`SELECT created_at AS t, seq FROM sender WHERE id = ${id}`;
    if (out[0]) return { time: Number(out[0].t), rank: 1, seq: Number(out[0].seq) };
    const inn: Row[] = await this.d.sql`SELECT received_at AS t, seq FROM receiver WHERE id = ${id} ORDER BY seq LIMIT 1`;
    if (inn[0]) return { time: Number(inn[0].t), rank: 0, seq: Number(inn[0].seq) };
    return null;
  }

  async search(q: SearchQuery): Promise<HistoryEntry[]> {
    const limit = Math.max(0, Math.floor(q.limit));
    const terms = parseSearch(q.text);
    if (limit === 0 || terms.length === 0) return [];
    const group = await this.groupOf(q.peer);
    // Without --with, groups' messages are searched too (ordered among the others by time).
    const groups = group ? [group] : q.peer === undefined ? await this.d.groups.all() : [];
    const fromGroups = (await this.d.groupHistory.search(groups, terms, limit)).map((g): Keyed => ({ key: [g.time, 2, g.pos], entry: g.entry }));
    if (group) return newestFirst(fromGroups, limit);
    const peer = q.peer ?? null;
    const [outRows, inRows] = await Promise.all([this.searchTable(SENDER, terms, peer, limit), this.searchTable(RECEIVER, terms, peer, limit)]);
    return newestFirst([...outRows.map((r) => toEntry(r, "out")), ...inRows.map((r) => toEntry(r, "in")), ...fromGroups], limit);
  }

  /**
   * The newest `limit` rows of one table that match, by seq (the order rows
   * were stored in). The dialect's query narrows the rows down; `matchesAll`
   * decides, so both dialects answer alike.
   */
  private async searchTable(table: MessageTable, terms: readonly SearchTerm[], peer: string | null, limit: number): Promise<Row[]> {
    const found: Row[] = [];
    let page = Math.min(limit + 20, SEARCH_PAGE_MAX);
    let below: number | null = null;
    for (;;) {
      const rows = await this.d.searchCandidates(table, terms.slice(0, SQL_TERMS), peer, below, page);
      for (const r of rows) {
        if (!matchesAll(String(r.message ?? ""), terms)) continue;
        found.push(r);
        if (found.length === limit) return found;
      }
      if (rows.length < page) return found;
      below = Number(rows[rows.length - 1]!.seq);
      page = Math.min(page * 4, SEARCH_PAGE_MAX);
    }
  }
}

export interface MessageTable {
  name: "sender" | "receiver";
  /** The column that orders history: written (out) or received (in). */
  time: "created_at" | "received_at";
}

const SENDER: MessageTable = { name: "sender", time: "created_at" };
const RECEIVER: MessageTable = { name: "receiver", time: "received_at" };
/** Candidates fetched per round trip while searching, at most. */
const SEARCH_PAGE_MAX = 2000;
/** Terms the SQL narrows by (any more are only checked on the rows it returns): keeps a pasted essay within SQL's limits. */
const SQL_TERMS = 16;

type Keyed = { key: [number, number, number]; entry: HistoryEntry };

/** The newest `limit` entries, newest first: by time, then out after in at the same ms, then seq. */
function newestFirst(entries: Keyed[], limit: number): HistoryEntry[] {
  entries.sort((a, b) => b.key[0] - a.key[0] || b.key[1] - a.key[1] || b.key[2] - a.key[2]);
  return entries.slice(0, limit).map((e) => e.entry);
}

/** `r.t`: the time the row is ordered by (written for out, arrived for in); `r.c`: when an incoming one was written. */
function toEntry(r: Row, direction: "in" | "out"): Keyed {
  const t = Number(r.t ?? 0);
  const peer = r.name ? String(r.name) : `${r.ip ?? "?"}:${r.port ?? "?"}`;
  const entry: HistoryEntry = { id: String(r.id), direction, peer, text: String(r.message ?? ""), status: String(r.status ?? (direction === "in" ? "received" : "pending")), time: t };
  if (entry.status === "failed") entry.reason = String(r.fail_reason ?? "refused by the receiver");
  if (direction === "in") {
    entry.time = r.c === null || r.c === undefined ? t : Number(r.c);
    entry.received = t;
  }
  return { key: [t, direction === "out" ? 1 : 0, Number(r.seq)], entry };
}
