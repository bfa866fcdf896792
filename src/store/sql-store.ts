// The Store over Bun's SQL client. The SQL below is written once, in the
// subset SQLite and MySQL/MariaDB share; what differs (connection set-up,
// migrations, duplicate-key errors) lives in sqlite.ts and mysql.ts.
import type { SQL } from "bun";
import type { PeerId } from "../protocol/peer-id.ts";
import { runMigrations, type MigrationTarget } from "./migrate.ts";
import type { DialectSql } from "./sql-files.ts";
import { matchesAll, parseSearch, type SearchTerm } from "../domain/search-terms.ts";
import { SqlRequests } from "./sql-requests.ts";
import { SqlAddresses } from "./sql-addresses.ts";
import { SqlContacts } from "./sql-contacts.ts";
import { SqlReads } from "./sql-reads.ts";
import { insertReceived, localTimeText } from "./local-time.ts";
import { SqlGroups } from "./sql-groups.ts";
import type { GroupForkRow, GroupMessageRow, GroupRow, GroupSnapshot } from "./group-types.ts";
import type {
  ContactPatch,
  Dialect,
  IncomingMessage,
  InviteUse,
  NewContact,
  OutboxCount,
  NewRequest,
  OutgoingMessage,
  PendingMessage,
  Recipient,
  Store,
  WriteBatch,
  WriteResult,
} from "./store.ts";
import { StoreError } from "./store-error.ts";
import type { HistoryEntry, HistoryQuery, OutStatus, SearchQuery } from "../domain/history-entry.ts";
import type { Contact, NewAddress, PeerRequest } from "../domain/contact.ts";

/** Rows per multi-row INSERT and ids per IN (...): well under both dialects' parameter limits. */
const CHUNK = 500;

export type Row = Record<string, unknown>;

export abstract class SqlStore implements Store {
  abstract readonly dialect: Dialect;
  protected abstract readonly files: DialectSql;

  private readonly requests: SqlRequests;
  private readonly addresses: SqlAddresses;
  private readonly contacts: SqlContacts;
  private readonly reads: SqlReads;
  private readonly groups: SqlGroups;

  constructor(
    protected readonly sql: SQL,
    readonly location: string,
  ) {
    this.addresses = new SqlAddresses(sql);
    this.reads = new SqlReads(sql);
    this.contacts = new SqlContacts(sql, this.addresses, (err) => this.duplicateKey(err));
    this.requests = new SqlRequests(sql, (tx, c) => this.contacts.insert(tx, c), (tx, rows) => this.existingIncoming(tx, rows));
    this.groups = new SqlGroups(sql);
  }

  /** Whether a failure may pass if tried again: a connection lost (the pool reconnects), a deadlock, a lock wait. */
  protected abstract transient(err: unknown): boolean;
  /** Which unique key a failed insert hit, if that is why it failed. */
  protected abstract duplicateKey(err: unknown): "name" | "peer" | "other" | null;
  protected abstract migrationTarget(): MigrationTarget;

  async migrate() {
    try {
      return await runMigrations(this.migrationTarget(), this.files);
    } catch (err) {
      throw new StoreError("MIGRATION_FAILED", `cannot migrate ${this.location}: ${(err as Error).message}`, { cause: err });
    }
  }

  /** A long-running node's background work; nothing to do unless a dialect says so. Says what runs. */
  async startMaintenance(): Promise<string> {
    return "no background work";
  }

  async close() {
    await this.sql.close();
  }

  // --- address book (sql-contacts.ts) ---------------------------------------

  listContacts(): Promise<Contact[]> {
    return this.contacts.list();
  }
  findContact(name: string): Promise<Contact | null> {
    return this.contacts.find(name);
  }
  findContactByPeerId(peerId: PeerId): Promise<Contact | null> {
    return this.contacts.findByPeer(peerId);
  }
  addContact(c: NewContact): Promise<Contact> {
    return this.sql.begin((tx) => this.contacts.insert(tx, c));
  }
  removeContact(name: string): Promise<boolean> {
    return this.contacts.remove(name);
  }
  updateContact(name: string, patch: ContactPatch): Promise<boolean> {
    return this.contacts.update(name, patch);
  }
  renameContact(from: string, to: string): Promise<boolean> {
    return this.contacts.rename(from, to);
  }
  saveAddresses(name: string, addresses: readonly NewAddress[], opts: { preferred?: boolean } = {}): Promise<number> {
    return this.contacts.saveAddresses(name, addresses, opts.preferred ?? false);
  }
  forgetAddress(name: string, host: string, port: number): Promise<boolean> {
    return this.contacts.forgetAddress(name, host, port);
  }
  addressTried(name: string, host: string, port: number, outcome: { ok: true } | { ok: false; error: string }): Promise<void> {
    return this.contacts.addressTried(name, host, port, outcome.ok, outcome.ok ? null : outcome.error);
  }
  createInvite(token: string, uses: number, expiresAt: number): Promise<void> {
    return this.addresses.createInvite(token, uses, expiresAt);
  }
  useInvite(token: string, now: number): Promise<InviteUse> {
    return this.addresses.useInvite(token, now);
  }

