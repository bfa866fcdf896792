// `p2pchat relay`: run a relay for friends whose peers cannot reach each
// other directly. It speaks Syncthing's relay protocol v1 (strelaysrv's), so
// p2pchat peers and Syncthing clients can both use it; it only copies TLS
// bytes it cannot read. Its identity lives in HOME/relay (not the user's).
import { defineCommand } from "citty";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { logger } from "../log.ts";
import { onStopSignals } from "../signals.ts";
import { parseHost, parseListenPort } from "../domain/host-port.ts";
import { resolveHome } from "../home/home.ts";
import { DEFAULT_MAX_MEMBERS, DEFAULT_MAX_SESSIONS, RelayServer } from "../relay-server/relay-server.ts";
import { DEFAULT_RELAY_PORT } from "../reach/relay/uri.ts";
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
    const server = RelayServer.start({ identity, host, port, maxSessions, maxMembers, sessionRate, globalRate });
    const unspecified = host === "0.0.0.0" || host === "::";
    const hint = unspecified ? ` (give peers this machine's public address in place of ${server.address.host})` : "";
    await new Promise<void>((resolve) => process.stdout.write(`ready: relay ${server.uri}${hint}\n`, () => resolve()));

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
