// One node per home. The process that runs a node holds an exclusive lock
// on `node.lock` in the home (flock(2): the kernel drops it when the process
// dies, even by kill -9, so a crashed node never blocks the next start). The
// file says who holds it, for the message a second node prints.
import { closeSync, openSync, readFileSync, ftruncateSync, writeSync } from "node:fs";
import { join } from "node:path";
import { formatLocalDateTime } from "../domain/local-time.ts";
import { NodeError } from "../domain/node-error.ts";

export const LOCK_FILE = "node.lock";

export interface LockInfo {
  pid: number;
  /** What runs the node: serve, chat, send. */
  command: string;
  /** Where it listens, when it does. */
  address: string | null;
  since: number;
}

const LOCK_EX = 2;
const LOCK_NB = 4;
const LOCK_UN = 8;

type Flock = (fd: number, op: number) => number;
let flockFn: Flock | null | undefined;

/** libc's flock through bun:ffi; null where it cannot be had (then a pid check stands in). */
async function loadFlock(): Promise<Flock | null> {
  if (flockFn !== undefined) return flockFn;
  flockFn = null;
  if (process.platform === "win32") return null;
  try {
    const { dlopen, FFIType } = await import("bun:ffi");
    const lib = process.platform === "darwin" ? "libSystem.B.dylib" : "libc.so.6";
    const libc = dlopen(lib, { flock: { args: [FFIType.i32, FFIType.i32], returns: FFIType.i32 } });
    flockFn = (fd, op) => libc.symbols.flock(fd, op);
  } catch {
    flockFn = null;
  }
  return flockFn;
}

export class HomeLock {
  private constructor(
    private readonly path: string,
    private fd: number | null,
    private readonly flock: Flock | null,
    private info: LockInfo,
  ) {}

  /** Takes the home's lock, or throws ALREADY_RUNNING naming the process that holds it. */
  static async acquire(home: string, command: string): Promise<HomeLock> {
    const path = join(home, LOCK_FILE);
    const flock = await loadFlock();
    const fd = openSync(path, "a+", 0o600);
    const info: LockInfo = { pid: process.pid, command, address: null, since: Date.now() };
    if (flock) {
      if (flock(fd, LOCK_EX | LOCK_NB) !== 0) {
        closeSync(fd);
        throw alreadyRunning(home, readInfo(path));
      }
    } else {
      const held = readInfo(path);
      if (held && held.pid !== process.pid && isAlive(held.pid)) {
        closeSync(fd);
        throw alreadyRunning(home, held);
      }
    }
    const lock = new HomeLock(path, fd, flock, info);
    lock.write();
    return lock;
  }

  /** Records where the node listens, for the message a second start prints. */
  setAddress(address: string | null): void {
    this.info = { ...this.info, address };
    this.write();
  }

  release(): void {
    if (this.fd === null) return;
    try {
      ftruncateSync(this.fd, 0);
    } catch {
      // nothing to clear
    }
    if (this.flock) this.flock(this.fd, LOCK_UN);
    closeSync(this.fd);
    this.fd = null;
  }

  private write(): void {
    if (this.fd === null) return;
    ftruncateSync(this.fd, 0);
    writeSync(this.fd, JSON.stringify(this.info) + "\n", 0);
  }

  get file(): string {
    return this.path;
  }
}

/** The live process that holds `home`'s lock, or null (none, or one that died without letting go). */
export function lockHolder(home: string): LockInfo | null {
  const info = readInfo(join(home, LOCK_FILE));
  return info && isAlive(info.pid) ? info : null;
}

/** Who holds the lock of `home`, if anyone (a stale file says nothing). */
export function readInfo(path: string): LockInfo | null {
  try {
    const o = JSON.parse(readFileSync(path, "utf8")) as Partial<LockInfo>;
    if (typeof o.pid !== "number") return null;
    return { pid: o.pid, command: String(o.command ?? "?"), address: typeof o.address === "string" ? o.address : null, since: Number(o.since ?? 0) };
  } catch {
    return null;
  }
}

/** True while process `pid` runs (one of another user's counts too). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as { code?: string }).code === "EPERM";
  }
}

function alreadyRunning(home: string, info: LockInfo | null): NodeError {
  if (!info) return new NodeError("ALREADY_RUNNING", `a p2pchat node is already running for ${home}`);
  const since = formatLocalDateTime(info.since, { seconds: true });
  const where = info.address ? `, listening on ${info.address}` : "";
  return new NodeError(
    "ALREADY_RUNNING",
    `a p2pchat node is already running for ${home}: \`p2pchat ${info.command}\` (pid ${info.pid}${where}, since ${since}). ` +
      `Commands attach to it; stop it first to start another here.`,
  );
}
