// Storage ceilings: what SQLite alone does with the rows p2pchat stores, in
// the schema p2pchat makes, in one process with no network. What the
// throughput and latency figures are compared with, beside the bare socket.
import { SQL } from "bun";
import { join } from "node:path";
import { openStore } from "../src/store/open.ts";
import { serveFixture } from "./fixture.ts";

/** A fresh database in `dir` with p2pchat's schema, opened bare, set up as the receiver's store is. */
async function bareDb(dir: string): Promise<SQL> {
  const filename = join(dir, "ceiling.db");
  await (await openStore({ dialect: "sqlite", filename })).close();
  const sql = new SQL({ adapter: "sqlite", filename, readwrite: true });
  await sql.unsafe("PRAGMA journal_mode = WAL");
  // As a received message is committed: fsynced before the ack.
  await sql.unsafe("PRAGMA synchronous = FULL");
  // As in a running node, whose checkpoints run on a thread of their own.
  await sql.unsafe("PRAGMA wal_autocheckpoint = 0");
  return sql;
}

/** One receiver row, as the node stores a received message. */
function row(body: string, now: number) {
  return { ip: "127.0.0.1", port: "20001", name: "alice", message: body, status: "received", time: "2024/01/01 00:00:00", id: Bun.randomUUIDv7(), peer_id: "ALICE", created_at: now, received_at: now };
}

serveFixture({
  /** `count` rows of `size` bytes into receiver, `batch` rows per transaction (multi-row INSERTs of 500): ms taken. */
  async insertBatched(a) {
    const sql = await bareDb(String(a.dir));
    try {
      const body = "x".repeat(Number(a.size));
      const count = Number(a.count);
      const batch = Number(a.batch);
      const t0 = performance.now();
      for (let i = 0; i < count; i += batch) {
        const rows = Array.from({ length: Math.min(batch, count - i) }, () => row(body, Date.now()));
        await sql.begin(async (tx) => {
          for (let j = 0; j < rows.length; j += 500) await tx`INSERT INTO receiver ${tx(rows.slice(j, j + 500))}`;
        });
      }
      const ms = performance.now() - t0;
      const [n] = await sql`SELECT COUNT(*) AS n FROM receiver`;
      if (Number(n.n) !== count) throw new Error(`stored ${n.n} of ${count}`);
      return { ms };
    } finally {
      await sql.close();
    }
  },
  /** One row per durable commit, `count` times (after a tenth as many to warm up): ms each, sorted. */
  async commitEach(a) {
    const sql = await bareDb(String(a.dir));
    try {
      const body = "y".repeat(Number(a.size));
      const count = Number(a.count);
      const out: number[] = [];
      for (let i = 0; i < Math.ceil(count / 10); i++) await sql`INSERT INTO receiver ${sql(row(body, Date.now()))}`;
      for (let i = 0; i < count; i++) {
        const t0 = performance.now();
        await sql`INSERT INTO receiver ${sql(row(body, Date.now()))}`;
        out.push(performance.now() - t0);
      }
      return out.sort((x, y) => x - y);
    } finally {
      await sql.close();
    }
  },
});