  // --- read marks (sql-reads.ts) --------------------------------------------

  unreadCounts(): Promise<Map<string, number>> {
    return this.reads.unreadCounts();
  }
  markRead(name: string, id?: string): Promise<number> {
    return this.reads.markRead(name, id);
  }

  // --- groups (sql-groups.ts) -----------------------------------------------

  groupSnapshot(): Promise<GroupSnapshot> {
    return this.groups.snapshot();
  }
  groupMessages(group: string, author: string, from: number, to: number, limit: number): Promise<GroupMessageRow[]> {
    return this.groups.messages(group, author, from, to, limit);
  }
  findGroup(alias: string): Promise<GroupRow | null> {
    return this.groups.find(alias);
  }
  savePeerKey(peerId: PeerId, author: string, at: number): Promise<void> {
    return this.groups.savePeerKey(peerId, author, at);
  }
  groupForks(group: string): Promise<GroupForkRow[]> {
    return this.groups.forks(group);
  }

  /** '#alias' names a group when there is one by that alias (else it may still be a contact's name). */
  private async groupOf(peer: string | undefined): Promise<GroupRow | null> {
    return peer?.startsWith("#") ? this.groups.find(peer.slice(1)) : null;
  }

  // --- messages -------------------------------------------------------------

  async write(batch: WriteBatch): Promise<WriteResult> {
    try {
      return await this.writeOnce(batch);
    } catch (err) {
      if (this.transient(err)) throw new StoreError("UNAVAILABLE", `the database (${this.location}) failed: ${(err as Error).message}`, { cause: err });
      throw err;
    }
  }

  private async writeOnce(batch: WriteBatch): Promise<WriteResult> {
    const stored: IncomingMessage[] = [];
    const delivered = [...new Set(batch.delivered ?? [])];
    const at = batch.at;
    await this.sql.begin(async (tx) => {
      // Tried again after a lost connection: the first try may have committed.
      const outgoing = batch.retry ? await this.notStored(tx, batch.outgoing ?? []) : (batch.outgoing ?? []);
      for (let i = 0; i < outgoing.length; i += CHUNK) {
        const rows = outgoing.slice(i, i + CHUNK).map((m) => ({
          ip: m.host,
          port: String(m.port),
          name: m.peer,
          message: m.body,
          status: "pending",
          time: localTimeText(m.created),
          id: m.id,
          created_at: m.created,
          peer_id: m.peerId ?? null,
        }));
        await tx`INSERT INTO sender ${tx(rows)}`;
      }
      for (const c of batch.claims ?? []) {
        await tx`UPDATE sender SET peer_id = ${c.peerId} WHERE name = ${c.name} AND peer_id IS NULL AND status IN ('pending', 'sent')`;
      }
      const sent = batch.sent ?? [];
      for (let i = 0; i < sent.length; i += CHUNK) {
        await tx`UPDATE sender SET status = 'sent', sent_at = ${at} WHERE status = 'pending' AND id IN ${tx(sent.slice(i, i + CHUNK))}`;
      }
      const unsent = batch.unsent ?? [];
      for (let i = 0; i < unsent.length; i += CHUNK) {
        await tx`UPDATE sender SET status = 'pending' WHERE status = 'sent' AND id IN ${tx(unsent.slice(i, i + CHUNK))}`;
      }
      for (let i = 0; i < delivered.length; i += CHUNK) {
        await tx`UPDATE sender SET status = 'delivered', delivered_at = ${at} WHERE status <> 'delivered' AND id IN ${tx(delivered.slice(i, i + CHUNK))}`;
      }
      for (const f of batch.failed ?? []) {
        await tx`UPDATE sender SET status = 'failed', fail_reason = ${f.reason} WHERE status IN ('pending', 'sent') AND id = ${f.id}`;
      }
      if (batch.incoming?.length) stored.push(...(await this.insertIncoming(tx, batch.incoming)));
      if (batch.groups?.length) await this.groups.write(tx, batch.groups);
    });
    return { stored, delivered };
  }

