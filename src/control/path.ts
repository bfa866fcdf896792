// Where a home's control socket lives: always in a directory only its owner
// can write, so no other user of the machine can put a socket there first
// and read what our commands send (messages included). In order:
//   1. `control.sock` in the home (private, 0700), when the path fits;
//   2. $XDG_RUNTIME_DIR, when it is a real directory of ours, mode 0700;
//   3. `p2pchat-<uid>/` in the temp folder, made 0700 by us and refused when
//      it exists but is not ours, not 0700, or a symlink.
// Windows has named pipes instead, named at random in the home (pipe-name.ts).
import { lstatSync, mkdirSync, type Stats } from "node:fs";
import { tmpdir } from "node:os";
import { isAbsolute, join } from "node:path";
import { NodeError } from "../domain/node-error.ts";
import { octal } from "../home/home-mode.ts";
import { freshPipeName, recordedPipe } from "./pipe-name.ts";

/** sun_path is 108 bytes on Linux, 104 on macOS; keep room for the NUL. */
const MAX_UNIX_PATH = 100;

const fits = (p: string) => Buffer.byteLength(p) <= MAX_UNIX_PATH;
const uid = () => process.getuid?.() ?? -1;

/**
 * Where the serve running for `home` answers: its socket's path (which may
 * hold nothing), or on Windows the pipe it named in the home, null when it
 * named none. Throws UNSAFE_CONTROL when the fallback directory exists and
 * someone else could write to it.
 */
export function controlPath(home: string): string | null {
  if (process.platform === "win32") return recordedPipe(home);
  return socketPath(home, false);
}

/**
 * Where a serve starting for `home` listens: the socket's path, its fallback
 * directory made when missing; on Windows a new pipe name, which the serve
 * records in the home once it listens.
 */
export function newControlPath(home: string): string {
  if (process.platform === "win32") return freshPipeName();
  return socketPath(home, true);
}

function socketPath(home: string, create: boolean): string {
  const tag = new Bun.CryptoHasher("sha256").update(home).digest("hex").slice(0, 16);
  const inHome = join(home, "control.sock");
  if (fits(inHome)) return inHome;
  const runtime = process.env.XDG_RUNTIME_DIR;
  if (runtime && isAbsolute(runtime) && privateDirProblem(runtime, stat(runtime)) === null) {
    const p = join(runtime, `p2pchat-${tag}.sock`);
    if (fits(p)) return p;
  }
  let dir = join(tmpdir(), `p2pchat-${uid()}`);
  if (!fits(join(dir, `${tag}.sock`))) dir = join("/tmp", `p2pchat-${uid()}`);
  if (create) {
    try {
      mkdirSync(dir, { mode: 0o700 });
    } catch (err) {
      if ((err as { code?: string }).code !== "EEXIST") throw err;
    }
  }
  const st = stat(dir);
  if (st) {
    const problem = privateDirProblem(dir, st);
    if (problem) {
      throw new NodeError(
        "UNSAFE_CONTROL",
        `refusing the control folder ${dir}: ${problem}. Another user may be waiting there to read your commands; ` +
          `check who made it and remove it, or set XDG_RUNTIME_DIR to a folder of yours (mode 0700), or use a shorter --home`,
      );
    }
  }
  return join(dir, `${tag}.sock`);
}

/** Why a socket found at `path` must not be talked to (not ours, or open to others), or null. */
export function socketProblem(st: Stats): string | null {
  if (!st.isSocket()) return "it is not a socket";
  if (st.uid !== uid()) return `it belongs to uid ${st.uid}, not to you (uid ${uid()})`;
  if (st.mode & 0o077) return `its mode is ${octal(st.mode)}: other users could connect to it (a serve makes it 0600)`;
  return null;
}

/** lstat, or null when nothing is there. */
export function stat(path: string): Stats | null {
  try {
    return lstatSync(path);
  } catch {
    return null;
  }
}

function privateDirProblem(dir: string, st: Stats | null): string | null {
  if (!st) return `${dir} does not exist`;
  if (st.isSymbolicLink()) return "it is a symbolic link";
  if (!st.isDirectory()) return "it is not a folder";
  if (st.uid !== uid()) return `it belongs to uid ${st.uid}, not to you (uid ${uid()})`;
  if ((st.mode & 0o777) !== 0o700) return `its mode is ${octal(st.mode)}, not 0700`;
  return null;
}
