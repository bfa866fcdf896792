// MySQL / MariaDB, when the user points --db or P2PCHAT_DB at one.
import { SQL } from "bun";
import { foldText, type SearchTerm } from "../domain/search-terms.ts";
import type { MigrationTarget } from "./migrate.ts";
import { MYSQL_SQL } from "./sql-files.ts";
import type { MessageTable } from "./sql-history.ts";
import { SqlStore, type Row } from "./sql-store.ts";
import { StoreError } from "./store-error.ts";

const POOL = 4;
const CONNECT_TIMEOUT_S = 5;

export class MysqlStore extends SqlStore {
  readonly dialect = "mysql" as const;
  protected readonly files = MYSQL_SQL;

  /** Set when open() had to create the database (a line for the user: it happened once, on their server). */
  created: string | null = null;

  static async open(url: string): Promise<MysqlStore> {
    const where = redactUrl(url);
    let created: string | null = null;
    for (;;) {
      const sql = new SQL(url, { max: POOL, connectionTimeout: CONNECT_TIMEOUT_S, idleTimeout: 60 });
      try {
        await sql`SELECT 1`;
      } catch (err) {
        await sql.close({ timeout: 0 }).catch(() => {});
        // A server that answers but lacks the database: make it, as a user would next (once).
        const errno = (err as { errno?: number })?.errno;
        if ((errno === ER_BAD_DB || errno === ER_DB_ACCESS_DENIED) && created === null) {
          created = await createDatabase(url, errno === ER_BAD_DB);
          continue;
        }
        throw new StoreError("UNAVAILABLE", `cannot reach the database at ${where}: ${describeConnectError(err)}`, { cause: err });
      }
      const store = new MysqlStore(sql, where);
      store.created = created;
      return store;
    }
  }

  protected transient(err: unknown): boolean {
    const e = err as { code?: string; errno?: number; message?: string };
    if (typeof e?.code === "string" && /^ERR_MYSQL_(CONNECTION_CLOSED|CONNECTION_TIMEOUT|IDLE_TIMEOUT|LIFETIME_TIMEOUT)$|^(ECONNRESET|ECONNREFUSED|EPIPE|ETIMEDOUT)$/.test(e.code)) return true;
    // deadlock, lock wait timeout, server gone / lost / shutting down, connection killed
    if (e?.errno !== undefined && [1213, 1205, 2006, 2013, 1053, 1927, 1040].includes(e.errno)) return true;
    return /connection (closed|lost|reset)|server has gone away|lost connection/i.test(e?.message ?? "");
  }

