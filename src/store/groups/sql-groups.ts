// Groups' tables (008-groups.sql) in the SQL both dialects share: the writes
// a node commits inside the journal's transactions, the snapshot it starts
// from and the rows it serves to peers (history and search for '#alias' are
// sql-group-history.ts).
// A message is stored once per (group, author, seq), whatever the node asks.
import type { SQL } from "bun";
import type { PeerId } from "../../protocol/peer-id.ts";
import { groupBy, toFork, toGroup, toMember, toMessage } from "./group-rows.ts";
import type { GroupForkRow, GroupMemberRow, GroupMessageRow, GroupReceipt, GroupRow, GroupSnapshot, GroupWrite, PendingAdd } from "./group-types.ts";

type Row = Record<string, unknown>;

/** Rows per multi-row INSERT and keys per IN (...). */
const CHUNK = 500;

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
  async creatorEvents(group?: string): Promise<GroupSnapshot["events"]> {
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

  async all(): Promise<GroupRow[]> {
    const rows: Row[] = await this.sql`SELECT * FROM chat_group WHERE state <> 'joining' ORDER BY alias`;
    return rows.map(toGroup);
  }

}
