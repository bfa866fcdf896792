// The handshake budget: how many connections may be in TCP, TLS or hello at
// once, and who gets the room when a flood of half-open connections fills
// it. A flood from one address once kept every new peer out (1,100 half-open
// connections against one global cap), and a restarted honest node took
// 18 s to link. Now:
//   - below half the budget, anyone may connect;
//   - above it (pressure), each source (an IPv4 address, an IPv6 /64) holds
//     at most HANDSHAKE_SHARE: a source at its share that connects again
//     replaces its own oldest connection still in TCP/TLS, and the handshake
//     deadline drops to PRESSURE_HANDSHAKE_MS;
//   - at the full budget, a new connection replaces the oldest one still in
//     TCP/TLS of the busiest source instead of being dropped.
// An honest peer finishes TLS in milliseconds, and from then on is never the
// one replaced: it gets in however long the flood goes on.
import type { Link } from "./link.ts";

/** Connections still in TLS or hello at once (fan-in is measured at 1,000 peers). */
export const MAX_HANDSHAKES = 1_024;
/** From this many, the budget is under pressure. */
export const PRESSURE_AT = MAX_HANDSHAKES / 2;
/** Handshakes one source may hold under pressure. */
export const HANDSHAKE_SHARE = 64;
/** The handshake deadline under pressure (unless the configured one is shorter). */
export const PRESSURE_HANDSHAKE_MS = 2_000;

export class HandshakeBudget {
  /** Inbound links not yet open, by source, oldest first. Open and closed ones are pruned as met. */
  private readonly bySource = new Map<string, Set<Link>>();

  constructor(private readonly links: ReadonlySet<Link>) {}

  /** Links of either direction still handshaking; counted exactly only near the pressure mark. */
  busy(): number {
    if (this.links.size < PRESSURE_AT) return this.links.size;
    let n = 0;
    for (const l of this.links) if (l.state !== "open" && l.state !== "closed") n++;
    return n;
  }

  /** The handshake deadline for inbound links now. */
  deadline(configured: number): number {
    return this.busy() >= PRESSURE_AT ? Math.min(configured, PRESSURE_HANDSHAKE_MS) : configured;
  }

  /** Room for a new connection from `address`: true (perhaps after dropping another), or false to refuse it. */
  admit(address: string): boolean {
    const busy = this.busy();
    if (busy < PRESSURE_AT) return true;
    const mine = this.pending(sourceOf(address));
    if (mine.size >= HANDSHAKE_SHARE) return this.evictOldest(mine);
    if (busy < MAX_HANDSHAKES) return true;
    return this.evictOldest(this.busiest());
  }

  /** An inbound link accepted: tracked until it opens or closes. */
  add(link: Link): void {
    const source = sourceOf(link.remoteHost);
    let set = this.bySource.get(source);
    if (!set) this.bySource.set(source, (set = new Set()));
    set.add(link);
  }

  forget(link: Link): void {
    const source = sourceOf(link.remoteHost);
    const set = this.bySource.get(source);
    if (!set) return;
    set.delete(link);
    if (set.size === 0) this.bySource.delete(source);
  }

  private pending(source: string): Set<Link> {
    const set = this.bySource.get(source) ?? new Set<Link>();
    for (const l of set) if (l.state === "open" || l.state === "closed") set.delete(l);
    return set;
  }

  private busiest(): Set<Link> {
    let best = new Set<Link>();
    for (const source of [...this.bySource.keys()]) {
      const set = this.pending(source);
      if (set.size === 0) this.bySource.delete(source);
      else if (set.size > best.size) best = set;
    }
    return best;
  }

  /** Drops the oldest link of `set` still in TCP/TLS; false when there is none (all are past TLS). */
  private evictOldest(set: Set<Link>): boolean {
    for (const l of set) {
      if (l.state !== "handshake") continue;
      set.delete(l);
      l.drop("OVERLOADED", "too many handshakes at once: the oldest one still in TLS made room for a new one");
      return true;
    }
    return false;
  }
}

/** Who a connection counts against: an IPv4 address, or an IPv6 /64 (one host usually has a whole /64). */
export function sourceOf(address: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  if (mapped) return mapped[1]!;
  if (!address.includes(":")) return address;
  const [head = "", tail] = address.toLowerCase().split("::");
  const groups = head ? head.split(":") : [];
  if (tail !== undefined) {
    const rest = tail ? tail.split(":") : [];
    const width = rest.reduce((n, g) => n + (g.includes(".") ? 2 : 1), 0);
    groups.push(...Array<string>(Math.max(0, 8 - groups.length - width)).fill("0"), ...rest);
  }
  return `${groups
    .slice(0, 4)
    .map((g) => (g.includes(".") ? g : g.replace(/^0+(?=.)/, "")))
    .join(":")}::/64`;
}
