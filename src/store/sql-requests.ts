// Requests: peers that are not contacts and connected to us. What they send
// waits in `request_message`, apart from every conversation, until the user
// accepts the request (its rows move into `receiver`, in order, and it becomes
// a contact in the same transaction) or rejects it. Dialect-neutral SQL.
import type { SQL } from "bun";
import type { PeerId } from "../protocol/peer-id.ts";
import type { Contact, PeerRequest } from "../domain/contact.ts";
import { insertReceived } from "./local-time.ts";
import { StoreError } from "./store-error.ts";
import type { IncomingMessage, NewContact, NewRequest } from "./store.ts";
import type { LoggedBegin } from "./devices/logged-begin.ts";

type Row = Record<string, unknown>;

/** Ids per IN (...). */
const CHUNK = 500;

export class SqlRequests {
  constructor(
    private readonly sql: SQL,
    private readonly insertContact: (tx: SQL, c: NewContact) => Promise<Contact>,
    /** `peer id + " " + message id` of the given messages that `receiver` holds. */
    private readonly inReceiver: (tx: SQL, ms: readonly IncomingMessage[]) => Promise<Set<string>>,
    /** A transaction whose changes go into this device's log (devices/). */
    private readonly begin: LoggedBegin,
  ) {}

  async list(): Promise<PeerRequest[]> {
    const rows: Row[] = await this.sql`
      SELECT r.peer_id, r.name, r.ip, r.port, r.first_seen, r.last_seen, r.blocked,
        (SELECT COUNT(*) FROM request_message m WHERE m.peer_id = r.peer_id) AS waiting
      FROM request r ORDER BY r.first_seen, r.peer_id`;
    return rows.map(toRequest);
  }

  async find(peerId: PeerId): Promise<PeerRequest | null> {
    const rows: Row[] = await this.sql`
      SELECT r.peer_id, r.name, r.ip, r.port, r.first_seen, r.last_seen, r.blocked,
        (SELECT COUNT(*) FROM request_message m WHERE m.peer_id = r.peer_id) AS waiting
      FROM request r WHERE r.peer_id = ${peerId}`;
    return rows[0] ? toRequest(rows[0]) : null;
  }

  async save(r: NewRequest): Promise<PeerRequest> {
    await this.sql.begin(async (tx) => {
      const have: Row[] = await tx`SELECT peer_id FROM request WHERE peer_id = ${r.peerId}`;
      if (have.length > 0) {
        await tx`UPDATE request SET name = ${r.name}, ip = ${r.host}, port = ${r.port}, last_seen = ${r.at} WHERE peer_id = ${r.peerId}`;
      } else {
        await tx`INSERT INTO request ${tx({ peer_id: r.peerId, name: r.name, ip: r.host, port: r.port, first_seen: r.at, last_seen: r.at, blocked: 0 })}`;
      }
    });
    return (await this.find(r.peerId))!;
  }

  /** Stores request messages once per (peer id, message id); returns those stored now. */
  async insertMessages(tx: SQL, ms: readonly IncomingMessage[]): Promise<IncomingMessage[]> {
    const seen = await this.inReceiver(tx, ms);
    const byPeer = new Map<string, IncomingMessage[]>();
    for (const m of ms) {
      let list = byPeer.get(m.peerId!);
      if (!list) byPeer.set(m.peerId!, (list = []));
      list.push(m);
    }
    for (const [peerId, list] of byPeer) {
      for (let i = 0; i < list.length; i += CHUNK) {
        const rows: Row[] = await tx`SELECT id FROM request_message WHERE peer_id = ${peerId} AND id IN ${tx(list.slice(i, i + CHUNK).map((m) => m.id))}`;
        for (const r of rows) seen.add(`${peerId} ${String(r.id)}`);
      }
    }
    const fresh: IncomingMessage[] = [];
    for (const m of ms) {
      const key = `${m.peerId} ${m.id}`;
      if (seen.has(key)) continue;
      seen.add(key);
      fresh.push(m);
    }
    for (let i = 0; i < fresh.length; i += CHUNK) {
      const rows = fresh.slice(i, i + CHUNK).map((m) => ({ peer_id: m.peerId, id: m.id, message: m.body, created_at: m.created, received_at: m.received }));
      await tx`INSERT INTO request_message ${tx(rows)}`;
    }
    return fresh;
  }

