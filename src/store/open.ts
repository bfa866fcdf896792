// Picks the store from a database URL: MySQL/MariaDB URLs, or SQLite.
import { MysqlStore } from "./mysql.ts";
import { SqliteStore } from "./sqlite.ts";
import { StoreError, type Store } from "./store.ts";

export type StoreTarget = { dialect: "sqlite"; filename: string } | { dialect: "mysql"; url: string };

/** `mysql://`, `mysql2://`, `mariadb://` are MySQL; `sqlite://PATH`, `file:PATH` or `:memory:` are SQLite. */
export function parseDbUrl(url: string): StoreTarget {
  const s = url.trim();
  if (/^(mysql2?|mariadb):\/\//i.test(s)) {
    try {
      const u = new URL(s);
      if (!u.hostname) throw new Error("no host");
      if (u.pathname.replace(/^\//, "") === "") throw new Error("no database name");
    } catch (err) {
      throw new StoreError("BAD_URL", `invalid database URL ${JSON.stringify(s)}: ${(err as Error).message}; expected mysql://USER:PASSWORD@HOST:PORT/DATABASE`);
    }
    return { dialect: "mysql", url: s };
  }
  if (s === ":memory:") return { dialect: "sqlite", filename: s };
  const m = /^(?:sqlite:(?:\/\/)?|file:(?:\/\/)?)(.+)$/i.exec(s);
  if (m) return { dialect: "sqlite", filename: m[1]! };
  throw new StoreError("BAD_URL", `invalid database URL ${JSON.stringify(s)}: expected mysql://USER:PASSWORD@HOST:PORT/DATABASE or sqlite:PATH`);
}

/** Opens and migrates. */
export async function openStore(target: StoreTarget): Promise<Store> {
  const store = target.dialect === "mysql" ? await MysqlStore.open(target.url) : await SqliteStore.open(target.filename);
  try {
    await store.migrate();
  } catch (err) {
    await store.close().catch(() => {});
    throw err;
  }
  return store;
}
