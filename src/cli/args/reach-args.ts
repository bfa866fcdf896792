// The options of commands that run a node (serve, chat) for finding and
// being found: each overrides its config setting for this run.
import type { ArgsDef } from "citty";
import type { Config } from "../../home/home.ts";
import type { ReachOptions } from "../../reach/reach-service.ts";
import { parseBootstrap } from "../../reach/dht/dht-bootstrap.ts";
import { ReachError } from "../../reach/reach-error.ts";
import { parseRelayUri } from "../../reach/relay/uri.ts";
import { UsageError } from "../exit-codes.ts";

export const reachArgs = {
  lan: { type: "boolean", description: "Announce yourself on the LAN and hear others (UDP 20021); --no-lan: not this run" },
  upnp: { type: "boolean", description: "Ask your router to forward your port (UPnP, NAT-PMP); --no-upnp: not this run" },
  dht: { type: "boolean", description: "Publish your addresses on the BitTorrent DHT and look contacts up there; --no-dht: not this run" },
  "dht-bootstrap": { type: "string", description: "DHT nodes to start from instead of the public routers", valueHint: "HOST:PORT,..." },
  relay: { type: "string", description: "A relay to stay joined to, so peers reach you when nothing else works (repeatable; default: the config's)", valueHint: "relay://HOST:PORT/?id=ID" },
  "relay-for-contacts": { type: "boolean", description: "Relay for your contacts (only them) while the internet reaches you directly; --no-relay-for-contacts: not this run" },
} as const satisfies ArgsDef;

type ReachArgs = { lan?: boolean; upnp?: boolean; dht?: boolean; "dht-bootstrap"?: string; "relay-for-contacts"?: boolean };

/** Every `--relay URI` (and `--relay=URI`) given; citty keeps only the last. */
export function relayFlags(rawArgs: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < rawArgs.length; i++) {
    const a = rawArgs[i]!;
    if (a === "--") break;
    if (a === "--relay" && rawArgs[i + 1] !== undefined) out.push(rawArgs[++i]!);
    else if (a.startsWith("--relay=")) out.push(a.slice("--relay=".length));
  }
  return out;
}

/** The flags given, else the config's settings. */
export function reachOptions(args: ReachArgs, config: Config, rawArgs: readonly string[] = []): ReachOptions {
  const text = args["dht-bootstrap"] ?? (config.dhtBootstrap.length > 0 ? config.dhtBootstrap.join(",") : undefined);
  let dhtBootstrap;
  try {
    dhtBootstrap = text !== undefined ? parseBootstrap(text) : undefined;
  } catch (err) {
    if (err instanceof ReachError) throw new UsageError(err.message, "p2pchat serve");
    throw err;
  }
  const portmap = portmapKnobs(process.env);
  const punchRetryMs = punchKnob(process.env);
  const given = relayFlags(rawArgs);
  const relays = (given.length > 0 ? given : config.relays).map((text) => {
    try {
      return parseRelayUri(text);
    } catch (err) {
      throw new UsageError((err as Error).message, "p2pchat serve");
    }
  });
  return {
    lan: args.lan ?? config.lan,
    upnp: args.upnp ?? config.upnp,
    dht: args.dht ?? config.dht,
    dhtBootstrap,
    relays,
    relayForContacts: {
      on: args["relay-for-contacts"] ?? config.relayForContacts,
      sessions: config.relayForContactsSessions,
      rate: config.relayForContactsRate === 0 ? null : config.relayForContactsRate * 1024,
    },
    ...(portmap ? { portmap } : {}),
    ...(punchRetryMs ? { punchRetryMs } : {}),
  };
}

/**
 * For tests, not users: P2PCHAT_PUNCH_RETRY_S=SECONDS makes a node whose
 * hole punching failed three times try again after that long (default 1, 5,
 * then 30 minutes), so a test that opens the way later need not wait.
 */
export function punchKnob(env: Record<string, string | undefined>): number | undefined {
  const text = env.P2PCHAT_PUNCH_RETRY_S;
  if (text === undefined || text === "") return undefined;
  const s = Number(text);
  if (!Number.isFinite(s) || s <= 0) throw new UsageError(`P2PCHAT_PUNCH_RETRY_S=${JSON.stringify(text)}: a number of seconds above 0`, "p2pchat serve");
  return s * 1000;
}

/**
 * For tests, not users: P2PCHAT_PORTMAP_CHECK_S=SECONDS makes the port mapper
 * reread the gateway's public address that often (default 60 s), so a test
 * that changes a router's WAN address need not wait a minute.
 */
export function portmapKnobs(env: Record<string, string | undefined>): ReachOptions["portmap"] | undefined {
  const text = env.P2PCHAT_PORTMAP_CHECK_S;
  if (text === undefined || text === "") return undefined;
  const checkSeconds = Number(text);
  if (!Number.isFinite(checkSeconds) || checkSeconds <= 0) throw new UsageError(`P2PCHAT_PORTMAP_CHECK_S=${JSON.stringify(text)}: a number of seconds above 0`, "p2pchat serve");
  return { checkSeconds };
}
