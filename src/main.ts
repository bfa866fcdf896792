#!/usr/bin/env bun
// Entry point. `--version` answers before anything else loads: startup time
// is a figure we measure.
import { versionLine } from "./version.ts";

const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === "--version" || argv[0] === "-v")) {
  process.stdout.write(`${versionLine()}\n`);
} else {
  const { runCli } = await import("./cli/index.ts");
  const code = await runCli(argv);
  // A command is done when it returns: an open stdin reader or a socket left
  // by a library must not keep the process alive. But what we printed must
  // all get out first: on a pipe Bun queues what the reader has not taken
  // yet (beyond 64 KiB) and process.exit() drops the queue, while a write's
  // callback and writableLength say nothing of it. end() calls back once the
  // queue is written (or the reader is gone).
  await Promise.all([finish(process.stdout), finish(process.stderr)]);
  process.exit(code);
}

function finish(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise<void>((resolve) => {
    // A write after this (a late event) or a reader that went away must not throw.
    stream.on("error", () => resolve());
    stream.end(() => resolve());
  });
}
