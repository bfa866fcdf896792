// Where a user's home is when neither --home nor $P2PCHAT_HOME says:
// ~/.p2pchat on Linux and macOS; on Windows %APPDATA%\p2pchat, where
// Windows programs keep a user's settings (private to that user by the
// profile's ACL, and roaming with it). A Windows home made at ~/.p2pchat by
// an older build stays where it is, so nobody finds a new identity in place
// of theirs.
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { posix, win32 } from "node:path";

export interface DefaultHomeWorld {
  platform: NodeJS.Platform;
  env: Record<string, string | undefined>;
  /** The user's profile folder (os.homedir()). */
  userHome: string;
  exists(path: string): boolean;
}

const here = (): DefaultHomeWorld => ({ platform: process.platform, env: process.env, userHome: homedir(), exists: existsSync });

/** The default home, as an absolute path of `world`'s platform. */
export function defaultHome(world: DefaultHomeWorld = here()): string {
  if (world.platform !== "win32") return posix.join(world.userHome, ".p2pchat");
  const legacy = win32.join(world.userHome, ".p2pchat");
  const appData = world.env.APPDATA;
  if (!appData || !win32.isAbsolute(appData)) return legacy;
  const home = win32.join(appData, "p2pchat");
  return world.exists(legacy) && !world.exists(home) ? legacy : home;
}
