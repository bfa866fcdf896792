// Where others see us. Behind NAT a node cannot see its own public address;
// the peers it links to directly can (the `seen` field of their hellos), as
// could a relay or a DHT node. Those reports are hints, each from one
// source: a liar can at most make a hole-punching attempt fail, so the
// freshest few are kept and offered, and the TLS pin on whatever link they
// lead to still decides who answers. (libp2p's identify "observed address",
// in DCUtR's role: the candidates a punch offers.)
import { formatHostPort } from "../../domain/host-port.ts";
import { addressScope, type AddressScope } from "../net/addresses.ts";
import { parseIp } from "../net/ip.ts";
import { splitHostPort } from "../net/wire-address.ts";

/** A report older than this is forgotten: a home's public address changes with its lease, and the router's mapping with it. */
export const OBSERVED_TTL_MS = 30 * 60_000;
/** Addresses kept (the freshest); a punch offers at most CANDIDATES of them. */
const KEEP = 8;
export const CANDIDATES = 2;

interface Report {
  ip: string;
  scope: AddressScope;
  at: number;
  /** Who told us (a peer id, "relay HOST:PORT", "dht"): one source's word counts once per address. */
  from: string;
}

export class ObservedAddresses {
  private reports: Report[] = [];

  constructor(private readonly now: () => number = Date.now) {}

  /**
   * `hostPort` is where `from` sees us (a hello's `seen`). Only the IP is
   * kept: the port is that of one connection of ours, which a port-preserving
   * NAT gives any new connection too, but the punch picks its own. Returns
   * true when the address is new (a node may then tell its peers anew).
   */
  note(hostPort: string, from: string): boolean {
    const hp = splitHostPort(hostPort);
    if (!hp || !parseIp(hp.host)) return false;
    const scope = addressScope(hp.host);
    // One link's view only (fe80::) or nobody's: no use to a peer elsewhere.
    if (scope === "none" || scope === "link") return false;
    const ip = hp.host.replace(/^::ffff:/, "");
    const isNew = !this.fresh().some((r) => r.ip === ip);
    this.reports = [{ ip, scope, at: this.now(), from }, ...this.reports.filter((r) => !(r.ip === ip && r.from === from))].slice(0, KEEP * 2);
    return isNew;
  }

  /**
   * The IPs others see us at, the widest reach first (public before private
   * before loopback), then the most sources, then the freshest; at most `max`.
   */
  ips(max = CANDIDATES): string[] {
    const rank: Record<AddressScope, number> = { public: 0, lan: 1, loopback: 2, link: 3, none: 4 };
    const by = new Map<string, { scope: AddressScope; sources: number; at: number }>();
    for (const r of this.fresh()) {
      const e = by.get(r.ip);
      if (e) (e.sources++, (e.at = Math.max(e.at, r.at)));
      else by.set(r.ip, { scope: r.scope, sources: 1, at: r.at });
    }
    return [...by.entries()]
      .sort(([, a], [, b]) => rank[a.scope] - rank[b.scope] || b.sources - a.sources || b.at - a.at)
      .slice(0, Math.min(max, KEEP))
      .map(([ip]) => ip);
  }

  /** Where a peer may dial us for a punch from local port `port`: each IP others see us at, with that port. */
  candidates(port: number, max = CANDIDATES): string[] {
    return this.ips(max).map((ip) => formatHostPort(ip, port));
  }

  /** Public IPs others see us at (for status). */
  publicIps(): string[] {
    return this.ips(KEEP).filter((ip) => addressScope(ip) === "public");
  }

  private fresh(): Report[] {
    const since = this.now() - OBSERVED_TTL_MS;
    this.reports = this.reports.filter((r) => r.at >= since);
    return this.reports;
  }
}
