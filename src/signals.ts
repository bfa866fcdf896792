// The signals that mean "stop now, cleanly" to a long-running command (serve,
// relay, the full-screen chat), on each system. On Windows, Bun (libuv)
// turns console events into signals: Ctrl-C is SIGINT (while the console is
// not in raw mode; the full-screen chat reads it as a key), Ctrl-Break is
// SIGBREAK (always, raw mode or not), and closing the console window is
// SIGHUP, after which Windows allows about 10 s before it ends the process.
// SIGTERM never arrives there: `kill` and Task Manager end a process outright.

/** `extra`: what else this command stops on where a terminal sends it (the chat's SIGHUP on POSIX). */
export function stopSignals(platform: NodeJS.Platform = process.platform, extra: readonly NodeJS.Signals[] = []): NodeJS.Signals[] {
  const base: NodeJS.Signals[] = platform === "win32" ? ["SIGINT", "SIGBREAK", "SIGHUP"] : ["SIGINT", "SIGTERM"];
  return [...new Set([...base, ...extra])];
}

/** Calls `stop` with the signal's name on each stop signal; returns the function that stops listening. */
export function onStopSignals(stop: (signal: NodeJS.Signals) => void, extra: readonly NodeJS.Signals[] = []): () => void {
  const handlers = stopSignals(process.platform, extra).map((signal) => {
    const handler = () => stop(signal);
    process.on(signal, handler);
    return [signal, handler] as const;
  });
  return () => {
    for (const [signal, handler] of handlers) process.off(signal, handler);
  };
}
