// Read marks: per contact, the last message from it the user saw, as its
// (received_at, seq); per group ('#alias'), the display position of the last
// message in it they saw. What arrived after it is unread. A mark only moves
// forward, so two terminals on one node never make read messages unread
// again. Dialect-neutral SQL.
import type { SQL } from "bun";
import type { LoggedBegin } from "./devices/logged-begin.ts";

type Row = Record<string, unknown>;

export class SqlReads {
  constructor(
    private readonly sql: SQL,
    /** A transaction whose changes go into this device's log (devices/). */
    private readonly begin: LoggedBegin,
  ) {}

  /** Unread messages per contact (every contact in the address book, 0 included), and per group we are in as '#alias'. */
  async unreadCounts(): Promise<Map<string, number>> {
    // `received_at >=` lets the (name, received_at, seq) index skip what was read.
    const rows: Row[] = await this.sql`
      SELECT u.name AS name,
        (SELECT COUNT(*) FROM receiver r
          WHERE r.name = u.name AND COALESCE(r.received_at, 0) >= COALESCE(m.read_at, 0)
            AND (m.name IS NULL OR COALESCE(r.received_at, 0) > m.read_at OR r.seq > m.read_seq)) AS unread
      FROM \`user\` u LEFT JOIN read_mark m ON m.name = u.name`;
    const counts = new Map(rows.map((r) => [String(r.name), Number(r.unread)]));
    // Others' messages and events shown after the mark (the (group_id, pos) index); ours are never unread.
    const groups: Row[] = await this.sql`
      SELECT g.alias AS alias,
        (SELECT COUNT(*) FROM group_message gm
          WHERE gm.group_id = g.group_id AND gm.pos > COALESCE(m.read_pos, 0) AND gm.author <> g.self_key) AS unread
      FROM chat_group g LEFT JOIN group_read_mark m ON m.group_id = g.group_id
      WHERE g.state <> 'joining'`;
    for (const g of groups) counts.set(`#${String(g.alias)}`, Number(g.unread));
    return counts;
  }

  async unreadOf(name: string): Promise<number> {
    const group = await this.groupOf(name);
    if (group) {
      const [r]: Row[] = await this.sql`
        SELECT COUNT(*) AS n FROM group_message gm LEFT JOIN group_read_mark m ON m.group_id = gm.group_id
        WHERE gm.group_id = ${group.id} AND gm.pos > COALESCE(m.read_pos, 0) AND gm.author <> ${group.selfKey}`;
      return Number(r?.n ?? 0);
    }
    const [mark]: Row[] = await this.sql`SELECT read_at, read_seq FROM read_mark WHERE name = ${name}`;
    const [r]: Row[] = mark
      ? await this.sql`SELECT COUNT(*) AS n FROM receiver WHERE name = ${name} AND COALESCE(received_at, 0) >= ${Number(mark.read_at)}
          AND (COALESCE(received_at, 0) > ${Number(mark.read_at)} OR seq > ${Number(mark.read_seq)})`
      : await this.sql`SELECT COUNT(*) AS n FROM receiver WHERE name = ${name}`;
    return Number(r?.n ?? 0);
  }

  /** Moves `name`'s mark ('#alias' for a group) up to its message `id` (its latest when omitted), never back; returns what stays unread. */
  async markRead(name: string, id?: string): Promise<number> {
    const group = await this.groupOf(name);
    if (group) {
      await this.markGroupRead(group.id, id);
      return this.unreadOf(name);
    }
    await this.begin(async (tx, log) => {
      const moved = await SqlReads.markIn(tx, name, id);
      if (moved !== null) log({ kind: "read", name, id: moved });
    });
    return this.unreadOf(name);
  }

  /** Moves `name`'s mark up to its message `id` (its latest when omitted) inside `tx`; returns the id it moved to, null when it stays. */
  static async markIn(tx: SQL, name: string, id?: string): Promise<string | null> {
    const [to]: Row[] =
      id === undefined
        ? await tx`SELECT COALESCE(received_at, 0) AS at, seq, id FROM receiver WHERE name = ${name} ORDER BY COALESCE(received_at, 0) DESC, seq DESC LIMIT 1`
        : await tx`SELECT COALESCE(received_at, 0) AS at, seq, id FROM receiver WHERE name = ${name} AND id = ${id} ORDER BY seq LIMIT 1`;
    if (!to) return null;
    const at = Number(to.at);
    const seq = Number(to.seq);
    const [have]: Row[] = await tx`SELECT read_at, read_seq FROM read_mark WHERE name = ${name}`;
    if (!have) {
      await tx`INSERT INTO read_mark ${tx({ name, read_at: at, read_seq: seq })}`;
      return String(to.id);
    }
    const haveAt = Number(have.read_at);
    if (at > haveAt || (at === haveAt && seq > Number(have.read_seq))) {
      await tx`UPDATE read_mark SET read_at = ${at}, read_seq = ${seq} WHERE name = ${name}`;
      return String(to.id);
    }
    return null;
  }

  private async markGroupRead(groupId: string, id?: string): Promise<void> {
    await this.sql.begin(async (tx) => {
      const [to]: Row[] =
        id === undefined
          ? await tx`SELECT MAX(pos) AS pos FROM group_message WHERE group_id = ${groupId}`
          : await tx`SELECT pos FROM group_message WHERE group_id = ${groupId} AND id = ${id} AND pos IS NOT NULL`;
      if (to?.pos === null || to?.pos === undefined) return;
      const pos = Number(to.pos);
      const [have]: Row[] = await tx`SELECT read_pos FROM group_read_mark WHERE group_id = ${groupId}`;
      if (!have) await tx`INSERT INTO group_read_mark ${tx({ group_id: groupId, read_pos: pos })}`;
      else if (pos > Number(have.read_pos)) await tx`UPDATE group_read_mark SET read_pos = ${pos} WHERE group_id = ${groupId}`;
    });
  }

  /** '#alias' names a group when there is one by that alias (else it may still be a contact's name, as history has it). */
  private async groupOf(name: string): Promise<{ id: string; selfKey: string } | null> {
    if (!name.startsWith("#")) return null;
    const [g]: Row[] = await this.sql`SELECT group_id, self_key FROM chat_group WHERE alias = ${name.slice(1)}`;
    return g ? { id: String(g.group_id), selfKey: String(g.self_key) } : null;
  }

  /** A contact renamed (inside its rename's transaction): its mark follows, over any a former holder of the name left. */
  static async rename(tx: SQL, from: string, to: string): Promise<void> {
    await tx`DELETE FROM read_mark WHERE name = ${to}`;
    await tx`UPDATE read_mark SET name = ${to} WHERE name = ${from}`;
  }
}
