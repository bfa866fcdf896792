// Windows: the control socket is a named pipe (`\\.\pipe\...`), and Bun
// gives no way to set a pipe's security descriptor (Bun.listen and node:net
// take a name, nothing more). The pipe gets Windows' default descriptor:
// full control for us, SYSTEM and administrators, read-only for everyone
// else. A command writes its request before a serve says anything on a
// connection, so another user who can only read learns nothing from it.
// What the default does not stop is another user making a pipe first, under
// the name our commands would open, to read what they send. So the name is
// random, new at every start, and kept in the home, which only its owner can
// read; a command opens it only while the node that recorded it is alive
// (a name left by a crash may since have been taken by someone else).
import { randomBytes } from "node:crypto";
import { readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { lockHolder } from "../home/home-lock.ts";

export const PIPE_FILE = "control.pipe";

const PIPE_RE = /^\\\\\.\\pipe\\p2pchat-[0-9a-f]{32}$/;

/** A pipe name no one can guess: 128 random bits. */
export function freshPipeName(): string {
  return `\\\\.\\pipe\\p2pchat-${randomBytes(16).toString("hex")}`;
}

/** Records the pipe a serve of `home` listens on (once it listens). */
export function recordPipe(home: string, name: string): void {
  const path = join(home, PIPE_FILE);
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, name + "\n", { mode: 0o600 });
  renameSync(tmp, path);
}

/** The pipe the running serve of `home` recorded; null when none is recorded, or the node that recorded it is gone. */
export function recordedPipe(home: string): string | null {
  let name: string;
  try {
    name = readFileSync(join(home, PIPE_FILE), "utf8").trim();
  } catch {
    return null;
  }
  if (!PIPE_RE.test(name)) return null;
  return lockHolder(home) ? name : null;
}

/** A stopping serve takes its name back, unless a later serve recorded its own. */
export function forgetPipe(home: string, name: string): void {
  const path = join(home, PIPE_FILE);
  try {
    if (readFileSync(path, "utf8").trim() === name) rmSync(path, { force: true });
  } catch {
    // already gone
  }
}
