// Contacts' addresses and the invites we gave out, in the SQL both dialects
// share. An address is a hint with a history (where it came from, when it
// last worked); the contact's `ip`/`port` columns keep the one that worked
// last, as the original program's readers expect.
import type { SQL } from "bun";
import type { AddressSource, ContactAddress, NewAddress } from "../domain/contact.ts";
import type { InviteUse } from "./store.ts";

type Row = Record<string, unknown>;

/** Addresses kept per contact; beyond, the stalest go (typed ones last). */
export const MAX_ADDRESSES = 16;
/** An address heard of (not typed) that has neither worked nor been told again for this long is forgotten when it fails. */
export const STALE_ADDRESS_MS = 30 * 24 * 3600_000;

const SOURCES: readonly AddressSource[] = ["typed", "invite", "hello", "lan", "dht", "relay"];

/** The order to dial in: the freshest first, by when it last worked or was last told (typed, heard on the LAN, found on the DHT). */
export function dialOrder(a: ContactAddress, b: ContactAddress): number {
  const key = (x: ContactAddress) => Math.max(x.lastOk ?? 0, x.addedAt);
  return key(b) - key(a) || b.addedAt - a.addedAt;
}

export class SqlAddresses {
  constructor(private readonly sql: SQL) {}

  /** Every contact's addresses, by user seq, in dial order. */
  async byContact(seqs?: readonly number[]): Promise<Map<number, ContactAddress[]>> {
    const rows: Row[] =
      seqs === undefined
        ? await this.sql`SELECT user_seq, host, port, source, added_at, last_ok, last_tried, last_error FROM contact_address`
        : seqs.length === 0
          ? []
          : await this.sql`SELECT user_seq, host, port, source, added_at, last_ok, last_tried, last_error FROM contact_address WHERE user_seq IN ${this.sql(seqs)}`;
    const out = new Map<number, ContactAddress[]>();
    for (const r of rows) {
      const seq = Number(r.user_seq);
      let list = out.get(seq);
      if (!list) out.set(seq, (list = []));
      list.push(toAddress(r));
    }
    for (const list of out.values()) list.sort(dialOrder);
    return out;
  }

  async save(tx: SQL, userSeq: number, addresses: readonly NewAddress[], preferred: boolean, now = Date.now()): Promise<number> {
    let added = 0;
    for (const a of addresses) {
      const [have]: Row[] = await tx`SELECT seq FROM contact_address WHERE user_seq = ${userSeq} AND host = ${a.host} AND port = ${a.port}`;
      if (have) {
        if (preferred) await tx`UPDATE contact_address SET source = ${a.source}, added_at = ${now} WHERE seq = ${Number(have.seq)}`;
        continue;
      }
      await tx`INSERT INTO contact_address ${tx({ user_seq: userSeq, host: a.host, port: a.port, source: a.source, added_at: now })}`;
      added++;
    }
    if (added > 0) await this.cap(tx, userSeq);
    return added;
  }

  async tried(userSeq: number, host: string, port: number, ok: boolean, error: string | null, now = Date.now()): Promise<void> {
    if (ok) {
      await this.sql.begin(async (tx) => {
        await tx`UPDATE contact_address SET last_ok = ${now}, last_tried = ${now}, last_error = NULL WHERE user_seq = ${userSeq} AND host = ${host} AND port = ${port}`;
        await tx`UPDATE \`user\` SET ip = ${host}, port = ${String(port)} WHERE seq = ${userSeq}`;
      });
    } else {
      await this.sql`UPDATE contact_address SET last_tried = ${now}, last_error = ${(error ?? "").slice(0, 255)} WHERE user_seq = ${userSeq} AND host = ${host} AND port = ${port}`;
      // Heard of long ago and failing now: whoever holds it today is likely not the contact.
      const since = now - STALE_ADDRESS_MS;
      await this.sql`DELETE FROM contact_address WHERE user_seq = ${userSeq} AND host = ${host} AND port = ${port} AND source <> 'typed' AND added_at < ${since} AND (last_ok IS NULL OR last_ok < ${since})`;
    }
  }

  /** Forgets one address (another peer answers there); true when it was known. */
  async forget(userSeq: number, host: string, port: number): Promise<boolean> {
    const had: Row[] = await this.sql`SELECT seq FROM contact_address WHERE user_seq = ${userSeq} AND host = ${host} AND port = ${port}`;
    if (had.length === 0) return false;
    await this.sql`DELETE FROM contact_address WHERE user_seq = ${userSeq} AND host = ${host} AND port = ${port}`;
    return true;
  }

  /** Keeps at most MAX_ADDRESSES: the stalest (by when it last worked or was last told) go first, typed ones last. */
  private async cap(tx: SQL, userSeq: number): Promise<void> {
    const rows: Row[] = await tx`SELECT seq, source, added_at, last_ok FROM contact_address WHERE user_seq = ${userSeq}`;
    const excess = rows.length - MAX_ADDRESSES;
    if (excess <= 0) return;
    const rank = (r: Row) => [String(r.source) === "typed" ? 1 : 0, Math.max(Number(r.last_ok ?? 0), Number(r.added_at ?? 0)), Number(r.seq)];
    const order = (a: Row, b: Row) => {
      const [x, y] = [rank(a), rank(b)];
      for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
      return 0;
    };
    const drop = [...rows].sort(order).slice(0, excess).map((r) => Number(r.seq));
    await tx`DELETE FROM contact_address WHERE seq IN ${tx(drop)}`;
  }

  async remove(tx: SQL, userSeq: number): Promise<void> {
    await tx`DELETE FROM contact_address WHERE user_seq = ${userSeq}`;
  }

  async createInvite(token: string, uses: number, expiresAt: number): Promise<void> {
    await this.sql`INSERT INTO invite ${this.sql({ token, uses_left: uses, expires_at: expiresAt, created_at: Date.now() })}`;
  }

  async useInvite(token: string, now: number): Promise<InviteUse> {
    return this.sql.begin(async (tx) => {
      const [r]: Row[] = await tx`SELECT uses_left, expires_at FROM invite WHERE token = ${token}`;
      if (!r) return "unknown";
      if (Number(r.expires_at) <= now) return "expired";
      if (Number(r.uses_left) <= 0) return "used up";
      await tx`UPDATE invite SET uses_left = uses_left - 1 WHERE token = ${token}`;
      return "admitted";
    });
  }
}

function toAddress(r: Row): ContactAddress {
  const source = String(r.source) as AddressSource;
  return {
    host: String(r.host),
    port: Number(r.port),
    source: SOURCES.includes(source) ? source : "typed",
    addedAt: Number(r.added_at ?? 0),
    lastOk: r.last_ok === null || r.last_ok === undefined ? null : Number(r.last_ok),
    lastTried: r.last_tried === null || r.last_tried === undefined ? null : Number(r.last_tried),
    lastError: r.last_error === null || r.last_error === undefined ? null : String(r.last_error),
  };
}
