// Addresses that come from outside (a DHT record, a hello, a LAN beacon, an
// invite, a relay) are hints about where a peer listens, and we dial them
// with our certificate. One judge for all of them, so that no path lets a
// peer, or whoever forges its record or beacon, point our node at places
// that are never a peer elsewhere:
//
//   unspecified 0.0.0.0/8, ::        a dial reaches this machine
//   loopback 127/8, ::1, localhost   this machine: only from a loopback source
//   multicast 224/4, ff00::/8        never one host
//   broadcast 255.255.255.255, 240/4 never one host (or reserved)
//   link-local 169.254/16, fe80::/10 cloud metadata (169.254.169.254) lives
//                                    there; IPv6 link-local only with a zone
//                                    WE set (the interface a LAN beacon came
//                                    in on), never one a peer wrote
//   0x7f.1, 2130706433, ...          IPv4 in a form other than a.b.c.d: a
//                                    resolver reads it as an address
//
// A DNS name other than localhost passes: it is resolved when dialed (see
// the README's note on what this filter does not catch). Pure: no I/O.
import { isLimitedBroadcast, isLinkLocal, isLoopback, isMulticast, isUnspecified, parseIp } from "./ip.ts";

/** Addresses taken from one record, hello, beacon or invite; the address book keeps at most 16 per contact. */
export const MAX_WIRE_ADDRESSES = 16;

export interface WireOrigin {
  /** What carried it came over loopback (peers on one machine, as in tests): loopback addresses are then allowed. */
  fromLoopback: boolean;
  /** The zone on an IPv6 link-local address is ours (a beacon's source, with the interface it came in on). */
  ownZone?: boolean;
}

export interface HostPort {
  host: string;
  port: number;
}

/** Why `host` (an IP literal without brackets, with or without a zone, or a DNS name) is not to be dialed; null when it may be. */
export function wireHostProblem(host: string, origin: WireOrigin): string | null {
  const h = host.toLowerCase().replace(/\.$/, "");
  const [ipText, zone] = h.split("%") as [string, string | undefined];
  const parsed = parseIp(ipText);
  if (!parsed) {
    if (zone !== undefined) return "not an address";
    if (h === "localhost" || h.endsWith(".localhost")) return origin.fromLoopback ? null : "loopback (localhost) from a peer elsewhere";
    if (numericLooking(h)) return "an IPv4 address written other than a.b.c.d";
    return null;
  }
  // ::ffff:a.b.c.d is a.b.c.d.
  const ip = parsed.byteLength === 16 && parsed.subarray(0, 10).every((x) => x === 0) && parsed[10] === 0xff && parsed[11] === 0xff ? parsed.subarray(12) : parsed;
  if (isUnspecified(ip) || (ip.byteLength === 4 && ip[0] === 0)) return "unspecified";
  if (isLoopback(ip)) return origin.fromLoopback ? null : "loopback from a peer elsewhere";
  if (isMulticast(ip)) return "multicast";
  if (isLimitedBroadcast(ip) || (ip.byteLength === 4 && ip[0]! >= 240)) return "broadcast or reserved";
  if (isLinkLocal(ip)) {
    if (ip.byteLength === 16 && zone && origin.ownZone) return null;
    return "link-local";
  }
  if (zone !== undefined) return "a zone on an address that is not link-local";
  return null;
}

/** 127/8, ::1, ::ffff:127.x and localhost names: what a source must be for loopback addresses to be taken from it. */
export function isLoopbackHost(host: string): boolean {
  return wireHostProblem(host, { fromLoopback: false }) !== null && wireHostProblem(host, { fromLoopback: true }) === null;
}

/** As wireHostProblem, for `host:port`; the port must be 1..65535. */
export function wireAddressProblem(a: HostPort, origin: WireOrigin): string | null {
  if (!Number.isInteger(a.port) || a.port < 1 || a.port > 65535) return "no port";
  return wireHostProblem(a.host, origin);
}

/** The addresses of `list` that may be dialed, in order, without repeats, at most `max`. */
export function screenAddresses<T extends HostPort>(list: Iterable<T>, origin: WireOrigin, max = MAX_WIRE_ADDRESSES): T[] {
  const out: T[] = [];
  const seen = new Set<string>();
  for (const a of list) {
    if (out.length >= max) break;
    const key = `${a.host.toLowerCase()}|${a.port}`;
    if (seen.has(key) || wireAddressProblem(a, origin) !== null) continue;
    seen.add(key);
    out.push(a);
  }
  return out;
}

/** `HOST:PORT` or `[V6]:PORT` (a zone allowed inside the brackets) as host and port; null when it is not that shape. */
export function splitHostPort(text: string): HostPort | null {
  const m = /^(?:\[([0-9a-fA-F:.]+(?:%[\w.-]+)?)\]|([^\s:[\]/%]+)):(\d{1,5})$/.exec(text.trim());
  if (!m) return null;
  const port = Number(m[3]);
  if (port < 1 || port > 65535) return null;
  return { host: (m[1] ?? m[2]!).toLowerCase(), port };
}

/** inet_aton reads "0x7f.1", "127.1" and "2130706433" as IPv4: names made only of such parts are addresses in disguise. */
function numericLooking(h: string): boolean {
  const parts = h.split(".");
  return parts.length <= 4 && parts.every((p) => /^(0x[0-9a-f]*|\d+)$/i.test(p));
}
