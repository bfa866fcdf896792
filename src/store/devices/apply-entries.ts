// Another device's entries, applied to this store inside the transaction that
// records them (device_log). Every entry names its rows by natural keys, so
// one applied again (from a third device, after a crash) changes nothing:
// a message id already here is kept, a mark never moves back, a contact
// already here stays as it is. A read mark for a message that is not here
// yet (another device's log brings it later) waits in read_ahead.
import type { SQL } from "bun";
import type { DeviceEntry } from "../../protocol/devices/sync-entries.ts";
import type { PeerId } from "../../protocol/peer-id.ts";
import type { Contact } from "../../domain/contact.ts";
import { localTimeText } from "../local-time.ts";
import { SqlReads } from "../sql-reads.ts";
import type { IncomingMessage, NewContact, StatusChange } from "../store.ts";

type Row = Record<string, unknown>;

export interface ApplyDeps {
  insertIncoming(tx: SQL, ms: readonly IncomingMessage[]): Promise<IncomingMessage[]>;
  insertContact(tx: SQL, c: NewContact): Promise<Contact>;
  removeContact(tx: SQL, name: string): Promise<boolean>;
  renameContact(tx: SQL, from: string, to: string): Promise<boolean>;
  acceptRequest(tx: SQL, peerId: PeerId, c: NewContact, existing: boolean): Promise<unknown>;
  dropRequest(tx: SQL, peerId: PeerId, block: boolean): Promise<boolean>;
}

export interface Applied {
  /** Messages received on another device that are in this store now (for the user's chat). */
  stored: IncomingMessage[];
  /** Our messages another device wrote, or whose status it moved: per conversation, for the user's chat. */
  statuses: StatusChange[];
  /** Entries this database could not take (kept as held: never asked again), and why. */
  skipped: { device: PeerId; kind: string; why: string }[];
}


/** Applies `entries` (written by `device`) in order, inside `tx`. */
export async function applyEntries(tx: SQL, device: PeerId, entries: readonly DeviceEntry[], d: ApplyDeps, out: Applied): Promise<void> {
  // Runs of received messages go in together (one lookup, one insert per chunk).
  let run: (IncomingMessage & { announced?: string })[] = [];
  const flush = async () => {
    if (run.length === 0) return;
    const ms = run;
    run = [];
    for (const m of ms) if (m.request) await ensureRequest(tx, m);
    const stored = await d.insertIncoming(tx, ms);
    out.stored.push(...stored);
    await readAhead(tx, stored);
  };
  for (const e of entries) {
    if (e.kind === "in") {
      run.push({ id: e.id, peerId: e.peerId as PeerId | null, peer: e.request ? "" : e.name, request: e.request, host: e.host, port: e.port, body: e.body, created: e.created, received: e.received, ...(e.request ? { announced: e.name } : {}) });
      continue;
    }
    await flush();
    await applyOne(tx, device, e, d, out);
  }
  await flush();
}

