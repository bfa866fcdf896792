// What the page keeps in the home: the API key (made once, 0600, like the
// private key beside it: whoever reads it can use the page's API), and
// while a node serves the page, where (`web.json`: its address and the
// process), so `p2pchat web` in another terminal finds it.
import { existsSync, readFileSync, renameSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { newToken } from "./sessions.ts";

export const API_KEY_FILE = "web-api-key";
export const WEB_FILE = "web.json";

export interface WebPlace {
  /** `http://HOST:PORT` a browser on this machine opens. */
  origin: string;
  pid: number;
}

/** The home's API key, made the first time it is asked for. */
export function loadOrCreateApiKey(home: string): string {
  const path = join(home, API_KEY_FILE);
  const key = readApiKey(home);
  if (key) return key;
  const made = newToken();
  writePrivate(path, made + "\n");
  return made;
}

/** The home's API key, or null when no page was ever served from it. */
export function readApiKey(home: string): string | null {
  try {
    const key = readFileSync(join(home, API_KEY_FILE), "utf8").trim();
    return key.length >= 16 ? key : null;
  } catch {
    return null;
  }
}

export function writeWebPlace(home: string, place: WebPlace): void {
  writePrivate(join(home, WEB_FILE), JSON.stringify(place) + "\n");
}

/** Where the page of this home is served, as the serving process wrote it (it may have died since: check `pid`). */
export function readWebPlace(home: string): WebPlace | null {
  try {
    const o = JSON.parse(readFileSync(join(home, WEB_FILE), "utf8")) as Partial<WebPlace>;
    if (typeof o.origin !== "string" || typeof o.pid !== "number") return null;
    return { origin: o.origin, pid: o.pid };
  } catch {
    return null;
  }
}

/** Removes web.json, if it still says this process (a later serve may have written its own). */
export function clearWebPlace(home: string): void {
  const path = join(home, WEB_FILE);
  if (readWebPlace(home)?.pid !== process.pid || !existsSync(path)) return;
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}

/** Written whole or not at all, owner-only whatever the umask. */
function writePrivate(path: string, text: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode: 0o600 });
  renameSync(tmp, path);
}
