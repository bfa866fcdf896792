// Where this node can be reached, as addresses to put in invites and hellos:
// the address it listens on, or, listening on every interface, each IPv4
// address and each IPv6 address that is not link-local of this machine,
// those the internet can reach first. A public mapped address (port
// mapping) is added by the node when it has one. And how far each address
// carries, so that a record for the whole internet holds only what the
// internet can dial.
import { readFileSync } from "node:fs";
import { networkInterfaces } from "node:os";
import { formatHostPort } from "../../domain/host-port.ts";
import { formatIp, isLinkLocal, isLoopback, isMulticast, isUnspecified, parseIp } from "./ip.ts";

export interface ListenAddress {
  host: string;
  port: number;
}

/**
 * How far an address carries: this machine only, one link (needs a zone),
 * a private network (RFC 1918, the 100.64/10 shared space behind carrier-grade
 * NAT, IPv6 ULA fc00::/7), or the internet. "none" for what nobody can dial.
 */
export type AddressScope = "loopback" | "link" | "lan" | "public" | "none";

/** The scope of an IP literal (a zone is ignored); a host name counts as public. */
export function addressScope(host: string): AddressScope {
  const ip = parseIp(host.replace(/^\[|\]$/g, "").replace(/%.*$/, ""));
  if (!ip) return /^[a-z0-9.-]+$/i.test(host) && /[a-z]/i.test(host) ? "public" : "none";
  const b = ip.byteLength === 16 && ip.subarray(0, 10).every((x) => x === 0) && ip[10] === 0xff && ip[11] === 0xff ? ip.subarray(12) : ip;
  if (isUnspecified(b) || isMulticast(b)) return "none";
  if (isLoopback(b)) return "loopback";
  if (isLinkLocal(b)) return "link";
  if (b.byteLength === 4) {
    const [x, y] = [b[0]!, b[1]!];
    if (x === 0 || x >= 240) return "none";
    if (x === 10 || (x === 172 && y >= 16 && y < 32) || (x === 192 && y === 168) || (x === 100 && y >= 64 && y < 128)) return "lan";
    return "public";
  }
  return (b[0]! & 0xfe) === 0xfc ? "lan" : "public";
}

const REACH: Record<AddressScope, number> = { none: -1, link: -1, loopback: 0, lan: 1, public: 2 };

/**
 * The addresses (`host:port`) worth telling whoever sits at `audience`: a
 * record on the public DHT carries only what the internet can dial; on a
 * DHT of one's own on loopback (tests) or on a LAN, the narrower ones too.
 * Never link-local (a zone means nothing elsewhere) nor unspecified.
 */
export function reachableFrom(addresses: readonly string[], audience: AddressScope): string[] {
  const need = Math.max(0, REACH[audience]);
  return addresses.filter((a) => REACH[addressScope(a.slice(0, a.lastIndexOf(":")))] >= need);
}

/** The widest scope among `hosts` (the nodes of a DHT, say): who can be reached from there. */
export function widestScope(hosts: readonly string[]): AddressScope {
  let best: AddressScope = "loopback";
  for (const h of hosts) {
    const s = addressScope(h);
    if (REACH[s] > REACH[best]) best = s;
  }
  return best;
}

/**
 * This machine's addresses a peer might dial, those the internet can reach
 * first, IPv4 before IPv6 within a scope. Node's list leaves out interfaces
 * without carrier; when that leaves nothing (a cable not plugged in yet, a
 * namespace whose veth peer is down), the addresses configured on them are
 * still where the node will listen, and better than loopback.
 */
export function interfaceAddresses(): string[] {
  const live: string[] = [];
  for (const list of Object.values(networkInterfaces())) {
    for (const i of list ?? []) {
      if (!i.internal && (i.family === "IPv4" || i.family === "IPv6")) live.push(i.address);
    }
  }
  return bestFirst(live.length > 0 ? live : configuredAddresses());
}

/** Without loopback and link-local, deduplicated, the internet's first, IPv4 before IPv6. */
export function bestFirst(hosts: readonly string[]): string[] {
  const rank = (h: string) => (addressScope(h) === "public" ? 0 : 2) + (h.includes(":") ? 1 : 0);
  const usable = [...new Set(hosts)].filter((h) => REACH[addressScope(h)] > 0);
  return usable.map((h, i) => ({ h, i })).sort((a, b) => rank(a.h) - rank(b.h) || a.i - b.i).map((x) => x.h);
}

/** What to advertise for a listener: its own address, or every interface's when it listens on all. */
export function advertised(listen: ListenAddress | null, extra: readonly string[] = []): string[] {
  if (!listen || listen.port <= 0) return [...extra];
  const all = listen.host === "0.0.0.0" || listen.host === "::" || listen.host === "";
  const hosts = all ? interfaceAddresses() : [listen.host];
  if (hosts.length === 0) hosts.push("127.0.0.1");
  return [...new Set([...extra, ...hosts.map((h) => formatHostPort(h, listen.port))])];
}

/** Linux: every address configured on an interface, carrier or not (empty elsewhere, or when /proc cannot be read). */
export function configuredAddresses(): string[] {
  if (process.platform !== "linux") return [];
  const read = (path: string) => {
    try {
      return readFileSync(path, "utf8");
    } catch {
      return "";
    }
  };
  return [...parseFibTrie(read("/proc/net/fib_trie")), ...parseIfInet6(read("/proc/net/if_inet6"))];
}

/** /proc/net/fib_trie: the local IPv4 addresses ("|-- A.B.C.D" then "/32 host LOCAL"), loopback left out. */
export function parseFibTrie(text: string): string[] {
  const out = new Set<string>();
  let last: string | null = null;
  for (const line of text.split("\n")) {
    const leaf = /\|--\s+(\d+\.\d+\.\d+\.\d+)\s*$/.exec(line);
    if (leaf) {
      last = leaf[1]!;
      continue;
    }
    if (last && /^\s*\/32 host LOCAL\s*$/.test(line) && addressScope(last) !== "loopback") out.add(last);
  }
  return [...out];
}

/** /proc/net/if_inet6: "HEX32 IFINDEX PREFIXLEN SCOPE FLAGS NAME"; the global ones (scope 00). */
export function parseIfInet6(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split("\n")) {
    const f = line.trim().split(/\s+/);
    if (f.length < 6 || !/^[0-9a-f]{32}$/i.test(f[0]!) || f[3] !== "00") continue;
    const bytes = Uint8Array.from(f[0]!.match(/../g)!.map((h) => parseInt(h, 16)));
    out.push(formatIp(bytes));
  }
  return out;
}
