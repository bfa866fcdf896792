// Where a DHT client starts: the nodes a user named (--dht-bootstrap, a
// config setting), else the public mainline routers, but only while
// discovery is allowed (P2PCHAT_DISCOVERY=off keeps tests and benchmarks
// off the public DHT). An empty answer means: no DHT.
import { discoveryAllowed } from "../discovery-switch.ts";
import { ReachError } from "../reach-error.ts";

export interface BootstrapNode {
  host: string;
  port: number;
}

/** The routers BitTorrent clients (and pkarr) start from. */
export const MAINLINE_ROUTERS: readonly BootstrapNode[] = [
  { host: "router.bittorrent.com", port: 6881 },
  { host: "dht.transmissionbt.com", port: 6881 },
  { host: "dht.libtorrent.org", port: 25401 },
  { host: "router.utorrent.com", port: 6881 },
];

/** `HOST:PORT,HOST:PORT`: IPv4 or a host name (bittorrent-dht speaks UDP over IPv4 only). */
export function parseBootstrap(text: string): BootstrapNode[] {
  const nodes: BootstrapNode[] = [];
  for (const part of text.split(",").map((p) => p.trim())) {
    if (part === "") continue;
    const m = /^([a-zA-Z0-9.-]+):(\d{1,5})$/.exec(part);
    const port = m ? Number(m[2]) : 0;
    if (!m || port < 1 || port > 65535) {
      const why = part.includes("[") || (part.match(/:/g)?.length ?? 0) > 1 ? "IPv6 is not supported by the DHT client" : "expected HOST:PORT";
      throw new ReachError("BAD_BOOTSTRAP", `invalid DHT bootstrap node ${JSON.stringify(part)}: ${why}`);
    }
    nodes.push({ host: m[1]!.toLowerCase(), port });
  }
  if (nodes.length === 0) throw new ReachError("BAD_BOOTSTRAP", `no DHT bootstrap node in ${JSON.stringify(text)}: expected HOST:PORT,...`);
  return nodes;
}

/** The bootstrap list to use: the explicit one if given, else the mainline routers if allowed, else []. */
export function chooseBootstrap(explicit: readonly BootstrapNode[] | undefined, env: Record<string, string | undefined> = process.env): BootstrapNode[] {
  if (explicit && explicit.length > 0) return [...explicit];
  return discoveryAllowed(env) ? [...MAINLINE_ROUTERS] : [];
}

/** Why there is no DHT, for an error message. */
export function noDhtReason(env: Record<string, string | undefined> = process.env): string {
  return discoveryAllowed(env)
    ? "no DHT bootstrap node given"
    : "discovery is off (P2PCHAT_DISCOVERY=off) and no --dht-bootstrap HOST:PORT was given, so the public DHT is not used";
}
