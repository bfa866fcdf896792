// Picks the store from a database URL: MySQL/MariaDB URLs, or SQLite.
import { MysqlStore, redactUrl } from "./mysql.ts";
import { SqliteStore } from "./sqlite.ts";
import { StoreError } from "./store-error.ts";
import type { Store } from "./store.ts";

export type StoreTarget = { dialect: "sqlite"; filename: string } | { dialect: "mysql"; url: string };

const EXPECTED = "expected mysql://USER:PASSWORD@HOST:PORT/DATABASE (MySQL or MariaDB) or sqlite:PATH";

/**
 * `mysql://`, `mysql2://`, `mariadb://` are MySQL; `sqlite://PATH`, `file:PATH`
 * or `:memory:` are SQLite. Errors show the URL without its password.
 */
export function parseDbUrl(url: string): StoreTarget {
  const s = url.trim();
  const shown = JSON.stringify(redactUrl(s));
  if (/^(mysql2?|mariadb):\/\//i.test(s)) {
    try {
      const u = new URL(s);
      if (!u.hostname) throw new Error("no host");
      if (u.pathname.replace(/^\//, "") === "") throw new Error("no database name");
    } catch (err) {
      const why = err instanceof TypeError ? "it does not parse" : (err as Error).message;
      throw new StoreError("BAD_URL", `invalid database URL ${shown}: ${why}; expected mysql://USER:PASSWORD@HOST:PORT/DATABASE`);
    }
    return { dialect: "mysql", url: s };
  }
  if (s === ":memory:") return { dialect: "sqlite", filename: s };
  const m = /^(?:sqlite:(?:\/\/)?|file:(?:\/\/)?)(.+)$/i.exec(s);
  if (m) return { dialect: "sqlite", filename: m[1]! };
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(s)?.[1];
  if (scheme) throw new StoreError("BAD_URL", `unsupported database ${JSON.stringify(scheme.toLowerCase())} in ${shown}: ${EXPECTED}`);
  throw new StoreError("BAD_URL", `invalid database URL ${shown}: ${EXPECTED}`);
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
