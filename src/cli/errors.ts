// What a command can fail with, and the exit code each means.
//   0 done; 1 failed; 2 bad usage or bad input; 3 messages still pending.
import { NodeError } from "../node/errors.ts";

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;
export const EXIT_PENDING = 3;

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
  return EXIT_FAILED;
}
