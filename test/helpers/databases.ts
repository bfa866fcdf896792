// The two dialects every store test runs against. SQLite always; MariaDB when
// P2PCHAT_TEST_MYSQL names a server (CI sets it). Each test gets a database of
// its own, dropped afterwards.
import { SQL } from "bun";
import { join } from "node:path";
import { tempDir } from "./tmp.ts";
import { openStore, parseDbUrl } from "../../src/store/open.ts";
import type { Store } from "../../src/store/store.ts";

export const MYSQL_URL = process.env.P2PCHAT_TEST_MYSQL || "";

export interface TestDb extends AsyncDisposable {
  dialect: "sqlite" | "mysql";
  /** A URL for --db / openStore: sqlite:PATH or mysql://... */
  url: string;
  /** Raw access, for laying out tables as the original program did. */
  admin: SQL;
}

export const dialects: ("sqlite" | "mysql")[] = MYSQL_URL ? ["sqlite", "mysql"] : ["sqlite"];

let counter = 0;

export async function createTestDb(dialect: "sqlite" | "mysql"): Promise<TestDb> {
  if (dialect === "sqlite") {
    const dir = await tempDir("p2pchat-db-");
    const file = join(dir.path, "test.db");
    const admin = new SQL({ adapter: "sqlite", filename: file, create: true });
    return {
      dialect,
      url: `sqlite:${file}`,
      admin,
      async [Symbol.asyncDispose]() {
        await admin.close();
        await dir[Symbol.asyncDispose]();
      },
    };
  }
  const name = `p2pchat_t${process.pid}_${Date.now().toString(36)}_${counter++}`;
  const root = new SQL(MYSQL_URL, { max: 1 });
  await root.unsafe(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4`);
  const u = new URL(MYSQL_URL);
  u.pathname = `/${name}`;
  const url = u.toString();
  const admin = new SQL(url, { max: 1 });
  return {
    dialect,
    url,
    admin,
    async [Symbol.asyncDispose]() {
      await admin.close();
      await root.unsafe(`DROP DATABASE IF EXISTS \`${name}\``);
      await root.close();
    },
  };
}

/**
 * Lays out the original program's three tables exactly as it defined them
 * (all columns nullable, no keys) and returns the address book's name as
 * SQL needs it quoted (`user` is reserved in MySQL).
 */
export async function createOriginalTables(db: TestDb): Promise<string> {
  const user = db.dialect === "mysql" ? "`user`" : "user";
  await db.admin.unsafe(`CREATE TABLE ${user} (name VARCHAR(40), ip VARCHAR(40), port VARCHAR(20))`);
  await db.admin.unsafe(`CREATE TABLE sender (ip VARCHAR(40), port VARCHAR(20), name VARCHAR(40), message TEXT, status VARCHAR(20), time VARCHAR(40))`);
  await db.admin.unsafe(`CREATE TABLE receiver (ip VARCHAR(40), port VARCHAR(20), name VARCHAR(40), message TEXT, status VARCHAR(20), time VARCHAR(40))`);
  return user;
}

/** A fresh database of `dialect`, opened and migrated as p2pchat opens it, for the length of `fn`. */
export async function withStore<T>(dialect: "sqlite" | "mysql", fn: (store: Store) => Promise<T>): Promise<T> {
  await using db = await createTestDb(dialect);
  const store = await openStore(parseDbUrl(db.url));
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}