  /** Stores each (peer id, message id) once: redelivered messages are skipped, never stored twice. */
  private async insertIncoming(tx: SQL, all: readonly IncomingMessage[]): Promise<IncomingMessage[]> {
    const requests = all.filter((m) => m.request && m.peerId !== null);
    const incoming = requests.length === 0 ? all : all.filter((m) => !(m.request && m.peerId !== null));
    const fromRequests = requests.length > 0 ? await this.requests.insertMessages(tx, requests) : [];
    const fresh: IncomingMessage[] = [];
    const seen = await this.existingIncoming(tx, incoming);
    for (const m of incoming) {
      if (m.peerId !== null) {
        const key = `${m.peerId} ${m.id}`;
        if (seen.has(key)) continue;
        seen.add(key);
      }
      fresh.push(m);
    }
    await insertReceived(tx, fresh);
    return fromRequests.length > 0 ? [...fromRequests, ...fresh] : fresh;
  }

  private async notStored(tx: SQL, outgoing: readonly OutgoingMessage[]): Promise<readonly OutgoingMessage[]> {
    const have = new Set<string>();
    for (let i = 0; i < outgoing.length; i += CHUNK) {
      const rows: Row[] = await tx`SELECT id FROM sender WHERE id IN ${tx(outgoing.slice(i, i + CHUNK).map((m) => m.id))}`;
      for (const r of rows) have.add(String(r.id));
    }
    return have.size === 0 ? outgoing : outgoing.filter((m) => !have.has(m.id));
  }

  /** `peer id + " " + message id` of those among `incoming` that `receiver` holds already. */
  private async existingIncoming(tx: SQL, incoming: readonly IncomingMessage[]): Promise<Set<string>> {
    const have = new Set<string>();
    const byPeer = new Map<string, IncomingMessage[]>();
    for (const m of incoming) {
      if (m.peerId === null) continue; // legacy peers send no ids: nothing to match
      let list = byPeer.get(m.peerId);
      if (!list) byPeer.set(m.peerId, (list = []));
      list.push(m);
    }
    for (const [peerId, list] of byPeer) {
      for (let i = 0; i < list.length; i += CHUNK) {
        const ids = list.slice(i, i + CHUNK).map((m) => m.id);
        const rows: Row[] = await tx`SELECT id FROM receiver WHERE peer_id = ${peerId} AND id IN ${tx(ids)}`;
        for (const r of rows) have.add(`${peerId} ${String(r.id)}`);
      }
    }
    return have;
  }

  /** The rows that are `to`'s: by its identity once pinned, else by name among rows no identity claimed. */
  private recipient(to: Recipient) {
    return to.peerId !== null ? this.sql`peer_id = ${to.peerId}` : this.sql`name = ${to.name} AND peer_id IS NULL`;
  }

  async pendingFor(to: Recipient, afterSeq: number, limit: number): Promise<PendingMessage[]> {
    const rows: Row[] = await this.sql`
      SELECT seq, id, message, created_at FROM sender
      WHERE ${this.recipient(to)} AND status = 'pending' AND seq > ${afterSeq}
      ORDER BY seq LIMIT ${limit}`;
    return rows.map((r) => ({ seq: Number(r.seq), id: String(r.id), body: String(r.message ?? ""), created: Number(r.created_at ?? 0) }));
  }

  async unsentCount(to: Recipient): Promise<{ pending: number; sent: number }> {
    const [r]: Row[] = await this.sql`
      SELECT SUM(CASE WHEN status = 'pending' THEN 1 ELSE 0 END) AS pending, SUM(CASE WHEN status = 'sent' THEN 1 ELSE 0 END) AS sent
      FROM sender WHERE ${this.recipient(to)} AND status IN ('pending', 'sent')`;
    return { pending: Number(r?.pending ?? 0), sent: Number(r?.sent ?? 0) };
  }

