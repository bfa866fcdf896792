// The Store over Bun's SQL client. The SQL below is written once, in the
// subset SQLite and MySQL/MariaDB share; what differs (connection set-up,
// migrations, duplicate-key errors) lives in sqlite.ts and mysql.ts.
import type { SQL, TransactionSQL } from "bun";
import type { PeerId } from "../protocol/peer-id.ts";
import type { Contact, NewAddress, PeerRequest } from "../domain/contact.ts";
import type { HistoryEntry, HistoryQuery, OutStatus, SearchQuery } from "../domain/history-entry.ts";
import type { SearchTerm } from "../domain/search-terms.ts";
import type { GroupForkRow, GroupMessageRow, GroupRow, GroupSnapshot } from "./groups/group-types.ts";
import { SqlGroupHistory } from "./groups/sql-group-history.ts";
import { SqlGroups } from "./groups/sql-groups.ts";
import { SqlTransfers } from "./files/sql-transfers.ts";
import type { DeviceEntryRow } from "../protocol/devices/sync-frames.ts";
import { MAX_STATUS_IDS, type DeviceEntry } from "../protocol/devices/sync-entries.ts";
import { applyEntries, type Applied, type ApplyDeps } from "./devices/apply-entries.ts";
import { backfill } from "./devices/backfill.ts";
import { loggedBegin, type LoggedBegin } from "./devices/logged-begin.ts";
import { SqlDeviceLog } from "./devices/sql-device-log.ts";
import { SqlDevices } from "./devices/sql-devices.ts";
import type { OwnDeviceRow, PeerDeviceRow } from "./devices/device-types.ts";
import type { TransferQuery, TransferRow } from "./files/transfer-types.ts";
import { insertReceived, localTimeText } from "./local-time.ts";
import { runMigrations, type MigrationTarget } from "./migrate.ts";
import { SqlAddresses } from "./sql-addresses.ts";
import { SqlContacts } from "./sql-contacts.ts";
import type { DialectSql } from "./sql-files.ts";
import { SqlHistory, type MessageTable } from "./sql-history.ts";
import { SqlReads } from "./sql-reads.ts";
import { SqlRequests } from "./sql-requests.ts";
import { StoreError } from "./store-error.ts";
import type {
  AppliedEntry,
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
  private readonly fileRows: SqlTransfers;
  private readonly devices: SqlDevices;
  private readonly messages: SqlHistory;
  private readonly deviceLog: SqlDeviceLog;
  private readonly begin: LoggedBegin;

  constructor(
    protected readonly sql: SQL,
    readonly location: string,
  ) {
    this.deviceLog = new SqlDeviceLog(sql);
    this.begin = loggedBegin(sql, this.deviceLog);
    this.addresses = new SqlAddresses(sql);
    this.reads = new SqlReads(sql, this.begin);
    this.contacts = new SqlContacts(sql, this.addresses, (err) => this.duplicateKey(err), this.begin);
    this.requests = new SqlRequests(sql, (tx, c) => this.contacts.insert(tx, c), (tx, rows) => this.existingIncoming(tx, rows), this.begin);
    this.groups = new SqlGroups(sql);
    this.fileRows = new SqlTransfers(sql);
    this.devices = new SqlDevices(sql);
    this.messages = new SqlHistory({
      sql,
      groups: this.groups,
      groupHistory: new SqlGroupHistory({ sql, groups: this.groups }),
      useIndex: (index) => this.useIndex(index),
      searchCandidates: (table, terms, peer, belowSeq, limit) => this.searchCandidates(table, terms, peer, belowSeq, limit),
    });
  }

  /** Whether a failure may pass if tried again: a connection lost (the pool reconnects), a deadlock, a lock wait. */
  protected abstract transient(err: unknown): boolean;
  /** Which unique key a failed insert hit, if that is why it failed. */
  protected abstract duplicateKey(err: unknown): "name" | "peer" | "other" | null;
  protected abstract migrationTarget(): MigrationTarget;

  async migrate() {
    try {
      // Asked again on a lost connection: at a start with nothing to apply (the usual one) it only reads
      // the versions; a migration half applied when the connection went fails again, as it would have.
      return await this.reread(async () => {
        const result = await runMigrations(this.migrationTarget(), this.files);
        await this.deviceLog.load();
        return result;
      });
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

  /**
   * A read that meets a lost connection (a server restarted, a connection
   * killed, the pool's socket gone stale) is asked again on a fresh one, twice
   * at most, before the caller hears the database is unavailable: a command
   * that only reads (`chat` finding its contact, `history`) must not fail on
   * an outage the node's own writes ride out. Reads change nothing, so asking
   * again is safe.
   */
  protected async reread<T>(fn: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        if (!this.transient(err)) throw err;
        if (attempt >= 2) throw new StoreError("UNAVAILABLE", `the database (${this.location}) failed: ${(err as Error).message}`, { cause: err });
        await Bun.sleep(50 * 4 ** attempt);
      }
    }
  }

  // --- address book (sql-contacts.ts) ---------------------------------------

  listContacts(): Promise<Contact[]> {
    return this.reread(() => this.contacts.list());
  }
  findContact(name: string): Promise<Contact | null> {
    return this.reread(() => this.contacts.find(name));
  }
  findContactByPeerId(peerId: PeerId): Promise<Contact | null> {
    return this.reread(() => this.contacts.findByPeer(peerId));
  }
  addContact(c: NewContact): Promise<Contact> {
    return this.contacts.add(c);
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

  // --- devices (devices/sql-devices.ts) -------------------------------------

  ownDevices(): Promise<OwnDeviceRow[]> {
    return this.devices.ownDevices();
  }
  saveOwnDevice(row: OwnDeviceRow): Promise<void> {
    return this.devices.saveOwnDevice(row);
  }
  ownDeviceSeen(deviceId: string, at: number, addrs: readonly string[] | null): Promise<void> {
    return this.devices.ownDeviceSeen(deviceId, at, addrs);
  }
  revokeOwnDevice(deviceId: string, at: number, revocation: string): Promise<boolean> {
    return this.devices.revokeOwnDevice(deviceId, at, revocation);
  }
  peerDevices(peerId?: string): Promise<PeerDeviceRow[]> {
    return this.devices.peerDevices(peerId);
  }
  savePeerDevice(row: PeerDeviceRow): Promise<void> {
    return this.devices.savePeerDevice(row);
  }
  revokePeerDevice(peerId: string, deviceId: string, at: number, revocation: string): Promise<boolean> {
    return this.devices.revokePeerDevice(peerId, deviceId, at, revocation);
  }

  // --- file transfers (files/sql-transfers.ts) -------------------------------

  transfers(q: TransferQuery): Promise<TransferRow[]> {
    return this.fileRows.list(q);
  }
  findTransfer(id: string): Promise<TransferRow | null> {
    return this.fileRows.find(id);
  }
  openTransfers(): Promise<TransferRow[]> {
    return this.fileRows.open();
  }
  autoBytesSince(peerId: PeerId, since: number): Promise<number> {
    return this.fileRows.autoBytesSince(peerId, since);
  }

  // --- the device log (devices/) ---------------------------------------------

  /** Whether a change must be logged for our other devices: a path that writes around `begin` must not take it then. */
  protected logsDevices(): boolean {
    return this.deviceLog.logging;
  }

  deviceLogSelf(): PeerId | null {
    return this.deviceLog.self;
  }
  startDeviceLog(device: PeerId): Promise<{ backfilled: number }> {
    return this.deviceLog.start(device, backfill);
  }
  onDeviceLog(fn: (seq: number) => void): () => void {
    return this.deviceLog.onAppend(fn);
  }
  deviceEntries(device: PeerId, from: number, to: number, limit: number): Promise<DeviceEntryRow[]> {
    return this.deviceLog.read(device, from, to, limit);
  }
  deviceHeld(): Promise<Map<PeerId, number>> {
    return this.deviceLog.held();
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
    const synced: Applied = { stored: [], statuses: [], skipped: [] };
    await this.begin(async (tx, log) => {
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
      for (const m of outgoing) log({ kind: "out", id: m.id, name: m.peer, peerId: m.peerId ?? null, host: m.host, port: m.port, body: m.body, created: m.created, status: "pending" });
      for (const c of batch.claims ?? []) {
        await tx`UPDATE sender SET peer_id = ${c.peerId} WHERE name = ${c.name} AND peer_id IS NULL AND status IN ('pending', 'sent')`;
        log({ kind: "claim", name: c.name, peerId: c.peerId });
      }
      logStatus(log, "sent", batch.sent ?? []);
      logStatus(log, "pending", batch.unsent ?? []);
      logStatus(log, "delivered", delivered);
      for (const f of batch.failed ?? []) log({ kind: "status", status: "failed", ids: [f.id], reason: f.reason });
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
      for (const m of this.deviceLog.self ? stored : []) {
        // A request's message carries the name its sender announced, for a device that has not seen the stranger.
        const name = m.request && m.peerId !== null ? await requestName(tx, m.peerId) : m.peer;
        log({ kind: "in", id: m.id, peerId: m.peerId, name, ...(m.request ? { request: true } : {}), host: m.host, port: m.port, body: m.body, created: m.created, received: m.received });
      }
      if (batch.applied?.length) await this.applyFromDevices(tx, batch.applied, synced);
      if (batch.groups?.length) await this.groups.write(tx, batch.groups);
      if (batch.files?.length) await this.fileRows.write(tx, batch.files);
    });
    return batch.applied?.length ? { stored, delivered, synced: synced.stored, syncedStatus: synced.statuses, ...(synced.skipped.length ? { syncSkipped: synced.skipped } : {}) } : { stored, delivered };
  }

  /** Other devices' entries: those not recorded yet are recorded and applied, per device in order. */
  private async applyFromDevices(tx: SQL, applied: readonly AppliedEntry[], out: Applied): Promise<void> {
    const fresh = await this.deviceLog.record(tx, applied);
    const deps: ApplyDeps = {
      insertIncoming: (t: SQL, ms: readonly IncomingMessage[]) => this.insertIncoming(t, ms),
      insertContact: (t: SQL, c: NewContact) => this.contacts.insert(t, c),
      removeContact: (t: SQL, name: string) => this.contacts.removeIn(t, name),
      renameContact: (t: SQL, from: string, to: string) => this.contacts.renameIn(t, from, to),
      acceptRequest: (t: SQL, peerId: PeerId, c: NewContact, existing: boolean) => this.requests.acceptIn(t, peerId, c, existing),
      dropRequest: (t: SQL, peerId: PeerId, block: boolean) => this.requests.dropIn(t, peerId, block),
    };
    for (let i = 0; i < fresh.length; ) {
      const device = fresh[i]!.device;
      const run: DeviceEntry[] = [];
      // Our own entries coming back (a device restored from another's copy) are never applied twice.
      for (; i < fresh.length && fresh[i]!.device === device; i++) run.push(fresh[i]!.entry);
      if (device === this.deviceLog.self) continue;
      await this.applyIsolated(tx, device, run, deps, out);
    }
  }

  /**
   * A run of entries inside a savepoint: one this database cannot take (a
   * value too long for a column of its own) must not fail the transaction,
   * which may hold a contact's messages too, nor stop the sync for good by
   * failing again each time it is asked. Then each entry goes alone; one that
   * still fails is skipped (recorded as held: it is not asked again) and
   * reported in the result. A failure that may pass (a lost connection, a
   * deadlock) fails the whole transaction, which the journal tries again.
   */
  private async applyIsolated(tx: SQL, device: PeerId, run: DeviceEntry[], deps: ApplyDeps, out: Applied): Promise<void> {
    const attempt = async (entries: DeviceEntry[]): Promise<unknown> => {
      const part: Applied = { stored: [], statuses: [], skipped: [] };
      try {
        // Inside begin(): a transaction's client.
        await (tx as TransactionSQL).savepoint((sp) => applyEntries(sp, device, entries, deps, part));
      } catch (err) {
        if (this.transient(err)) throw err;
        return err;
      }
      out.stored.push(...part.stored);
      out.statuses.push(...part.statuses);
      return null;
    };
    if ((await attempt(run)) === null) return;
    for (const e of run) {
      const err = await attempt([e]);
      if (err !== null) out.skipped.push({ device, kind: e.kind, why: (err as Error).message });
    }
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

  /**
   * The rows that are `to`'s: by its identity once pinned, else by name among
   * rows no identity claimed. Queries of the outbox add `status IN ('pending',
   * 'sent')`: SQLite's sender_recipient and sender_outbox hold only those rows
   * (migration 015) and serve a query only when it names that condition.
   */
  private recipient(to: Recipient) {
    return to.peerId !== null ? this.sql`peer_id = ${to.peerId}` : this.sql`name = ${to.name} AND peer_id IS NULL`;
  }

  async pendingFor(to: Recipient, afterSeq: number, limit: number): Promise<PendingMessage[]> {
    const rows: Row[] = await this.sql`
      SELECT seq, id, message, created_at FROM sender
      WHERE ${this.recipient(to)} AND status IN ('pending', 'sent') AND status = 'pending' AND seq > ${afterSeq} AND origin IS NULL
      ORDER BY seq LIMIT ${limit}`;
    return rows.map((r) => ({ seq: Number(r.seq), id: String(r.id), body: String(r.message ?? ""), created: Number(r.created_at ?? 0) }));
  }

  async unsentCount(to: Recipient): Promise<{ pending: number; sent: number }> {
    const [r]: Row[] = await this.sql`
      SELECT SUM(CASE WHEN status = 'pending' THEN 1 ELSE 0 END) AS pending, SUM(CASE WHEN status = 'sent' THEN 1 ELSE 0 END) AS sent
      FROM sender WHERE ${this.recipient(to)} AND status IN ('pending', 'sent') AND origin IS NULL`;
    return { pending: Number(r?.pending ?? 0), sent: Number(r?.sent ?? 0) };
  }

  async resetInFlight(to?: Recipient): Promise<number> {
    // Only rows p2pchat itself sent (sent_at set) to peers that acknowledge
    // (not legacy): what the original program marked sent stays sent.
    const res =
      to === undefined
        ? await this.sql`UPDATE sender SET status = 'pending'
            WHERE status IN ('pending', 'sent') AND status = 'sent' AND sent_at IS NOT NULL AND origin IS NULL AND (peer_id IS NOT NULL OR name IN (SELECT name FROM \`user\` WHERE legacy = 0))`
        : await this.sql`UPDATE sender SET status = 'pending' WHERE ${this.recipient(to)} AND status IN ('pending', 'sent') AND status = 'sent' AND sent_at IS NOT NULL AND origin IS NULL`;
    return res.affectedRows;
  }

  async cancel(ids: readonly string[]): Promise<Map<string, OutStatus>> {
    const before = await this.statusOf(ids);
    const open = [...before].filter(([, s]) => s === "pending" || s === "sent").map(([id]) => id);
    await this.begin(async (tx, log) => {
      for (let i = 0; i < open.length; i += CHUNK) {
        await tx`UPDATE sender SET status = 'cancelled' WHERE status IN ('pending', 'sent') AND id IN ${tx(open.slice(i, i + CHUNK))}`;
      }
      logStatus(log, "cancelled", open);
    });
    return before;
  }

  async cancelTo(to: Recipient): Promise<string[]> {
    return this.begin(async (tx, log) => {
      const mine = to.peerId !== null ? tx`peer_id = ${to.peerId}` : tx`name = ${to.name} AND peer_id IS NULL`;
      const rows: Row[] = await tx`SELECT id FROM sender WHERE ${mine} AND status IN ('pending', 'sent') ORDER BY seq`;
      const ids = rows.map((r) => String(r.id));
      for (let i = 0; i < ids.length; i += CHUNK) {
        await tx`UPDATE sender SET status = 'cancelled' WHERE status IN ('pending', 'sent') AND id IN ${tx(ids.slice(i, i + CHUNK))}`;
      }
      logStatus(log, "cancelled", ids);
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
        (SELECT COUNT(*) FROM sender s WHERE s.status IN ('pending', 'sent') AND s.status = 'pending' AND s.origin IS NULL AND (s.peer_id = u.peer_id OR (s.peer_id IS NULL AND s.name = u.name))) AS pending,
        CASE WHEN u.legacy = 1 THEN 0 ELSE
          (SELECT COUNT(*) FROM sender s WHERE s.status IN ('pending', 'sent') AND s.status = 'sent' AND s.origin IS NULL AND (s.peer_id = u.peer_id OR (s.peer_id IS NULL AND s.name = u.name))) END AS sent
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

  // --- history and search (sql-history.ts) ----------------------------------

  history(q: HistoryQuery): Promise<HistoryEntry[]> {
    return this.reread(() => this.messages.history(q));
  }

  search(q: SearchQuery): Promise<HistoryEntry[]> {
    return this.messages.search(q);
  }

  /** SQL after a table name that makes the query read through `index` (where the planner might not). */
  protected useIndex(_index: string): string {
    return "";
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

/** Status changes go into the log as entries of at most MAX_STATUS_IDS ids. */
function logStatus(log: (e: DeviceEntry) => void, status: "sent" | "pending" | "delivered" | "cancelled", ids: readonly string[]): void {
  for (let i = 0; i < ids.length; i += MAX_STATUS_IDS) log({ kind: "status", status, ids: ids.slice(i, i + MAX_STATUS_IDS) });
}

async function requestName(tx: SQL, peerId: PeerId): Promise<string> {
  const [r]: Row[] = await tx`SELECT name FROM request WHERE peer_id = ${peerId}`;
  return r ? String(r.name ?? "") : "";
}
