// The home folder: one user. Holds the identity, config.json and, by
// default, the SQLite database. `--home` > $P2PCHAT_HOME > ~/.p2pchat
// (%APPDATA%\p2pchat on Windows: default-home.ts).
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { homedir, userInfo } from "node:os";
import { join, resolve } from "node:path";
import { handleFor, nameProblem, validateDisplayName } from "../domain/contact-name.ts";
import { displayNameProblem } from "../protocol/hello.ts";
import { DEFAULT_PORT, parseHost, parseListenPort } from "../domain/host-port.ts";
import { NodeError } from "../domain/node-error.ts";
import { createIdentity, identityExists, loadIdentity, type Identity } from "../transport/identity.ts";
import { TransportError } from "../transport/transport-error.ts";
import { defaultHome } from "./default-home.ts";
import { tightenHome } from "./home-mode.ts";

export const CONFIG_FILE = "config.json";
export const SQLITE_FILE = "p2pchat.db";

export interface Config {
  /** Display name announced to peers. */
  name: string;
  /** Listen address: an IP to bind, 0.0.0.0 for every interface. */
  host: string;
  port: number;
  discoverable: boolean;
  /** Database URL; null means the SQLite file in the home. */
  db: string | null;
  /** LAN beacons (UDP 20021). */
  lan: boolean;
  /** Ask the gateway to forward our port (UPnP IGD, NAT-PMP). */
  upnp: boolean;
  /** Publish our addresses on the mainline DHT and look contacts up there. */
  dht: boolean;
  /** DHT nodes to start from (HOST:PORT); empty: the public routers. */
  dhtBootstrap: string[];
  /** Relays to stay joined to (relay://HOST:PORT/?id=...). */
  relays: string[];
  /** Relay for our contacts (only them) while the internet reaches us directly. */
  relayForContacts: boolean;
  /** Sessions relayed for contacts at once. */
  relayForContactsSessions: number;
  /** KiB/s each such session may carry (0: no limit). */
  relayForContactsRate: number;
  /** Where received files go; null: the default (downloadsFolder). */
  downloads: string | null;
  /** A contact's files are taken without asking while those of the last 24 hours come to at most this many MiB (0: always ask). */
  autoAcceptMiB: number;
  /** Where the page is served (HOST:PORT; the next free port when the default's is taken), or "off". */
  web: string;
  /** The page's password (a Bun.password hash), needed to serve it beyond loopback; absent: none. */
  webPassword?: string;
}

/** What a contact may send unasked in a day, by default. */
export const DEFAULT_AUTO_ACCEPT_MIB = 100;

/** What a config file leaves out means this. */
export const REACH_DEFAULTS = {
  lan: true,
  upnp: true,
  dht: true,
  dhtBootstrap: [] as string[],
  relays: [] as string[],
  relayForContacts: true,
  relayForContactsSessions: 16,
  relayForContactsRate: 128,
};
/** What a config file without file settings means. */
export const FILE_DEFAULTS = { downloads: null, autoAcceptMiB: DEFAULT_AUTO_ACCEPT_MIB };
/** Where the page is served when the config does not say: this machine only (src/web/web-address.ts). */
export const WEB_DEFAULT = "127.0.0.1:20080";

export interface InitOptions {
  name?: string;
  host?: string;
  port?: number | string;
}

export function resolveHome(flag?: string): string {
  const dir = flag || process.env.P2PCHAT_HOME || defaultHome();
  return resolve(dir);
}

export function isInitialized(home: string): boolean {
  return identityExists(home) && existsSync(join(home, CONFIG_FILE));
}

/** `p2pchat init`: creates the identity and config; refuses to overwrite. `tightened`: what to tell the user, once. */
export async function initHome(home: string, opts: InitOptions = {}): Promise<{ config: Config; identity: Identity; tightened: string | null }> {
  return initHomeWith(home, opts, (name) => createIdentity(home, name));
}