  async accept(peerId: PeerId, contact: NewContact, existing: boolean): Promise<{ contact: Contact; moved: number }> {
    return this.begin(async (tx, log) => {
      const out = await this.acceptIn(tx, peerId, contact, existing);
      log({ kind: "requestAccept", peerId, name: out.contact.name, host: out.contact.host, port: out.contact.port });
      return out;
    });
  }

  async acceptIn(tx: SQL, peerId: PeerId, contact: NewContact, existing: boolean): Promise<{ contact: Contact; moved: number }> {
    const [req]: Row[] = await tx`SELECT ip, port FROM request WHERE peer_id = ${peerId}`;
    if (!req) throw new StoreError("QUERY_FAILED", `no request from ${peerId}`);
    const added: Contact = existing
      ? { name: contact.name, host: contact.host, port: contact.port, peerId, blocked: contact.blocked ?? false, legacy: false, createdAt: null, addresses: [], inviteToken: null, dkey: null, relays: [] }
      : await this.insertContact(tx, { ...contact, peerId, source: "hello" });
    const rows: Row[] = await tx`SELECT id, message, created_at, received_at FROM request_message WHERE peer_id = ${peerId} ORDER BY seq`;
    const ms: IncomingMessage[] = rows.map((r) => ({
      id: String(r.id),
      peerId,
      peer: added.name,
      host: String(req.ip ?? ""),
      port: added.port,
      body: String(r.message ?? ""),
      created: Number(r.created_at ?? 0),
      received: Number(r.received_at ?? 0),
    }));
    const have = await this.inReceiver(tx, ms);
    const fresh = ms.filter((m) => !have.has(`${peerId} ${m.id}`));
    await insertReceived(tx, fresh);
    await tx`DELETE FROM request_message WHERE peer_id = ${peerId}`;
    await tx`DELETE FROM request WHERE peer_id = ${peerId}`;
    return { contact: added, moved: fresh.length };
  }

  async drop(peerId: PeerId, block: boolean): Promise<boolean> {
    return this.begin(async (tx, log) => {
      const done = await this.dropIn(tx, peerId, block);
      if (done) log({ kind: "requestDrop", peerId, block });
      return done;
    });
  }

  async dropIn(tx: SQL, peerId: PeerId, block: boolean): Promise<boolean> {
    const have: Row[] = await tx`SELECT peer_id FROM request WHERE peer_id = ${peerId}`;
    await tx`DELETE FROM request_message WHERE peer_id = ${peerId}`;
    if (block) {
      const now = Date.now();
      if (have.length > 0) await tx`UPDATE request SET blocked = 1, last_seen = ${now} WHERE peer_id = ${peerId}`;
      else await tx`INSERT INTO request ${tx({ peer_id: peerId, name: "?", ip: "", port: 0, first_seen: now, last_seen: now, blocked: 1 })}`;
      return true;
    }
    await tx`DELETE FROM request WHERE peer_id = ${peerId}`;
    return have.length > 0;
  }
}

function toRequest(r: Row): PeerRequest {
  return {
    peerId: String(r.peer_id) as PeerId,
    name: String(r.name ?? ""),
    host: String(r.ip ?? ""),
    port: Number(r.port ?? 0),
    firstSeen: Number(r.first_seen ?? 0),
    lastSeen: Number(r.last_seen ?? 0),
    blocked: Number(r.blocked) === 1,
    waiting: Number(r.waiting ?? 0),
  };
}
