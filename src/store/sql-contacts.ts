// The address book (`user`) in the SQL both dialects share, with each
// contact's addresses attached. Names and pinned ids are unique keys; a
// rename carries the contact's history and unsent messages along.
import type { SQL } from "bun";
import type { PeerId } from "../protocol/peer-id.ts";
import type { Contact, NewAddress } from "../domain/contact.ts";
import type { SqlAddresses } from "./sql-addresses.ts";
import { SqlReads } from "./sql-reads.ts";
import { StoreError } from "./store-error.ts";
import type { ContactPatch, NewContact } from "./store.ts";
import type { LoggedBegin } from "./devices/logged-begin.ts";

type Row = Record<string, unknown>;
type DuplicateKey = (err: unknown) => "name" | "peer" | "other" | null;

const COLUMNS = "seq, name, ip, port, peer_id, blocked, legacy, created_at, invite_token, dkey, relays";

export class SqlContacts {
  constructor(
    private readonly sql: SQL,
    private readonly addresses: SqlAddresses,
    private readonly duplicateKey: DuplicateKey,
    /** A transaction whose changes go into this device's log (devices/). */
    private readonly begin: LoggedBegin,
  ) {}

  /** Adds a contact (one transaction, logged). */
  add(c: NewContact): Promise<Contact> {
    return this.begin(async (tx, log) => {
      const added = await this.insert(tx, c);
      log({ kind: "contactAdd", name: added.name, host: added.host, port: added.port, peerId: added.peerId, blocked: added.blocked, legacy: added.legacy });
      return added;
    });
  }

  async list(): Promise<Contact[]> {
    const rows: Row[] = await this.sql.unsafe(`SELECT ${COLUMNS} FROM \`user\` ORDER BY name`);
    return this.withAddresses(rows);
  }

  async find(name: string): Promise<Contact | null> {
    const rows: Row[] = await this.sql.unsafe(`SELECT ${COLUMNS} FROM \`user\` WHERE name = ?`, [name]);
    return (await this.withAddresses(rows))[0] ?? null;
  }

  async findByPeer(peerId: PeerId): Promise<Contact | null> {
    const rows: Row[] = await this.sql.unsafe(`SELECT ${COLUMNS} FROM \`user\` WHERE peer_id = ?`, [peerId]);
    return (await this.withAddresses(rows))[0] ?? null;
  }

  private async withAddresses(rows: Row[]): Promise<Contact[]> {
    if (rows.length === 0) return [];
    const addresses = await this.addresses.byContact(rows.length > 50 ? undefined : rows.map((r) => Number(r.seq)));
    return rows.map((r) => ({ ...toContact(r), addresses: addresses.get(Number(r.seq)) ?? [] }));
  }

  /** Inserts a contact and its addresses; throws DUPLICATE_NAME or DUPLICATE_PEER. */
  async insert(tx: SQL, c: NewContact): Promise<Contact> {
    const row = {
      name: c.name,
      ip: c.host,
      port: String(c.port),
      peer_id: c.peerId ?? null,
      blocked: c.blocked ? 1 : 0,
      legacy: c.legacy ? 1 : 0,
      created_at: Date.now(),
      invite_token: c.inviteToken ?? null,
      dkey: c.dkey ?? null,
      relays: c.relays?.length ? JSON.stringify(c.relays) : null,
    };
    try {
      await tx`INSERT INTO \`user\` ${tx(row)}`;
    } catch (err) {
      const key = this.duplicateKey(err);
      if (key === "name") throw new StoreError("DUPLICATE_NAME", `a contact named ${JSON.stringify(c.name)} already exists`, { cause: err });
      if (key === "peer") throw new StoreError("DUPLICATE_PEER", `peer ${c.peerId} is already in the address book`, { cause: err });
      throw err;
    }
    const [{ seq }] = (await tx`SELECT seq FROM \`user\` WHERE name = ${c.name}`) as [{ seq: unknown }];
    const list: NewAddress[] = [];
    if (!c.legacy && c.host && c.port > 0) list.push({ host: c.host, port: c.port, source: c.source ?? "typed" });
    for (const a of c.addresses ?? []) list.push(a);
    if (list.length > 0) await this.addresses.save(tx, Number(seq), list, false);
    const addresses = (await this.addresses.byContact([Number(seq)])).get(Number(seq)) ?? [];
    return { ...toContact({ ...row, seq }), addresses };
  }

  async remove(name: string): Promise<boolean> {
    return this.begin(async (tx, log) => {
      const gone = await this.removeIn(tx, name);
      if (gone) log({ kind: "contactRemove", name });
      return gone;
    });
  }

  async removeIn(tx: SQL, name: string): Promise<boolean> {
    const [c]: Row[] = await tx`SELECT seq FROM \`user\` WHERE name = ${name}`;
    if (!c) return false;
    await this.addresses.remove(tx, Number(c.seq));
    await tx`DELETE FROM \`user\` WHERE seq = ${Number(c.seq)}`;
    return true;
  }