/**
 * `p2pchat devices join`: the home of a new device of an identity; `write`
 * writes the device's key, certificate and the identity's certificate
 * (transport/identity.ts writeDeviceIdentity). Refuses to overwrite, as init does.
 */
export async function initHomeWith(home: string, opts: InitOptions, write: (name: string) => Promise<Identity>): Promise<{ config: Config; identity: Identity; tightened: string | null }> {
  if (identityExists(home)) {
    throw new NodeError("ALREADY_INITIALIZED", `${home} already holds an identity; p2pchat never overwrites one (use another --home for another user)`);
  }
  const config: Config = {
    name: opts.name !== undefined ? validateDisplayName(opts.name) : defaultName(),
    host: opts.host !== undefined ? parseHost(opts.host) : "0.0.0.0",
    port: opts.port !== undefined ? parseListenPort(opts.port) : DEFAULT_PORT,
    discoverable: true,
    db: null,
    ...REACH_DEFAULTS,
    ...FILE_DEFAULTS,
    web: WEB_DEFAULT,
  };
  ensureDir(home);
  const tightened = tightenHome(home);
  const identity = await write(config.name);
  if (!existsSync(join(home, CONFIG_FILE))) saveConfig(home, config);
  return { config: loadConfig(home), identity, tightened };
}

/** Every command but `init` calls this: a fresh home is initialised with defaults. */
export async function openHome(home: string): Promise<{ config: Config; identity: Identity; created: boolean; tightened: string | null }> {
  if (!identityExists(home)) {
    const { config, identity, tightened } = await initHome(home);
    return { config, identity, created: true, tightened };
  }
  const tightened = tightenHome(home);
  if (!existsSync(join(home, CONFIG_FILE))) saveConfig(home, { name: defaultName(), host: "0.0.0.0", port: DEFAULT_PORT, discoverable: true, db: null, ...REACH_DEFAULTS, ...FILE_DEFAULTS, web: WEB_DEFAULT });
  return { config: loadConfig(home), identity: await openIdentity(home), created: false, tightened };
}

async function openIdentity(home: string): Promise<Identity> {
  try {
    return await loadIdentity(home);
  } catch (err) {
    if (err instanceof TransportError) throw new NodeError("BAD_HOME", err.message, { cause: err });
    throw err;
  }
}

export function loadConfig(home: string): Config {
  const path = join(home, CONFIG_FILE);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new NodeError("BAD_CONFIG", `cannot read ${path}: ${(err as Error).message}`, { cause: err });
  }
  return validateConfig(raw, path);
}

export function saveConfig(home: string, config: Config): void {
  const path = join(home, CONFIG_FILE);
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(config, null, 2) + "\n", { mode: 0o600 });
  renameSync(tmp, path);
}

export function updateConfig(home: string, patch: Partial<Config>): Config {
  const next = { ...loadConfig(home), ...patch };
  saveConfig(home, next);
  return next;
}

