// The home holds the private key and every message: only its owner may read
// it. New homes are made 0700 (and the CLI's umask makes each new file 0600);
// a home made by an older version, or by hand, is tightened once, and the
// caller says so once.
import { chmodSync, lstatSync, readdirSync, type Stats } from "node:fs";
import { join } from "node:path";

/** Group and other bits: none of them belong on anything in a home. */
const OPEN_BITS = 0o077;
/** Deep enough for anything we put in a home; a home is not a place for trees. */
const MAX_DEPTH = 4;

export function octal(mode: number): string {
  return `0${(mode & 0o777).toString(8).padStart(3, "0")}`;
}

/**
 * Removes group and other access from `home` and everything in it (symlinks
 * and sockets are left alone). Returns what to tell the user when
 * something changed, else null. Files we cannot change are skipped: a home
 * owned by someone else is refused elsewhere, not here.
 */
export function tightenHome(home: string): string | null {
  if (process.platform === "win32") return null;
  let st: Stats;
  try {
    st = lstatSync(home);
  } catch {
    return null;
  }
  if (!st.isDirectory()) return null;
  const wasDir = st.mode & 0o777;
  const loose: string[] = [];
  if (tighten(home, st)) loose.push(home);
  walk(home, 1, loose);
  if (loose.length === 0) return null;
  const was = wasDir & OPEN_BITS ? `was ${octal(wasDir)}` : `${loose.length} file${loose.length === 1 ? " was" : "s were"} readable by others`;
  return `tightened permissions of ${home} (${was}): your key and messages are readable only by you now`;
}

function walk(dir: string, depth: number, loose: string[]): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const path = join(dir, name);
    let st: Stats;
    try {
      st = lstatSync(path);
    } catch {
      continue; // gone meanwhile (a -wal file at a checkpoint)
    }
    // Symlinks are never followed; the control socket is the serve's to make and check.
    if (st.isSymbolicLink() || st.isSocket()) continue;
    if (tighten(path, st)) loose.push(path);
    if (st.isDirectory() && depth < MAX_DEPTH) walk(path, depth + 1, loose);
  }
}

/** True when `path` had group or other bits and now has none. */
function tighten(path: string, st: Stats): boolean {
  if ((st.mode & OPEN_BITS) === 0) return false;
  if (typeof process.getuid === "function" && st.uid !== process.getuid() && process.getuid() !== 0) return false;
  try {
    chmodSync(path, st.mode & 0o700);
    return true;
  } catch {
    return false;
  }
}
