// Applies the numbered migrations above the recorded version, in order.
import type { DialectSql, Migration } from "./sql-files.ts";

/** Splits a file on `;` ending a line that starts at column 0 (see sql/README.md). */
export function splitStatements(text: string): string[] {
  const out: string[] = [];
  let current: string[] = [];
  for (const line of text.split("\n")) {
    current.push(line);
    if (/^\S/.test(line) && /;\s*$/.test(line)) {
      const stmt = current.join("\n").trim().replace(/;\s*$/, "");
      if (stripComments(stmt)) out.push(stmt);
      current = [];
    }
  }
  const rest = current.join("\n").trim();
  if (stripComments(rest)) out.push(rest);
  return out;
}

function stripComments(s: string): string {
  return s
    .split("\n")
    .filter((l) => !/^\s*--/.test(l))
    .join("\n")
    .trim();
}

export interface MigrationTarget {
  /** Runs one statement outside any transaction. */
  exec(statement: string): Promise<void>;
  /**
   * Runs `fn` holding the migration lock, with `run` executing statements
   * (inside one transaction where the dialect allows DDL in one).
   */
  withLock<T>(fn: (run: (statement: string) => Promise<void>) => Promise<T>): Promise<T>;
  appliedVersions(run?: (statement: string) => Promise<void>): Promise<number[]>;
  record(run: (statement: string) => Promise<void>, m: Migration, at: number): Promise<void>;
}

export interface MigrateResult {
  applied: number[];
  version: number;
}

export async function runMigrations(target: MigrationTarget, sql: DialectSql): Promise<MigrateResult> {
  for (const file of sql.schema) for (const stmt of splitStatements(file)) await target.exec(stmt);
  const latest = sql.migrations.at(-1)?.version ?? 0;
  const before = await target.appliedVersions();
  if (before.length > 0 && Math.max(...before) > latest) {
    throw new Error(`the database is at schema version ${Math.max(...before)}, newer than this p2pchat knows (${latest}): upgrade p2pchat`);
  }
  if (sql.migrations.every((m) => before.includes(m.version))) return { applied: [], version: latest };

  return target.withLock(async (run) => {
    // Another process may have migrated while we waited for the lock.
    const done = new Set(await target.appliedVersions(run));
    const applied: number[] = [];
    for (const m of sql.migrations) {
      if (done.has(m.version)) continue;
      for (const stmt of splitStatements(m.sql)) {
        try {
          await run(stmt);
        } catch (err) {
          throw new Error(`migration ${String(m.version).padStart(3, "0")}-${m.name} failed: ${(err as Error).message}\n  in: ${stmt.split("\n")[0]}`, { cause: err });
        }
      }
      await target.record(run, m, Date.now());
      applied.push(m.version);
    }
    return { applied, version: latest };
  });
}
