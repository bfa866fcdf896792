// Read marks: per contact, the last message from it the user saw, as its
// (received_at, seq). What arrived after it is unread. A mark only moves
// forward, so two terminals on one node never make read messages unread
// again. Dialect-neutral SQL.
import type { SQL } from "bun";

type Row = Record<string, unknown>;

export class SqlReads {
  constructor(private readonly sql: SQL) {}

  /** Unread messages per contact (every contact in the address book, 0 included). */
  async unreadCounts(): Promise<Map<string, number>> {
    // `received_at >=` lets the (name, received_at, seq) index skip what was read.
    const rows: Row[] = await this.sql`
      SELECT u.name AS name,
        (SELECT COUNT(*) FROM receiver r
          WHERE r.name = u.name AND COALESCE(r.received_at, 0) >= COALESCE(m.read_at, 0)
            AND (m.name IS NULL OR COALESCE(r.received_at, 0) > m.read_at OR r.seq > m.read_seq)) AS unread
      FROM \`user\` u LEFT JOIN read_mark m ON m.name = u.name`;
    return new Map(rows.map((r) => [String(r.name), Number(r.unread)]));
  }

  async unreadOf(name: string): Promise<number> {
    const [mark]: Row[] = await this.sql`SELECT read_at, read_seq FROM read_mark WHERE name = ${name}`;
    const [r]: Row[] = mark
      ? await this.sql`SELECT COUNT(*) AS n FROM receiver WHERE name = ${name} AND COALESCE(received_at, 0) >= ${Number(mark.read_at)}
          AND (COALESCE(received_at, 0) > ${Number(mark.read_at)} OR seq > ${Number(mark.read_seq)})`
      : await this.sql`SELECT COUNT(*) AS n FROM receiver WHERE name = ${name}`;
    return Number(r?.n ?? 0);
  }

  /** Moves `name`'s mark up to its message `id` (its latest when omitted), never back; returns what stays unread. */
  async markRead(name: string, id?: string): Promise<number> {
    await this.sql.begin(async (tx) => {
      const [to]: Row[] =
        id === undefined
          ? await tx`SELECT COALESCE(received_at, 0) AS at, seq FROM receiver WHERE name = ${name} ORDER BY COALESCE(received_at, 0) DESC, seq DESC LIMIT 1`
          : await tx`SELECT COALESCE(received_at, 0) AS at, seq FROM receiver WHERE name = ${name} AND id = ${id} ORDER BY seq LIMIT 1`;
      if (!to) return;
      const at = Number(to.at);
      const seq = Number(to.seq);
      const [have]: Row[] = await tx`SELECT read_at, read_seq FROM read_mark WHERE name = ${name}`;
      if (!have) {
        await tx`INSERT INTO read_mark ${tx({ name, read_at: at, read_seq: seq })}`;
        return;
      }
      const haveAt = Number(have.read_at);
      if (at > haveAt || (at === haveAt && seq > Number(have.read_seq))) {
        await tx`UPDATE read_mark SET read_at = ${at}, read_seq = ${seq} WHERE name = ${name}`;
      }
    });
    return this.unreadOf(name);
  }

  /** A contact renamed (inside its rename's transaction): its mark follows, over any a former holder of the name left. */
  static async rename(tx: SQL, from: string, to: string): Promise<void> {
    await tx`DELETE FROM read_mark WHERE name = ${to}`;
    await tx`UPDATE read_mark SET name = ${to} WHERE name = ${from}`;
  }
}
