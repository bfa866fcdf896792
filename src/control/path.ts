// Where a home's control socket lives: `control.sock` in the home, unless the
// path is too long for a unix socket (then a hashed name in the temp folder).
// Windows has named pipes instead.
import { tmpdir } from "node:os";
import { join } from "node:path";

/** sun_path is 108 bytes on Linux, 104 on macOS; keep room for the NUL. */
const MAX_UNIX_PATH = 100;

export function controlPath(home: string): string {
  const tag = new Bun.CryptoHasher("sha256").update(home).digest("hex").slice(0, 16);
  if (process.platform === "win32") return `\\\\.\\pipe\\p2pchat-${tag}`;
  const inHome = join(home, "control.sock");
  if (Buffer.byteLength(inHome) <= MAX_UNIX_PATH) return inHome;
  return join(tmpdir(), `p2pchat-${tag}.sock`);
}
