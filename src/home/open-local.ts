// Opens what a command needs on this machine: the home (initialised with
// defaults when fresh), the identity, the config and the migrated store.
import { closeSync, existsSync, openSync } from "node:fs";
import { join } from "node:path";
import { NodeError } from "../domain/node-error.ts";
import { MysqlStore } from "../store/mysql.ts";
import { openStore, parseDbUrl, type StoreTarget } from "../store/open.ts";
import { StoreError } from "../store/store-error.ts";
import type { Store } from "../store/store.ts";
import type { Identity } from "../transport/identity.ts";
import { advertised } from "../reach/net/addresses.ts";
import { openHome, resolveHome, SQLITE_FILE, type Config } from "./home.ts";

/** A database URL safe to print (any password as ***), for commands above the node. */
export { redactUrl } from "../store/mysql.ts";

export interface LocalOptions {
  home?: string;
  /** --db: wins over $P2PCHAT_DB and the config. */
  db?: string;
}

export interface Local {
  home: string;
  config: Config;
  identity: Identity;
  /** True when this call created the identity. */
  created: boolean;
  /** Set when this call removed other users' access to the home: say it once. */
  tightened: string | null;
  storeTarget: StoreTarget;
}

export async function openLocal(opts: LocalOptions = {}): Promise<Local> {
  const home = resolveHome(opts.home);
  const { config, identity, created, tightened } = await openHome(home);
  return { home, config, identity, created, tightened, storeTarget: resolveStoreTarget(home, config, opts.db) };
}

export function resolveStoreTarget(home: string, config: Config, flag?: string): StoreTarget {
  return storeTarget(home, flag || process.env.P2PCHAT_DB || config.db);
}

/** The database a URL names (null: SQLite in the home); BAD_DB_URL (exit 2) for one we cannot use. */
export function storeTarget(home: string, url: string | null | undefined): StoreTarget {
  try {
    return url ? parseDbUrl(url) : { dialect: "sqlite", filename: join(home, SQLITE_FILE) };
  } catch (err) {
    if (err instanceof StoreError) throw new NodeError(err.code === "BAD_URL" ? "BAD_DB_URL" : "DB_UNAVAILABLE", err.message, { cause: err });
    throw err;
  }
}

/**
 * Opens and migrates the store, turning its failures into one clear NodeError.
 * `say` hears what the user should know happened (a MySQL database created).
 */
export async function openLocalStore(local: Local, say: (line: string) => void = sayOnStderr): Promise<Store> {
  const target = local.storeTarget;
  if (target.dialect === "sqlite" && target.filename !== ":memory:") createPrivate(target.filename);
  try {
    const store = await openStore(local.storeTarget);
    if (store instanceof MysqlStore && store.created) say(store.created);
    return store;
  } catch (err) {
    if (err instanceof StoreError) {
      throw new NodeError(err.code === "MIGRATION_FAILED" ? "DB_ERROR" : "DB_UNAVAILABLE", err.message, { cause: err });
    }
    throw err;
  }
}

function sayOnStderr(line: string): void {
  process.stderr.write(`p2pchat: ${line}\n`);
}

/**
 * A new SQLite file starts empty and 0600 whatever the umask: SQLite gives
 * its -wal and -shm files the mode of the database file.
 */
function createPrivate(filename: string): void {
  if (process.platform === "win32" || existsSync(filename)) return;
  try {
    closeSync(openSync(filename, "wx", 0o600));
  } catch {
    // a race with another process, or no such folder: SQLite says which
  }
}

/**
 * The address peers can dial while a node listens as `config` says: the
 * configured host, or, on every interface, this machine's best address
 * (reach/net/addresses.ts: the same list invites carry). Loopback only when it
 * is all there is (or what the config listens on).
 */
export function advertisedAddress(config: Config, port = config.port): string {
  return advertised({ host: config.host, port })[0]!;
}
