// Validation of the addresses people type (hosts, ports, HOST:PORT), and how
// an address is written back.
import { NodeError } from "./node-error.ts";

export const DEFAULT_PORT = 20001;

export interface HostPort {
  /** IPv4, IPv6 (no brackets) or a DNS name, lower-cased. */
  host: string;
  port: number;
}

/** A port a peer listens on: 1..65535. */
export function parsePort(text: string | number): number {
  const s = String(text).trim();
  if (!/^\d{1,5}$/.test(s)) throw NodeError.badPort(String(text));
  const n = Number(s);
  if (n < 1 || n > 65535) throw NodeError.badPort(String(text));
  return n;
}

/** Our own listening port: as parsePort, but 0 (any free port) is allowed too. */
export function parseListenPort(text: string | number): number {
  if (String(text).trim() === "0") return 0;
  return parsePort(text);
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

export function isIPv4(s: string): boolean {
  return IPV4.test(s);
}

export function isIPv6(s: string): boolean {
  if (!/^[0-9a-f:.]+$/i.test(s) || !s.includes(":")) return false;
  // Let the URL parser decide: it implements the full RFC 4291 grammar.
  try {
    return new URL(`http://[${s}]/`).hostname.length > 2;
  } catch {
    return false;
  }
}

function isDnsName(s: string): boolean {
  if (s.length > 253) return false;
  const labels = s.replace(/\.$/, "").split(".");
  // An all-numeric name would be a malformed IPv4 address, not a host name.
  if (labels.every((l) => /^\d+$/.test(l))) return false;
  return labels.every((l) => LABEL.test(l));
}

/** A host alone: IPv4, IPv6 (bracketed or not) or a DNS name. */
export function parseHost(text: string): string {
  let s = text.trim().toLowerCase();
  if (s.startsWith("[") && s.endsWith("]")) {
    s = s.slice(1, -1);
    if (!isIPv6(s)) throw NodeError.badAddress(text, "not an IPv6 address inside the brackets");
    return s;
  }
  if (isIPv4(s) || isIPv6(s) || isDnsName(s)) return s;
  throw NodeError.badAddress(text, "expected an IPv4 address, a bracketed IPv6 address or a host name");
}

/** `HOST:PORT`, with IPv6 in brackets: `[::1]:20001`. */
export function parseHostPort(text: string): HostPort {
  const s = text.trim();
  const m = /^(\[[^\]]*\]|[^:\s]+):([^:]*)$/.exec(s);
  if (!m) {
    if (/^[^[].*:.*:/.test(s)) throw NodeError.badAddress(text, "put an IPv6 address in brackets: [2001:db8::1]:20001");
    throw NodeError.badAddress(text, "expected HOST:PORT, for example 192.168.1.20:20001");
  }
  return { host: parseHost(m[1]!), port: parsePort(m[2]!) };
}

export function formatHostPort(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

/** `::ffff:127.0.0.1` and `127.0.0.1` are the same peer address. */
export function normalizeHost(host: string): string {
  const h = host.toLowerCase();
  return h.startsWith("::ffff:") && h.includes(".") ? h.slice(7) : h;
}
