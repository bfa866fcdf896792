// Our own messages reach SQLite's search indexes a batch at a time, after
// the commit that stores them (migration 016, store/sqlite-search-index.ts).
// Search must find them at every moment: just stored, across a restart that
// came before their batch, and once indexed, each exactly once.
import { describe, expect, test } from "bun:test";
import type { SQL } from "bun";
import { openStore, parseDbUrl } from "../../../src/store/open.ts";
import { INDEX_MAX_ROWS, INDEX_TAIL_MAX, SEARCH_SCAN_MAX } from "../../../src/store/sqlite-search-index.ts";
import type { OutgoingMessage, Store } from "../../../src/store/store.ts";
import { createTestDb } from "../../helpers/databases.ts";
import { pollUntil } from "../../helpers/wait.ts";

const T = 1_700_000_000_000;
let clock = T;

function outgoing(peer: string, body: string): OutgoingMessage {
  const created = clock++;
  return { id: Bun.randomUUIDv7("hex", created), peer, host: "127.0.0.1", port: 20001, body, created };
}

/** How far our rows are indexed, and the last of them. */
async function marks(admin: SQL): Promise<{ upto: number; top: number }> {
  const [r] = await admin`SELECT upto, (SELECT MAX(seq) FROM sender) AS top FROM search_indexed WHERE name = 'sender'`;
  return { upto: Number(r.upto), top: Number(r.top) };
}

/**
 * FTS5's own check that the word index holds exactly what `sender` holds
 * (true only once every row is indexed; the trigram index holds only rows
 * of scripts written without spaces, so the same check cannot apply to it).
 */
async function indexesMatchTable(admin: SQL): Promise<void> {
  await admin.unsafe("INSERT INTO sender_words (sender_words, rank) VALUES ('integrity-check', 1)");
}

const texts = async (store: Store, text: string, opts: { peer?: string; limit?: number } = {}) =>
  (await store.search({ text, peer: opts.peer, limit: opts.limit ?? 50 })).map((e) => e.text);