function validateConfig(raw: unknown, path: string): Config {
  const bad = (why: string) => new NodeError("BAD_CONFIG", `${path}: ${why}`);
  if (typeof raw !== "object" || raw === null) throw bad("expected a JSON object");
  const o = raw as Record<string, unknown>;
  if (typeof o.name !== "string" || displayNameProblem(o.name) || nameProblem(handleFor(o.name))) throw bad(`"name" must be a valid name (1 to 40 characters, words apart by single spaces)`);
  if (typeof o.host !== "string") throw bad(`"host" must be a string`);
  const port = typeof o.port === "number" ? o.port : Number.NaN;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw bad(`"port" must be 0..65535`);
  const db = o.db === undefined || o.db === null || o.db === "" ? null : o.db;
  if (db !== null && typeof db !== "string") throw bad(`"db" must be a URL string or null`);
  const list = (key: string): string[] => {
    const v = o[key];
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v) || v.some((x) => typeof x !== "string")) throw bad(`"${key}" must be a list of strings`);
    return v as string[];
  };
  const count = (key: "relayForContactsSessions" | "relayForContactsRate", min: number): number => {
    const v = o[key];
    if (v === undefined || v === null) return REACH_DEFAULTS[key];
    if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > 1_000_000) throw bad(`"${key}" must be a whole number from ${min}`);
    return v;
  };
  // What the page's address means is the web room's to check, when a node starts it.
  if (o.web !== undefined && typeof o.web !== "string") throw bad(`"web" must be "HOST:PORT" or "off"`);
  if (o.webPassword !== undefined && o.webPassword !== null && typeof o.webPassword !== "string") throw bad(`"webPassword" must be a password hash (set it with p2pchat web --password)`);
  return {
    name: o.name,
    host: o.host,
    port,
    discoverable: o.discoverable !== false,
    db,
    lan: o.lan !== false,
    upnp: o.upnp !== false,
    dht: o.dht !== false,
    dhtBootstrap: list("dhtBootstrap"),
    relays: list("relays"),
    relayForContacts: o.relayForContacts !== false,
    relayForContactsSessions: count("relayForContactsSessions", 1),
    relayForContactsRate: count("relayForContactsRate", 0),
    downloads: fileFolder(o.downloads, bad),
    autoAcceptMiB: mibSetting(o.autoAcceptMiB, bad),
    web: typeof o.web === "string" ? o.web : WEB_DEFAULT,
    ...(typeof o.webPassword === "string" && o.webPassword !== "" ? { webPassword: o.webPassword } : {}),
  };
}

function fileFolder(v: unknown, bad: (why: string) => NodeError): string | null {
  if (v === undefined || v === null || v === "") return null;
  if (typeof v !== "string") throw bad(`"downloads" must be a folder (a string) or null`);
  return v;
}

function mibSetting(v: unknown, bad: (why: string) => NodeError): number {
  if (v === undefined || v === null) return DEFAULT_AUTO_ACCEPT_MIB;
  if (typeof v !== "number" || !Number.isFinite(v) || v < 0) throw bad(`"autoAcceptMiB" must be a number of MiB >= 0`);
  return v;
}

/**
 * Where received files go: the config's `downloads`, else ~/Downloads/p2pchat
 * for the default home, and DIR/downloads for any other (another home on
 * the same machine is another user, whose files must not mix with yours).
 */
export function downloadsFolder(home: string, config: Pick<Config, "downloads">): string {
  if (config.downloads) return resolve(home, config.downloads.replace(/^~(?=$|\/)/, homedir()));
  return resolve(home) === resolve(defaultHome()) ? join(homedir(), "Downloads", "p2pchat") : join(home, "downloads");
}

function ensureDir(home: string) {
  if (existsSync(home)) {
    if (!statSync(home).isDirectory()) throw new NodeError("BAD_HOME", `${home} exists and is not a directory`);
    return;
  }
  mkdirSync(home, { recursive: true, mode: 0o700 });
}

/** The OS user name. Bun answers "unknown" when $USER is unset (cron, env -i): then /etc/passwd. */
function osUserName(): string {
  let user = "";
  try {
    user = userInfo().username;
  } catch {
    // no passwd entry
  }
  if (user && user !== "unknown") return user;
  user = process.env.USER ?? process.env.LOGNAME ?? process.env.USERNAME ?? "";
  if (user || process.platform === "win32" || typeof process.getuid !== "function") return user;
  try {
    const uid = String(process.getuid());
    const entry = readFileSync("/etc/passwd", "utf8")
      .split("\n")
      .map((l) => l.split(":"))
      .find((f) => f[2] === uid);
    return entry?.[0] ?? "";
  } catch {
    return "";
  }
}

function defaultName(): string {
  const user = osUserName();
  const name = [...user.replace(/[\s\p{Cc}\p{Cf}]+/gu, "-")].slice(0, 40).join("");
  return nameProblem(name) ? "me" : name;
}
