// Paths the user types or pastes into the chat: `/file PATH` completed with
// Tab from the folder it names, and a pasted path (a file dragged onto the
// terminal pastes one: quoted, with escaped spaces, or as a file:// URL)
// recognised as a file to offer rather than text to send.
import { readdirSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";

/** `~/x` and relative paths as the shell the chat runs in would read them. */
export function expandPath(typed: string): string {
  const t = typed.trim();
  if (t === "~" || t.startsWith("~/")) return join(homedir(), t.slice(1));
  return resolve(t);
}

/** Entries of the folder `typed` is in whose names start with its last part, as `typed` would read with each (folders end in /). */
export function pathCompletions(typed: string): string[] {
  const slash = typed.lastIndexOf("/");
  const dirPart = slash >= 0 ? typed.slice(0, slash + 1) : "";
  const start = typed.slice(slash + 1);
  const dir = expandPath(dirPart || ".");
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((n) => n.startsWith(start) && (start.startsWith(".") || !n.startsWith(".")))
    .sort()
    .map((n) => {
      const isDir = statSync(join(dir, n), { throwIfNoEntry: false })?.isDirectory() ?? false;
      return dirPart + n + (isDir ? "/" : "");
    });
}

/** A pasted text that is the path of a file (or null): the path as it is, and the file's size. */
export function pastedFile(text: string): { path: string; size: number } | null {
  let t = text.trim();
  if (t.includes("\n") || t.length < 2) return null;
  if (/^file:\/\//.test(t)) {
    try {
      t = decodeURIComponent(new URL(t).pathname);
    } catch {
      return null;
    }
  }
  const quoted = /^'(.*)'$/.exec(t) ?? /^"(.*)"$/.exec(t);
  if (quoted) t = quoted[1]!;
  else t = t.replace(/\\(.)/g, "$1"); // a shell's escaped spaces and quotes
  if (!t.startsWith("/") && !t.startsWith("~/") && !t.startsWith("./")) return null;
  const path = expandPath(t);
  const st = statSync(path, { throwIfNoEntry: false });
  return st?.isFile() ? { path, size: st.size } : null;
}

