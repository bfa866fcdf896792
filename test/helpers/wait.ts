// Waiting for state that announces nothing: a database another process
// writes, a tmux screen, a child's `status --json`, a socket table in a
// namespace. Anything that has an event (a node's, a serve's line, a raw
// peer's frames) is waited on through it instead; this is the only poll.

export interface PollOptions {
  /** Give up (and throw, naming `what`) after this long. */
  timeoutMs?: number;
  /** Between two looks. */
  everyMs?: number;
}

/**
 * Looks at `get` until `done` holds for what it returned, and returns that.
 * A deadline, never a fixed sleep: it returns as soon as the state is there.
 */
export async function pollUntil<T>(get: () => T | Promise<T>, done: (value: T) => boolean, what: string, opts: PollOptions = {}): Promise<T> {
  const { timeoutMs = 20_000, everyMs = 20 } = opts;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await get();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last seen: ${describe(value)}`);
    await Bun.sleep(everyMs);
  }
}

/** Polls `check` until it returns true. */
export async function eventually(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000, everyMs = 20): Promise<void> {
  await pollUntil(check, (ok) => ok, what, { timeoutMs, everyMs });
}

function describe(value: unknown): string {
  if (typeof value === "boolean") return String(value);
  const text = Array.isArray(value) && value.every((v) => typeof v === "string") ? value.join("\n") : JSON.stringify(value);
  return text === undefined ? String(value) : text.length > 2000 ? `${text.slice(0, 2000)}…` : text;
}