describe("our messages' search index on sqlite", () => {
  test("a message is found the moment it is stored; while writes never pause, a batch is indexed once enough wait", async () => {
    await using db = await createTestDb("sqlite");
    const store = await openStore(parseDbUrl(db.url));
    try {
      await store.write({ outgoing: [outgoing("bob", "needle one"), outgoing("bob", "needle two"), outgoing("bob", "東京で会いましょう")], at: T });
      // Not indexed yet: found as they are.
      expect((await marks(db.admin)).upto).toBe(0);
      expect(await texts(store, "needle")).toEqual(["needle two", "needle one"]);
      expect(await texts(store, "東京")).toEqual(["東京で会いましょう"]);
      expect(await texts(store, "needle", { peer: "bob" })).toEqual(["needle two", "needle one"]);
      expect(await texts(store, "needle", { peer: "carol" })).toEqual([]);
      expect((await marks(db.admin)).upto).toBe(0);

      // INDEX_TAIL_MAX waiting: a batch is indexed in the wake of the commit that made them so many.
      const hay = Array.from({ length: INDEX_TAIL_MAX }, (_, i) => outgoing("bob", `hay ${i}`));
      for (let i = 0; i < hay.length; i += 10_000) await store.write({ outgoing: hay.slice(i, i + 10_000), at: T });
      const m = await marks(db.admin);
      expect(m.upto).toBe(INDEX_MAX_ROWS);
      expect(await texts(store, "needle")).toEqual(["needle two", "needle one"]);
      expect(await texts(store, "東京")).toEqual(["東京で会いましょう"]);
      expect(await texts(store, "hay", { limit: 2 })).toEqual([`hay ${INDEX_TAIL_MAX - 1}`, `hay ${INDEX_TAIL_MAX - 2}`]);
    } finally {
      await store.close();
    }
  });

  test("a search with more than SEARCH_SCAN_MAX waiting indexes them first; the newest matches come from both sides of the mark", async () => {
    await using db = await createTestDb("sqlite");
    const store = await openStore(parseDbUrl(db.url));
    try {
      const n = SEARCH_SCAN_MAX * 2;
      // Needles among hay, to bob and carol.
      await store.write({ outgoing: Array.from({ length: n }, (_, i) => outgoing(i % 2 ? "carol" : "bob", i % 100 === 0 ? `needle old ${i}` : `hay ${i}`)), at: T });
      expect((await marks(db.admin)).upto).toBe(0);
      expect(await texts(store, "needle", { limit: 1 })).toEqual([`needle old ${n - 100}`]);
      let m = await marks(db.admin);
      expect(m.upto).toBe(m.top);
      await indexesMatchTable(db.admin);
      // Not indexed: more needles, and near misses the check after the SQL throws out.
      await store.write({ outgoing: [outgoing("bob", "needle new 1"), outgoing("carol", "needles new 2"), outgoing("bob", "needle new 3"), outgoing("bob", "a needle, new 4")], at: T });
      m = await marks(db.admin);
      expect(m.top - m.upto).toBe(4);
      expect(await texts(store, "needle", { limit: 5 })).toEqual(["a needle, new 4", "needle new 3", "needle new 1", `needle old ${n - 100}`, `needle old ${n - 200}`]);
      expect(await texts(store, "needle", { limit: 100 })).toHaveLength(3 + n / 100);
      expect(await texts(store, "needle", { peer: "bob", limit: 3 })).toEqual(["a needle, new 4", "needle new 3", "needle new 1"]);
      expect(await texts(store, '"needle new"', { limit: 3 })).toEqual(["needle new 3", "needle new 1"]);
      expect((await marks(db.admin)).top - m.upto).toBe(4);
    } finally {
      await store.close();
    }
  });

  test("stopped before its batch: found at once after the restart, indexed once the node is idle", async () => {
    await using db = await createTestDb("sqlite");
    const first = await openStore(parseDbUrl(db.url));
    await first.write({ outgoing: Array.from({ length: 10 }, (_, i) => outgoing("bob", `before the restart ${i}`)), at: T });
    await first.close();
    const before = await marks(db.admin);
    expect(before.top - before.upto).toBe(10);

    const again = await openStore(parseDbUrl(db.url));
    try {
      expect(await texts(again, "restart", { limit: 3 })).toEqual(["before the restart 9", "before the restart 8", "before the restart 7"]);
      // A running node indexes what was left once nothing else happens.
      await again.startMaintenance();
      await pollUntil(() => marks(db.admin), (m) => m.upto === m.top, "the rows left unindexed to be indexed");
      await indexesMatchTable(db.admin);
      expect(await texts(again, "restart")).toHaveLength(10);
      expect(await texts(again, "restart", { limit: 1 })).toEqual(["before the restart 9"]);
    } finally {
      await again.close();
    }
  });
});

test("a database from before 016 keeps its messages indexed: the mark starts at its last row, and they are found through the index", async () => {
  const { SQL } = await import("bun");
  const { splitStatements } = await import("../../../src/store/migrate.ts");
  const { SQLITE_SQL } = await import("../../../src/store/sql-files.ts");
  await using db = await createTestDb("sqlite");
  const path = db.url.slice("sqlite:".length);
  // The schema as version 15 left it, and messages its trigger indexed as they were stored.
  const old = new SQL({ adapter: "sqlite", filename: path, create: true, readwrite: true });
  for (const file of [...SQLITE_SQL.schema, ...SQLITE_SQL.migrations.filter((m) => m.version <= 15).map((m) => m.sql)]) {
    for (const stmt of splitStatements(file)) await old.unsafe(stmt);
  }
  for (const m of SQLITE_SQL.migrations.filter((m) => m.version <= 15)) await old`INSERT INTO schema_migrations (version, name, applied_at) VALUES (${m.version}, ${m.name}, 0)`;
  for (let i = 0; i < 3; i++) await old`INSERT INTO sender (name, message, status, id, created_at) VALUES ('bob', ${`from before ${i}`}, 'delivered', ${`id${i}`}, ${T + i})`;
  await old.close();

  const store = await openStore(parseDbUrl(db.url));
  try {
    expect(await marks(db.admin)).toEqual({ upto: 3, top: 3 });
    await indexesMatchTable(db.admin);
    expect(await texts(store, "before")).toEqual(["from before 2", "from before 1", "from before 0"]);
    // And a new one after them is found as it is, above the mark.
    await store.write({ outgoing: [outgoing("bob", "after 016, before its batch")], at: T });
    expect(await texts(store, "before")).toEqual(["after 016, before its batch", "from before 2", "from before 1", "from before 0"]);
  } finally {
    await store.close();
  }
});
