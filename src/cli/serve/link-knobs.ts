// For tests, not users: P2PCHAT_IDLE_TIMEOUT_S=SECONDS gives a link up after
// that long without a word from the peer (default 45 s), with keep-alives
// every third of it, so a test of a network that goes silent need not wait
// most of a minute for each link to be given up.
import type { LinkLimits } from "../../transport/link.ts";
import { UsageError } from "../errors.ts";

export function linkKnobs(env: Record<string, string | undefined>): Partial<LinkLimits> | undefined {
  const text = env.P2PCHAT_IDLE_TIMEOUT_S;
  if (text === undefined || text === "") return undefined;
  const seconds = Number(text);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new UsageError(`P2PCHAT_IDLE_TIMEOUT_S=${JSON.stringify(text)}: a number of seconds above 0`, "p2pchat serve");
  return { idleTimeoutMs: seconds * 1000, keepaliveMs: (seconds * 1000) / 3 };
}