  protected duplicateKey(err: unknown) {
    const e = err as { errno?: number; message?: string };
    if (e?.errno !== 1062) return null;
    if (/'user_name'|\.user_name'/.test(e.message ?? "")) return "name" as const;
    if (/'user_peer_id'|\.user_peer_id'/.test(e.message ?? "")) return "peer" as const;
    return "other" as const;
  }

  /**
   * Every term as LIKE (the column's utf8mb4_unicode_ci ignores case and
   * accents), with `%`, `_` and the escape `!` escaped; narrowed first by the
   * FULLTEXT index through each word it holds: InnoDB's word runs of letters,
   * digits and `_`, as long as innodb_ft_min_token_size..max and not
   * stopwords, each as a quoted `+"word"` (no operator survives in a run of
   * letters and digits). Scripts written without spaces are one token to
   * InnoDB, so theirs go by LIKE alone.
   */
  protected async searchCandidates(table: MessageTable, terms: readonly SearchTerm[], peer: string | null, belowSeq: number | null, limit: number): Promise<Row[]> {
    const ft = await this.fulltextWords();
    const words = new Set<string>();
    const where: string[] = [];
    const params: unknown[] = [];
    for (const term of terms) {
      for (const p of term.pieces) if (!p.noSpace) for (const w of p.words) if (ft(w)) words.add(`+"${w}"`);
      where.push("message LIKE ? ESCAPE '!'");
      params.push(`%${term.pieces.map((p) => p.text.replace(/[!%_]/g, "!$&")).join("%")}%`);
    }
    if (words.size > 0) {
      where.unshift("MATCH (message) AGAINST (? IN BOOLEAN MODE)");
      params.unshift([...words].join(" "));
    }
    if (peer !== null) {
      where.push("name = ?");
      params.push(peer);
    }
    if (belowSeq !== null) {
      where.push("seq < ?");
      params.push(belowSeq);
    }
    params.push(limit);
    return this.sql.unsafe(
      `SELECT seq, id, name, ip, port, message, status, ${table.time} AS t, created_at AS c FROM ${table.name}
       WHERE ${where.join(" AND ")} ORDER BY seq DESC LIMIT ?`,
      params,
    );
  }

  /**
   * MariaDB reads a contact's history through the name part of its index
   * alone, from the newest row down to the --before cursor, when it cannot
   * tell the time range is narrower: 56 ms instead of 1 for a page halfway
   * back in 200,000 messages. The (name,) time, seq indexes always serve it.
   */
  protected override useIndex(index: string): string {
    return `FORCE INDEX (${index})`;
  }

  private fulltext?: Promise<(word: string) => boolean>;

  /** Which words the FULLTEXT index holds, from the server's settings (read once). */
  private fulltextWords(): Promise<(word: string) => boolean> {
    this.fulltext ??= readFulltextSettings(this.sql).catch(() => () => false);
    return this.fulltext;
  }

  protected migrationTarget(): MigrationTarget {
    const sql = this.sql;
    const appliedVersions = async () => {
      const rows: { version: number }[] = await sql`SELECT version FROM schema_migrations ORDER BY version`;
      return rows.map((r) => Number(r.version));
    };
    return {
      exec: async (stmt) => {
        await sql.unsafe(stmt);
      },
      // MySQL commits DDL at once, so there is no transaction to hold: a named
      // lock keeps two processes from migrating the same database together.
      withLock: async (fn) => {
        const conn = await sql.reserve();
        try {
          const [got] = await conn`SELECT GET_LOCK('p2pchat_migrate', 60) AS ok`;
          if (Number(got?.ok) !== 1) throw new Error("timed out waiting for another p2pchat to finish migrating");
          try {
            return await fn(async (stmt) => void (await conn.unsafe(stmt)));
          } finally {
            await conn`SELECT RELEASE_LOCK('p2pchat_migrate')`;
          }
        } finally {
          conn.release();
        }
      },
      appliedVersions,
      record: async (run, m, at) => {
        await run(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (${m.version}, '${m.name}', ${at})`);
      },
    };
  }
}

/** Words InnoDB FULLTEXT splits alike in the text and in the query: Latin, Greek, Cyrillic, digits, `_`. */
const INDEXED_WORD = /^[\p{Script=Latin}\p{Script=Greek}\p{Script=Cyrillic}0-9_]+$/u;

async function readFulltextSettings(sql: SQL): Promise<(word: string) => boolean> {
  const [v]: Row[] = await sql`SELECT @@innodb_ft_min_token_size AS min, @@innodb_ft_max_token_size AS max,
    @@innodb_ft_enable_stopword AS stop, @@innodb_ft_user_stopword_table AS user_table, @@innodb_ft_server_stopword_table AS server_table`;
  const min = Number(v?.min ?? 3);
  const max = Number(v?.max ?? 84);
  const stopwords = new Set<string>();
  if (Number(v?.stop ?? 1) !== 0) {
    const table = String(v?.user_table || v?.server_table || "");
    const rows: Row[] = table
      ? await sql.unsafe(`SELECT value FROM ${table.split("/").map((p) => `\`${p.replaceAll("`", "``")}\``).join(".")}`)
      : await sql`SELECT value FROM INFORMATION_SCHEMA.INNODB_FT_DEFAULT_STOPWORD`;
    for (const r of rows) stopwords.add(foldText(String(r.value)));
  }
  return (word) => {
    const n = [...word].length;
    return n >= min && n <= max && INDEXED_WORD.test(word) && !stopwords.has(foldText(word));
  };
}

/** The URL with any password replaced by ***: safe to print. Works on URLs that do not parse, too. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.host) {
      if (u.password) u.password = "***";
      return u.href;
    }
  } catch {
    // redacted by hand below
  }
  // user:password@ before the host, whatever the scheme or shape
  return url.replace(/^([^@/?#]*?\/\/)?([^:@/?#]*):[^@]*@/, (_, scheme: string | undefined, user: string) => `${scheme ?? ""}${user}:***@`);
}

/** MySQL's "Unknown database", and "access denied to database" (which it also says of one that does not exist). */
const ER_BAD_DB = 1049;
const ER_DB_ACCESS_DENIED = 1044;

/**
 * CREATE DATABASE IF NOT EXISTS, in utf8mb4 (the tables' character set), through
 * a connection to information_schema, which every account may open. An account
 * that may not gets the exact statements to have run for it.
 */
async function createDatabase(url: string, missing: boolean): Promise<string> {
  const u = new URL(url);
  const name = decodeURIComponent(u.pathname.replace(/^\//, ""));
  const user = decodeURIComponent(u.username);
  const quoted = `\`${name.replaceAll("`", "``")}\``;
  const create = `CREATE DATABASE IF NOT EXISTS ${quoted} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`;
  u.pathname = "/information_schema";
  const sql = new SQL(u.toString(), { max: 1, connectionTimeout: CONNECT_TIMEOUT_S });
  try {
    await sql.unsafe(create);
  } catch (err) {
    const state = missing ? "does not exist" : "does not exist or is not open to this account";
    const why = (err as { errno?: number })?.errno === ER_DB_ACCESS_DENIED ? "this account may not create it" : `creating it failed: ${describeConnectError(err)}`;
    const grant = `GRANT ALL ON ${quoted}.* TO '${user.replaceAll("'", "''")}'@'%';`;
    throw new StoreError("UNAVAILABLE", `the database ${JSON.stringify(name)} on ${u.host} ${state}, and ${why}. Ask its administrator to run \`${create}; ${grant}\` and try again`, {
      cause: err,
    });
  } finally {
    await sql.close({ timeout: 0 }).catch(() => {});
  }
  return `created the database ${JSON.stringify(name)} on ${u.host} (utf8mb4): p2pchat keeps its tables there`;
}

function describeConnectError(err: unknown): string {
  const e = err as { code?: string; errno?: number; message?: string };
  if (e?.code === "ERR_MYSQL_CONNECTION_REFUSED" || /ECONNREFUSED|refused/i.test(e?.message ?? "")) return "connection refused (is the server running?)";
  if (e?.code === "ERR_MYSQL_CONNECTION_TIMEOUT") return "timed out";
  if (e?.errno === 1045) return "access denied (check the user name and password)";
  if (e?.errno === 1049) return "no such database";
  return e?.message ?? String(err);
}
