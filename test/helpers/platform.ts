// What a test needs of the system it runs on. Each is null where the system
// has it, else the reason a test that needs it skips: said in the skipped
// test's title (`skipped(why)`), so the run shows what did not run and why.
// CI runs the suites on Linux, macOS and Windows (.github/workflows/ci.yml).

export const isWindows = process.platform === "win32";

/** Owner/group/other modes (0600, 0700), umask. */
export const noFileModes: string | null = isWindows ? "Windows has no file modes (NTFS keeps ACLs; the home's privacy there is the user profile's)" : null;

/** A POSIX shell (sh, bash) for a pipeline a test builds. */
export const noPosixShell: string | null = isWindows ? "needs a POSIX shell (sh), which Windows does not have" : null;

/** Unix domain sockets: the control socket on Linux and macOS. */
export const noUnixSockets: string | null = isWindows ? "Windows has no unix sockets: the control socket is a named pipe there (control-pipe.test.ts)" : null;

/** The named pipe the control socket is on Windows. */
export const noNamedPipes: string | null = isWindows ? null : `named pipes are Windows' (this is ${process.platform}): the control socket is a unix socket here (control-socket.test.ts)`;

/** " (skipped: WHY)" for a test's title when `why` is a reason, else nothing. */
export function skipped(why: string | null): string {
  return why ? ` (skipped: ${why})` : "";
}
