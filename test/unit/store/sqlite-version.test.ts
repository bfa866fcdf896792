// The migrations must apply on the SQLite a platform has: macOS gives Bun
// its system SQLite (3.43), whose trigram tokenizer lacks remove_diacritics.
import { expect, test } from "bun:test";
import { SQL } from "bun";
import { SQLITE_SQL } from "../../../src/store/sql-files.ts";
import { adaptToSqlite } from "../../../src/store/sqlite.ts";

const search = SQLITE_SQL.migrations.find((m) => m.version === 3)!.sql;

test("on SQLite before 3.45 the trigram indexes are made without remove_diacritics; from 3.45 as written", () => {
  expect(search).toContain('tokenize="trigram remove_diacritics 1"');
  const old = adaptToSqlite(search, "3.43.2");
  expect(old).not.toContain("remove_diacritics 1\"");
  expect(old).toContain('tokenize="trigram"');
  expect(old).toContain("remove_diacritics 2"); // the word index keeps its option (SQLite 3.27+)
  expect(old).toContain("octet_length(new.message)"); // 3.43 has it
  const older = adaptToSqlite(search, "3.39.5");
  expect(older).not.toContain("octet_length");
  expect(older).toContain("length(CAST(new.message AS BLOB)) > length(new.message)");
  expect(adaptToSqlite(search, "3.45.0")).toBe(search);
  expect(adaptToSqlite(search, "3.53.4")).toBe(search);
});

test("the adapted trigram table still finds Japanese by a substring", async () => {
  const db = new SQL({ adapter: "sqlite", filename: ":memory:" });
  try {
    await db.unsafe(`CREATE VIRTUAL TABLE t USING fts5(message, tokenize="trigram")`);
    await db`INSERT INTO t (message) VALUES (${"東京で会いましょう"})`;
    const rows = await db`SELECT message FROM t WHERE t MATCH ${'"会いまし"'}`;
    expect(rows.map((r: { message: string }) => r.message)).toEqual(["東京で会いましょう"]);
  } finally {
    await db.close();
  }
});

test("every migration, adapted for SQLite 3.39, applies and keeps search working", async () => {
  const { splitStatements } = await import("../../../src/store/migrate.ts");
  const db = new SQL({ adapter: "sqlite", filename: ":memory:" });
  try {
    for (const file of [...SQLITE_SQL.schema, ...SQLITE_SQL.migrations.map((m) => m.sql)]) {
      for (const stmt of splitStatements(file)) await db.unsafe(adaptToSqlite(stmt, "3.39.5"));
    }
    await db`INSERT INTO sender (name, message, status, id, created_at) VALUES ('bob', ${"明日東京で会いましょう"}, 'pending', 'x1', 1)`;
    await db`INSERT INTO sender (name, message, status, id, created_at) VALUES ('bob', ${"plain ascii"}, 'pending', 'x2', 2)`;
    // Our messages are indexed when the mark rises past them (016), received ones as they are stored.
    expect(await db`SELECT rowid FROM sender_words WHERE sender_words MATCH ${'"ascii"'}`).toHaveLength(0);
    await db`UPDATE search_indexed SET upto = 2 WHERE name = 'sender'`;
    const grams = await db`SELECT rowid FROM sender_grams WHERE sender_grams MATCH ${'"東京で"'}`;
    expect(grams).toHaveLength(1);
    const words = await db`SELECT rowid FROM sender_words WHERE sender_words MATCH ${'"ascii"'}`;
    expect(words).toHaveLength(1);
  } finally {
    await db.close();
  }
});