  async update(name: string, patch: ContactPatch): Promise<boolean> {
    const set: Row = {};
    if (patch.host !== undefined) set.ip = patch.host;
    if (patch.port !== undefined) set.port = String(patch.port);
    if (patch.peerId !== undefined) set.peer_id = patch.peerId;
    if (patch.blocked !== undefined) set.blocked = patch.blocked ? 1 : 0;
    if (patch.legacy !== undefined) set.legacy = patch.legacy ? 1 : 0;
    if (patch.inviteToken !== undefined) set.invite_token = patch.inviteToken;
    if (patch.dkey !== undefined) set.dkey = patch.dkey;
    if (patch.relays !== undefined) set.relays = patch.relays.length ? JSON.stringify(patch.relays) : null;
    if (Object.keys(set).length === 0) return (await this.find(name)) !== null;
    try {
      // What other devices of ours need not hear of (addresses, keys, relays) takes no transaction.
      if (patch.blocked === undefined && patch.peerId === undefined) {
        const found: Row[] = await this.sql`SELECT name FROM \`user\` WHERE name = ${name}`;
        if (found.length === 0) return false;
        await this.sql`UPDATE \`user\` SET ${this.sql(set)} WHERE name = ${name}`;
        return true;
      }
      // MySQL reports 0 affected rows when nothing changes: count matches instead.
      return await this.begin(async (tx, log) => {
        const found: Row[] = await tx`SELECT name FROM \`user\` WHERE name = ${name}`;
        if (found.length === 0) return false;
        await tx`UPDATE \`user\` SET ${tx(set)} WHERE name = ${name}`;
        // What other devices of ours must agree on: who is blocked, which identity a name is.
        log({ kind: "contactUpdate", name, ...(patch.blocked !== undefined ? { blocked: patch.blocked } : {}), ...(patch.peerId !== undefined ? { peerId: patch.peerId } : {}) });
        return true;
      });
    } catch (err) {
      if (this.duplicateKey(err) === "peer") throw new StoreError("DUPLICATE_PEER", `peer ${patch.peerId} is already pinned to another contact`, { cause: err });
      throw err;
    }
  }

  async rename(from: string, to: string): Promise<boolean> {
    try {
      return await this.begin(async (tx, log) => {
        const done = await this.renameIn(tx, from, to);
        if (done) log({ kind: "contactRename", from, to });
        return done;
      });
    } catch (err) {
      if (this.duplicateKey(err) === "name") throw new StoreError("DUPLICATE_NAME", `a contact named ${JSON.stringify(to)} already exists`, { cause: err });
      throw err;
    }
  }

  async renameIn(tx: SQL, from: string, to: string): Promise<boolean> {
    const [c]: Row[] = await tx`SELECT peer_id FROM \`user\` WHERE name = ${from}`;
    if (!c) return false;
    const mine = c.peer_id ? tx`(peer_id = ${String(c.peer_id)} OR peer_id IS NULL)` : tx`peer_id IS NULL`;
    await tx`UPDATE \`user\` SET name = ${to} WHERE name = ${from}`;
    await tx`UPDATE sender SET name = ${to} WHERE name = ${from} AND ${mine}`;
    await tx`UPDATE receiver SET name = ${to} WHERE name = ${from} AND ${mine}`;
    await SqlReads.rename(tx, from, to);
    return true;
  }

  async saveAddresses(name: string, list: readonly NewAddress[], preferred: boolean): Promise<number> {
    return this.sql.begin(async (tx) => {
      const [c]: Row[] = await tx`SELECT seq FROM \`user\` WHERE name = ${name}`;
      if (!c) return 0;
      return this.addresses.save(tx, Number(c.seq), list, preferred);
    });
  }

  async forgetAddress(name: string, host: string, port: number): Promise<boolean> {
    const [c]: Row[] = await this.sql`SELECT seq FROM \`user\` WHERE name = ${name}`;
    return c ? this.addresses.forget(Number(c.seq), host, port) : false;
  }

  async addressTried(name: string, host: string, port: number, ok: boolean, error: string | null): Promise<void> {
    const [c]: Row[] = await this.sql`SELECT seq FROM \`user\` WHERE name = ${name}`;
    if (c) await this.addresses.tried(Number(c.seq), host, port, ok, error);
  }
}

function toContact(r: Row): Omit<Contact, "addresses"> & { addresses: [] } {
  const port = Number.parseInt(String(r.port ?? ""), 10);
  return {
    name: String(r.name),
    host: String(r.ip ?? ""),
    port: Number.isFinite(port) ? port : 0,
    peerId: r.peer_id ? (String(r.peer_id) as PeerId) : null,
    blocked: Number(r.blocked) === 1,
    legacy: Number(r.legacy) === 1,
    createdAt: r.created_at === null || r.created_at === undefined ? null : Number(r.created_at),
    inviteToken: r.invite_token ? String(r.invite_token) : null,
    dkey: r.dkey ? String(r.dkey) : null,
    relays: parseRelays(r.relays),
    addresses: [],
  };
}

function parseRelays(v: unknown): string[] {
  if (typeof v !== "string" || v === "") return [];
  try {
    const list = JSON.parse(v) as unknown;
    return Array.isArray(list) ? list.filter((x): x is string => typeof x === "string") : [];
  } catch {
    return [];
  }
}
