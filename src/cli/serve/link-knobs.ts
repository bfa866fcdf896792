// For tests, not users: P2PCHAT_IDLE_TIMEOUT_S=SECONDS gives a link up after
// that long without a word from the peer (default 45 s), with keep-alives
// every third of it, so a test of a network that goes silent need not wait
// most of a minute for each link to be given up. P2PCHAT_HANDSHAKE_TIMEOUT_S
// does the same for a connection that has not finished TLS and both hellos
// (default 10 s): a dial to an address that went silent is given up sooner.
import type { LinkLimits } from "../../transport/link.ts";
import { UsageError } from "../exit-codes.ts";

export function linkKnobs(env: Record<string, string | undefined>): Partial<LinkLimits> | undefined {
  const limits: Partial<LinkLimits> = {};
  const idle = seconds(env, "P2PCHAT_IDLE_TIMEOUT_S");
  if (idle !== undefined) Object.assign(limits, { idleTimeoutMs: idle * 1000, keepaliveMs: (idle * 1000) / 3 });
  const handshake = seconds(env, "P2PCHAT_HANDSHAKE_TIMEOUT_S");
  if (handshake !== undefined) limits.handshakeMs = handshake * 1000;
  return Object.keys(limits).length > 0 ? limits : undefined;
}

function seconds(env: Record<string, string | undefined>, name: string): number | undefined {
  const text = env[name];
  if (text === undefined || text === "") return undefined;
  const s = Number(text);
  if (!Number.isFinite(s) || s <= 0) throw new UsageError(`${name}=${JSON.stringify(text)}: a number of seconds above 0`, "p2pchat serve");
  return s;
}