  async resetInFlight(to?: Recipient): Promise<number> {
    // Only rows p2pchat itself sent (sent_at set) to peers that acknowledge
    // (not legacy): what the original program marked sent stays sent.
    const res =
      to === undefined
        ? await this.sql`UPDATE sender SET status = 'pending'
            WHERE status = 'sent' AND sent_at IS NOT NULL AND (peer_id IS NOT NULL OR name IN (SELECT name FROM \`user\` WHERE legacy = 0))`
        : await this.sql`UPDATE sender SET status = 'pending' WHERE ${this.recipient(to)} AND status = 'sent' AND sent_at IS NOT NULL`;
    return res.affectedRows;
  }

  async cancel(ids: readonly string[]): Promise<Map<string, OutStatus>> {
    const before = await this.statusOf(ids);
    const open = [...before].filter(([, s]) => s === "pending" || s === "sent").map(([id]) => id);
    for (let i = 0; i < open.length; i += CHUNK) {
      await this.sql`UPDATE sender SET status = 'cancelled' WHERE status IN ('pending', 'sent') AND id IN ${this.sql(open.slice(i, i + CHUNK))}`;
    }
    return before;
  }

  async cancelTo(to: Recipient): Promise<string[]> {
    return this.sql.begin(async (tx) => {
      const mine = to.peerId !== null ? tx`peer_id = ${to.peerId}` : tx`name = ${to.name} AND peer_id IS NULL`;
      const rows: Row[] = await tx`SELECT id FROM sender WHERE ${mine} AND status IN ('pending', 'sent') ORDER BY seq`;
      const ids = rows.map((r) => String(r.id));
      for (let i = 0; i < ids.length; i += CHUNK) {
        await tx`UPDATE sender SET status = 'cancelled' WHERE status IN ('pending', 'sent') AND id IN ${tx(ids.slice(i, i + CHUNK))}`;
      }
      return ids;
    });
  }

  async retarget(from: Recipient, to: PeerId): Promise<number> {
    const res = await this.sql`UPDATE sender SET peer_id = ${to} WHERE ${this.recipient(from)} AND status IN ('pending', 'sent')`;
    return res.affectedRows;
  }

  listRequests(): Promise<PeerRequest[]> {
    return this.requests.list();
  }
  findRequest(peerId: PeerId): Promise<PeerRequest | null> {
    return this.requests.find(peerId);
  }
  saveRequest(r: NewRequest): Promise<PeerRequest> {
    return this.requests.save(r);
  }
  acceptRequest(peerId: PeerId, contact: NewContact, opts: { existing?: boolean } = {}): Promise<{ contact: Contact; moved: number }> {
    return this.requests.accept(peerId, contact, opts.existing ?? false);
  }
  dropRequest(peerId: PeerId, opts: { block: boolean }): Promise<boolean> {
    return this.requests.drop(peerId, opts.block);
  }

  async outboxCounts(): Promise<OutboxCount[]> {
    // A contact's messages: those of its identity, and unclaimed ones by its
    // name. A legacy peer acknowledges nothing: its `sent` is final.
    const rows: Row[] = await this.sql`
      SELECT u.name AS name, u.legacy AS legacy,
        (SELECT COUNT(*) FROM sender s WHERE s.status = 'pending' AND (s.peer_id = u.peer_id OR (s.peer_id IS NULL AND s.name = u.name))) AS pending,
        CASE WHEN u.legacy = 1 THEN 0 ELSE
          (SELECT COUNT(*) FROM sender s WHERE s.status = 'sent' AND (s.peer_id = u.peer_id OR (s.peer_id IS NULL AND s.name = u.name))) END AS sent
      FROM \`user\` u ORDER BY u.name`;
    return rows
      .map((r) => ({ peer: String(r.name), pending: Number(r.pending), sent: Number(r.sent), legacy: Number(r.legacy) === 1 }))
      .filter((c) => c.pending > 0 || c.sent > 0);
  }

  async statusOf(ids: readonly string[]): Promise<Map<string, OutStatus>> {
    const out = new Map<string, OutStatus>();
    for (let i = 0; i < ids.length; i += CHUNK) {
      const rows: Row[] = await this.sql`SELECT id, status FROM sender WHERE id IN ${this.sql(ids.slice(i, i + CHUNK))}`;
      for (const r of rows) out.set(String(r.id), String(r.status) as OutStatus);
    }
    return out;
  }

