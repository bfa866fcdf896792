// What `p2pchat --version` says: package.json's version, the commit and the
// build date. build.ts stamps the commit and the date into the binary through
// `define`; run from source, the commit is asked of git when it is wanted
// ("dev" without git) and there is no build date.
import pkg from "../package.json" with { type: "json" };

// Replaced by build.ts's `define`; undeclared (typeof "undefined") from source.
declare const P2PCHAT_COMMIT: string;
declare const P2PCHAT_BUILT: string;

export const VERSION: string = pkg.version;

export interface BuildInfo {
  version: string;
  /** A 12-digit commit, `-dirty` when built from changed files; "dev" when unknown. */
  commit: string;
  /** ISO 8601 UTC, or null from source. */
  built: string | null;
}

export function buildInfo(): BuildInfo {
  if (typeof P2PCHAT_COMMIT === "string" && typeof P2PCHAT_BUILT === "string") return { version: VERSION, commit: P2PCHAT_COMMIT, built: P2PCHAT_BUILT };
  return { version: VERSION, commit: gitCommit(import.meta.dir) ?? "dev", built: null };
}

/** `p2pchat 0.1.0 (commit 0123456789ab, built 2026-01-02T03:04:05Z)`; from source `(commit …, from source)`. */
export function versionLine(info: BuildInfo = buildInfo()): string {
  const commit = info.commit === "dev" ? "dev" : `commit ${info.commit}`;
  return `p2pchat ${info.version} (${commit}, ${info.built ? `built ${info.built}` : "from source"})`;
}

/** The checked-out commit of the repository holding `dir`, `-dirty` with uncommitted changes; null without git. */
export function gitCommit(dir: string): string | null {
  try {
    // --exclude='*': never a tag name, always the hash.
    const r = Bun.spawnSync(["git", "describe", "--always", "--dirty", "--abbrev=12", "--exclude=*"], { cwd: dir, stdout: "pipe", stderr: "ignore" });
    const out = r.stdout.toString().trim();
    return r.exitCode === 0 && out ? out : null;
  } catch {
    return null; // no git on PATH
  }
}
