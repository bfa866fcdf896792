// The one logger. Logs go to stderr so stdout stays for data (ids, JSON,
// messages). Levels: info by default, debug with --debug; the environment's
// guesses (CI, NODE_ENV=test) do not change them. The look follows stderr:
// icons and colours on a terminal, plain `[debug] [p2pchat:node] ...` lines on a
// pipe or a log file (the same from source and from the compiled binary, whose
// build fixes NODE_ENV, which consola would otherwise guess from).
import { createConsola, LogLevels, type ConsolaInstance } from "consola";

// `fancy` is read by createConsola (consola 3.4) though its option type leaves it out.
const options: Parameters<typeof createConsola>[0] & { fancy: boolean } = {
  level: LogLevels.info,
  stdout: process.stderr,
  stderr: process.stderr,
  formatOptions: { date: false },
  fancy: Boolean(process.stderr.isTTY),
};

export const logger = createConsola(options).withTag("p2pchat");

const children: ConsolaInstance[] = [logger];

/** A child logger (`p2pchat:node`); follows setDebug like the root. */
export function childLogger(tag: string): ConsolaInstance {
  const child = logger.withTag(tag);
  children.push(child);
  return child;
}

export function setDebug(on: boolean): void {
  for (const c of children) c.level = on ? LogLevels.debug : LogLevels.info;
}

/**
 * Nothing logged from now on, by this logger or a child made later. For the
 * test runner: nodes running inside it must not print between test results
 * (a user's serve keeps every warning).
 */
export function silenceLogs(): void {
  for (const c of children) c.level = LogLevels.silent;
}
