// `p2pchat relay`: run a relay for friends whose peers cannot reach each
// other directly. It speaks Syncthing's relay protocol v1 (strelaysrv's), so
// p2pchat peers and Syncthing clients can both use it; it only copies TLS
// bytes it cannot read. Its identity lives in HOME/relay (not the user's).
import { defineCommand } from "citty";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { logger } from "../log.ts";
import { onStopSignals } from "../signals.ts";
import { parseHost, parseHostPort, parseListenPort } from "../domain/host-port.ts";
import { resolveHome } from "../home/home.ts";
import { DEFAULT_MAX_MEMBERS, DEFAULT_MAX_SESSIONS, RelayServer } from "../relay-server/relay-server.ts";
import { advertised, widestScope } from "../reach/net/addresses.ts";
import { DEFAULT_RELAY_PORT, formatRelayUri, type RelayAddress } from "../reach/relay/uri.ts";
import { createIdentity, identityExists, loadIdentity } from "../transport/identity.ts";
import { UsageError } from "./exit-codes.ts";
import { globalArgs, globals } from "./args/globals.ts";

function count(flag: string, text: string | undefined, dflt: number): number {
  if (text === undefined) return dflt;
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n < 1) throw new UsageError(`--${flag} ${JSON.stringify(text)}: a whole number from 1`, "p2pchat relay");
  return n;
}

/** KiB/s to bytes/s; unset or 0 means unlimited. */
function rate(flag: string, text: string | undefined): number | null {
  if (text === undefined) return null;
  const n = Number(text);
  if (text.trim() === "" || !Number.isFinite(n) || n < 0) throw new UsageError(`--${flag} ${JSON.stringify(text)}: KiB per second, a number from 0 (0: unlimited)`, "p2pchat relay");
  return n === 0 ? null : Math.max(1, Math.round(n * 1024));
}

/**
 * What an operator gives peers: one URI per address this machine can be
 * reached at (as serve's lines), not the 0.0.0.0 it listens on; the first is
 * the ready line. Behind NAT, none of them works from outside, and it says so.
 */
export function readyLines(a: RelayAddress, host: string): string {
  const hosts = advertised({ host, port: a.port }).map((hp) => parseHostPort(hp).host);
  const uris = hosts.map((h) => formatRelayUri({ ...a, host: h }));
  const lines = [`ready: relay ${uris[0]}`, ...uris.slice(1).map((u) => `also at: ${u}`)];
  if (widestScope(hosts) !== "public") {
    lines.push(`none of these is a public address: for peers outside this network, forward TCP port ${a.port} on your router to this machine and give them relay://YOUR-PUBLIC-IP:${a.port}/?id=${a.id}`);
  }
  return lines.join("\n") + "\n";
}

export default defineCommand({
  meta: { name: "relay", description: "Run a relay (Syncthing relay protocol v1) so peers behind NAT can reach each other through it" },
  args: {
    port: { type: "string", description: `Port to listen on (default ${DEFAULT_RELAY_PORT}; 0 picks a free one)`, valueHint: "N" },
    host: { type: "string", description: "Address to listen on (default 0.0.0.0)", valueHint: "ADDR" },
    "max-sessions": { type: "string", description: `Relayed sessions at once (default ${DEFAULT_MAX_SESSIONS})`, valueHint: "N" },
    "max-members": { type: "string", description: `Peers joined and waiting for sessions (default ${DEFAULT_MAX_MEMBERS})`, valueHint: "N" },
    rate: { type: "string", description: "Limit per session, in KiB/s (default unlimited)", valueHint: "KiB/s" },
    "global-rate": { type: "string", description: "Limit for all sessions together, in KiB/s (default unlimited)", valueHint: "KiB/s" },
    ...globalArgs,
  },
  async run({ args }) {
    const port = args.port !== undefined ? parseListenPort(args.port) : DEFAULT_RELAY_PORT;
    const host = args.host !== undefined ? parseHost(args.host) : "0.0.0.0";
    const maxSessions = count("max-sessions", args["max-sessions"], DEFAULT_MAX_SESSIONS);
    const maxMembers = count("max-members", args["max-members"], DEFAULT_MAX_MEMBERS);
    const sessionRate = rate("rate", args.rate);
    const globalRate = rate("global-rate", args["global-rate"]);
    const dir = join(resolveHome(globals().home), "relay");
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const identity = identityExists(dir) ? await loadIdentity(dir) : await createIdentity(dir, "p2pchat relay");
    const log = logger.withTag("relay");
    const short = (id: string) => id.split("-")[0];
    const server = RelayServer.start({
      identity,
      host,
      port,
      maxSessions,
      maxMembers,
      sessionRate,
      globalRate,
      // strelaysrv -debug: each member and session, with --debug.
      onEvent: (e) => {
        if (e.type === "joined") log.debug(`${short(e.id)} joined from ${e.address}`);
        else if (e.type === "left") log.debug(`${short(e.id)} left`);
        else if (e.type === "refused") log.debug(`${short(e.id)} refused: ${e.why}`);
        else if (e.type === "invited") log.debug(`session ${short(e.from)} -> ${short(e.to)}: invited`);
        else if (e.type === "not-found") log.debug(`session ${short(e.from)} -> ${short(e.to)}: not joined here`);
        else log.debug(`session ${short(e.from)} -> ${short(e.to)}: ended, ${e.bytes} bytes${e.ms === null ? " (never joined by both)" : ` in ${(e.ms / 1000).toFixed(1)} s`}`);
      },
    });
    await new Promise<void>((resolve) => process.stdout.write(readyLines(server.address, host), () => resolve()));

    const done = Promise.withResolvers<void>();
    let stopping = false;
    const shutdown = async (signal: string) => {
      if (stopping) return;
      stopping = true;
      logger.debug(`${signal}: stopping the relay`);
      await server.stop();
      process.stderr.write("p2pchat: relay stopped\n");
      done.resolve();
    };
    onStopSignals((signal) => void shutdown(signal));
    await done.promise;
  },
});