  // --- history and search -------------------------------------------------

  async history(q: HistoryQuery): Promise<HistoryEntry[]> {
    const limit = Math.max(0, Math.floor(q.limit));
    if (limit === 0) return [];
    const group = await this.groupOf(q.peer);
    if (group) return this.groups.history(group, q);
    const since = q.since ?? 0;
    let cursor: { time: number; rank: number; seq: number } | null = null;
    if (q.before !== undefined) {
      cursor = await this.findCursor(q.before);
      if (!cursor) return [];
    }
    const peer = q.peer ?? null;
    const sql = this.sql;
    // Order: (time, direction rank, seq), in = 0 before out = 1 at the same ms.
    // Each side is one range of its (name,) time, seq index read backwards:
    // `t <= cursor` bounds the range, the OR only trims rows at that very ms.
    const outRows: Row[] = await sql`
      SELECT id, name, ip, port, message, status, fail_reason, created_at AS t, seq FROM sender ${sql.unsafe(this.useIndex(peer === null ? "sender_time" : "sender_peer_time"))}
      WHERE ${peer === null ? sql`1 = 1` : sql`name = ${peer}`}
        AND created_at >= ${since}
        AND ${cursor === null ? sql`1 = 1` : cursor.rank === 1 ? sql`created_at <= ${cursor.time} AND (created_at < ${cursor.time} OR seq < ${cursor.seq})` : sql`created_at < ${cursor.time}`}
      ORDER BY created_at DESC, seq DESC LIMIT ${limit}`;
    const inRows: Row[] = await sql`
      SELECT id, name, ip, port, message, status, received_at AS t, created_at AS c, seq FROM receiver ${sql.unsafe(this.useIndex(peer === null ? "receiver_time" : "receiver_peer_time"))}
      WHERE ${peer === null ? sql`1 = 1` : sql`name = ${peer}`}
        AND received_at >= ${since}
        AND ${cursor === null ? sql`1 = 1` : cursor.rank === 0 ? sql`received_at <= ${cursor.time} AND (received_at < ${cursor.time} OR seq < ${cursor.seq})` : sql`received_at <= ${cursor.time}`}
      ORDER BY received_at DESC, seq DESC LIMIT ${limit}`;
    return newestFirst([...outRows.map((r) => toEntry(r, "out")), ...inRows.map((r) => toEntry(r, "in"))], limit).reverse();
  }

  /** SQL after a table name that makes the query read through `index` (where the planner might not). */
  protected useIndex(_index: string): string {
    return "";
  }

  private async findCursor(id: string): Promise<{ time: number; rank: number; seq: number } | null> {
    const out: Row[] = await this.sql`SELECT created_at AS t, seq FROM sender WHERE id = ${id}`;
    if (out[0]) return { time: Number(out[0].t), rank: 1, seq: Number(out[0].seq) };
    const inn: Row[] = await this.sql`SELECT received_at AS t, seq FROM receiver WHERE id = ${id} ORDER BY seq LIMIT 1`;
    if (inn[0]) return { time: Number(inn[0].t), rank: 0, seq: Number(inn[0].seq) };
    return null;
  }

  async search(q: SearchQuery): Promise<HistoryEntry[]> {
    const limit = Math.max(0, Math.floor(q.limit));
    const terms = parseSearch(q.text);
    if (limit === 0 || terms.length === 0) return [];
    const group = await this.groupOf(q.peer);
    // Without --with, groups' messages are searched too (ordered among the others by time).
    const groups = group ? [group] : q.peer === undefined ? await this.groups.all() : [];
    const fromGroups = (await this.groups.search(groups, terms, limit)).map((g): Keyed => ({ key: [g.time, 2, g.pos], entry: g.entry }));
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
      const rows = await this.searchCandidates(table, terms.slice(0, SQL_TERMS), peer, below, page);
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

  /**
   * At most `limit` rows of `table` with seq below `belowSeq` (all when null),
   * highest seq first, among which are all that match `terms` (more is fine):
   * seq, id, name, ip, port, message, status, the time it is ordered by as
   * `t` and (receiver) when it was written as `c`.
   * User text only ever goes in as bound parameters.
   */
  protected abstract searchCandidates(table: MessageTable, terms: readonly SearchTerm[], peer: string | null, belowSeq: number | null, limit: number): Promise<Row[]>;
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