async function applyOne(tx: SQL, device: PeerId, e: DeviceEntry, d: ApplyDeps, out: Applied): Promise<void> {
  switch (e.kind) {
    case "out": {
      const [have]: Row[] = await tx`SELECT seq FROM sender WHERE id = ${e.id}`;
      if (have) return;
      await tx`INSERT INTO sender ${tx({
        ip: e.host, port: String(e.port), name: e.name, message: e.body, status: e.status ?? "pending", time: localTimeText(e.created),
        id: e.id, created_at: e.created, peer_id: e.peerId, fail_reason: e.reason ?? null, origin: device,
      })}`;
      out.statuses.push({ peer: e.name, ids: [e.id], status: e.status ?? "pending", ...(e.reason ? { reason: e.reason } : {}) });
      return;
    }
    case "status": {
      if (e.ids.length === 0) return;
      const at = Date.now();
      const ids = tx(e.ids);
      if (e.status === "sent") await tx`UPDATE sender SET status = 'sent', sent_at = ${at} WHERE status = 'pending' AND id IN ${ids}`;
      else if (e.status === "pending") await tx`UPDATE sender SET status = 'pending' WHERE status = 'sent' AND id IN ${ids}`;
      else if (e.status === "delivered") await tx`UPDATE sender SET status = 'delivered', delivered_at = ${at} WHERE status <> 'delivered' AND id IN ${ids}`;
      else if (e.status === "failed") await tx`UPDATE sender SET status = 'failed', fail_reason = ${e.reason ?? null} WHERE status IN ('pending', 'sent') AND id IN ${ids}`;
      else await tx`UPDATE sender SET status = 'cancelled' WHERE status IN ('pending', 'sent') AND id IN ${ids}`;
      const rows: Row[] = await tx`SELECT id, name, status FROM sender WHERE id IN ${tx(e.ids)}`;
      const byPeer = new Map<string, string[]>();
      for (const r of rows) {
        if (String(r.status) !== e.status) continue; // a later status was here first
        const list = byPeer.get(String(r.name)) ?? [];
        list.push(String(r.id));
        byPeer.set(String(r.name), list);
      }
      for (const [peer, list] of byPeer) out.statuses.push({ peer, ids: list, status: e.status, ...(e.reason ? { reason: e.reason } : {}) });
      return;
    }
    case "claim":
      await tx`UPDATE sender SET peer_id = ${e.peerId} WHERE name = ${e.name} AND peer_id IS NULL AND status IN ('pending', 'sent')`;
      return;
    case "read": {
      if ((await SqlReads.markIn(tx, e.name, e.id)) !== null) return;
      // Not moved: either the mark is past it already, or the message is not here yet (a third device's log brings it).
      const [here]: Row[] = await tx`SELECT seq FROM receiver WHERE name = ${e.name} AND id = ${e.id} LIMIT 1`;
      if (here) return;
      const waiting: Row[] = await tx`SELECT id FROM read_ahead WHERE id = ${e.id} AND name = ${e.name}`;
      if (waiting.length === 0) await tx`INSERT INTO read_ahead ${tx({ name: e.name, id: e.id })}`;
      return;
    }
    case "contactAdd": {
      const clash: Row[] = e.peerId === null ? await tx`SELECT seq FROM \`user\` WHERE name = ${e.name}` : await tx`SELECT seq FROM \`user\` WHERE name = ${e.name} OR peer_id = ${e.peerId}`;
      if (clash.length > 0) return;
      await d.insertContact(tx, { name: e.name, host: e.host, port: e.port, peerId: (e.peerId as PeerId | null) ?? null, blocked: e.blocked, legacy: e.legacy });
      return;
    }
    case "contactRemove":
      await d.removeContact(tx, e.name);
      return;
    case "contactRename": {
      const taken: Row[] = await tx`SELECT seq FROM \`user\` WHERE name = ${e.to}`;
      if (taken.length === 0) await d.renameContact(tx, e.from, e.to);
      return;
    }
    case "contactUpdate": {
      if (e.blocked !== undefined) await tx`UPDATE \`user\` SET blocked = ${e.blocked ? 1 : 0} WHERE name = ${e.name}`;
      if (e.peerId !== undefined) {
        const taken: Row[] = e.peerId === null ? [] : await tx`SELECT seq FROM \`user\` WHERE peer_id = ${e.peerId} AND name <> ${e.name}`;
        if (taken.length === 0) await tx`UPDATE \`user\` SET peer_id = ${e.peerId} WHERE name = ${e.name}`;
      }
      return;
    }
    case "requestAccept": {
      const [req]: Row[] = await tx`SELECT peer_id FROM request WHERE peer_id = ${e.peerId}`;
      const [byPeer]: Row[] = await tx`SELECT name FROM \`user\` WHERE peer_id = ${e.peerId}`;
      const [byName]: Row[] = await tx`SELECT name FROM \`user\` WHERE name = ${e.name}`;
      const contact: NewContact = { name: e.name, host: e.host, port: e.port, peerId: e.peerId as PeerId };
      if (req && (byPeer || !byName)) await d.acceptRequest(tx, e.peerId as PeerId, byPeer ? { ...contact, name: String(byPeer.name) } : contact, byPeer !== undefined);
      else if (!byPeer && !byName) await d.insertContact(tx, contact);
      return;
    }
    case "requestDrop":
      await d.dropRequest(tx, e.peerId as PeerId, e.block);
      return;
    case "in":
      return; // applied in runs above
  }
}

/** Messages just stored that a read mark was waiting for: the mark moves to them now. */
async function readAhead(tx: SQL, stored: readonly IncomingMessage[]): Promise<void> {
  if (stored.length === 0) return;
  const waiting: Row[] = await tx`SELECT name, id FROM read_ahead WHERE id IN ${tx(stored.map((m) => m.id))}`;
  for (const w of waiting) {
    await SqlReads.markIn(tx, String(w.name), String(w.id));
    await tx`DELETE FROM read_ahead WHERE id = ${String(w.id)} AND name = ${String(w.name)}`;
  }
}

/** A request's message needs its request: made from the entry when this device has not seen the stranger itself. */
async function ensureRequest(tx: SQL, m: IncomingMessage & { announced?: string }): Promise<void> {
  if (m.peerId === null) return;
  const have: Row[] = await tx`SELECT peer_id FROM request WHERE peer_id = ${m.peerId}`;
  if (have.length > 0) return;
  const known: Row[] = await tx`SELECT seq FROM \`user\` WHERE peer_id = ${m.peerId}`;
  if (known.length > 0) return;
  await tx`INSERT INTO request ${tx({ peer_id: m.peerId, name: m.announced ?? "?", ip: m.host, port: m.port, first_seen: m.received, last_seen: m.received, blocked: 0 })}`;
}
