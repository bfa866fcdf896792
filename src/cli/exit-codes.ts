// What a command can fail with, and the exit code each means.
//   0 done; 1 failed; 2 bad usage or bad input; 3 messages still pending;
//   130 interrupted at a question (Ctrl-C), as a shell reports SIGINT.
import { NodeError } from "../domain/node-error.ts";
import { PromptError } from "../ui/prompt.ts";

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;
export const EXIT_PENDING = 3;
export const EXIT_INTERRUPTED = 130;

/** Wrong command line: printed as one line (with a pointer to --help), exit 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
  constructor(
    message: string,
    readonly helpFor?: string,
  ) {
    super(message);
  }
}

/** A command that ends with a given code after printing what it had to say. */
export class ExitCode extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

export function exitCodeFor(err: unknown): number {
  if (err instanceof UsageError) return EXIT_USAGE;
  if (err instanceof NodeError && err.isInputError) return EXIT_USAGE;
  if (err instanceof ExitCode) return err.code;
  if (err instanceof PromptError) return err.code === "INTERRUPTED" ? EXIT_INTERRUPTED : err.code === "NOT_A_TERMINAL" ? EXIT_USAGE : EXIT_FAILED;
  return EXIT_FAILED;
}
