// Ctrl-C while a command waits (for a delivery, for a node to answer): the
// wait ends with Interrupted, so the command's own cleanup runs (a node it
// hosts stops cleanly, its in-flight messages back to pending) and it says
// what stays, then exits 130 as a shell reports SIGINT. Without this, the
// default SIGINT ended the process with nothing said.
import { EXIT_INTERRUPTED, ExitCode } from "./exit-codes.ts";

export class Interrupted extends Error {
  constructor() {
    super("interrupted (Ctrl-C)");
  }
}

/** `work`'s result, or Interrupted at the first SIGINT while it runs. */
export async function untilInterrupted<T>(work: Promise<T>): Promise<T> {
  const stop = Promise.withResolvers<never>();
  const on = () => stop.reject(new Interrupted());
  process.on("SIGINT", on);
  try {
    return await Promise.race([work, stop.promise]);
  } finally {
    process.off("SIGINT", on);
  }
}

/** Waits as untilInterrupted does; at Ctrl-C prints `p2pchat: interrupted: WHAT STAYS` and exits 130 (after the caller's finally). */
export async function waitOrSay<T>(work: Promise<T>, stays: () => string | Promise<string>): Promise<T> {
  try {
    return await untilInterrupted(work);
  } catch (err) {
    if (!(err instanceof Interrupted)) throw err;
    // On a terminal, over the line the ^C (or a spinner) was on.
    const lead = process.stderr.isTTY ? "\r\x1b[K" : "\n";
    process.stderr.write(`${lead}p2pchat: interrupted: ${await stays()}\n`);
    throw new ExitCode(EXIT_INTERRUPTED);
  }
}
