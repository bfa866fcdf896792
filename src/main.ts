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
  // by a library must not keep the process alive. Flush what we printed
  // first: under Bun, a write("") callback can fire while an earlier large
  // write still waits for a pipe's reader (output cut at 64 KiB); end()'s
  // callback comes only once everything is out.
  await new Promise<void>((resolve) => process.stdout.end(() => resolve()));
  await new Promise<void>((resolve) => process.stderr.end(() => resolve()));
  process.exit(code);
}
