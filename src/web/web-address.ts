// Where the page listens, and which Host headers it answers. Loopback by
// default; another address only with a password (web-server.ts says so at
// start). The Host check is what stops DNS rebinding: a page on
// evil.example whose name is made to point at 127.0.0.1 reaches our port,
// but its requests say `Host: evil.example`, and those get 403 (Syncthing's
// localhostMiddleware; Transmission's CVE-2018-5702 is what happens without).
import { formatHostPort, parseHost, parseListenPort } from "../domain/host-port.ts";
import { NodeError } from "../domain/node-error.ts";
import { WEB_DEFAULT } from "../home/home.ts";
import { isLoopback, isUnspecified, parseIp } from "../reach/net/ip.ts";
/** What the setting says for no page at all. */
export const WEB_OFF = "off";

export interface WebBind {
  /** An IP address or `localhost`, lower-cased, IPv6 without brackets. */
  host: string;
  /** 0: any free port. */
  port: number;
}

/** `HOST:PORT` (or `off`, then null), as `--web` and the config's `web` take it. */
export function parseWebBind(text: string): WebBind | null {
  const s = text.trim();
  if (s.toLowerCase() === WEB_OFF) return null;
  const m = /^(\[[^\]]*\]|[^:\s]+):([^:]*)$/.exec(s);
  if (!m) throw NodeError.badAddress(text, `expected HOST:PORT for the page, for example ${WEB_DEFAULT}, or "off"`);
  const host = parseHost(m[1]!);
  if (host !== "localhost" && !parseIp(host)) throw NodeError.badAddress(text, "the page listens on an IP address (or localhost), not a host name");
  return { host, port: parseListenPort(m[2]!) };
}

/** True when only this machine can open the page: a loopback address, or `localhost`. */
export function isLoopbackBind(host: string): boolean {
  if (host === "localhost") return true;
  const ip = parseIp(host);
  return ip !== null && isLoopback(ip);
}

/** `http://HOST:PORT`, for a browser on this machine (an address on every interface is opened at 127.0.0.1). */
export function pageOrigin(bind: WebBind): string {
  const ip = parseIp(bind.host);
  const host = ip && isUnspecified(ip) ? (ip.byteLength === 16 ? "::1" : "127.0.0.1") : bind.host;
  return `http://${formatHostPort(host, bind.port)}`;
}

/**
 * Whether a request's Host header names this page: the port it listens on,
 * and a loopback name or address. Bound beyond loopback (with a password),
 * any IP address too: a DNS name can be pointed anywhere, an address cannot.
 */
export function hostAllowed(header: string | null, bind: WebBind): boolean {
  if (!header) return false;
  const m = /^(\[[^\]]+\]|[^:[\]]+)(?::(\d{1,5}))?$/.exec(header.trim().toLowerCase());
  if (!m) return false;
  const port = m[2] === undefined ? 80 : Number(m[2]);
  if (port !== bind.port) return false;
  const name = m[1]!.replace(/^\[|\]$/g, "");
  if (name === "localhost" || name === "localhost." || name.endsWith(".localhost")) return true;
  const ip = parseIp(name);
  if (!ip) return false;
  return isLoopback(ip) || !isLoopbackBind(bind.host);
}
