// Relay addresses as Syncthing writes them: relay://HOST:PORT/?id=RELAY-ID.
// The id is the relay's own certificate id (the SHA-256 of its certificate,
// written like a peer id) and pins the relay: the client compares it with
// the certificate the relay presents before it says anything. We require it:
// without it anyone on the path could pose as the relay and quietly drop the
// invitations meant for us. Other query parameters strelaysrv prints
// (pingInterval, networkTimeout, ...) are informational and dropped;
// `token` (strelaysrv -token) is kept.
import { parsePeerId, type PeerId } from "../../protocol/peer-id.ts";
import { wireHostProblem, type WireOrigin } from "../net/wire-address.ts";
import { RelayError } from "./relay-error.ts";

/** strelaysrv's default listen port. */
export const DEFAULT_RELAY_PORT = 22067;

export interface RelayAddress {
  /** Hostname or IP (an IPv6 address without brackets). */
  host: string;
  port: number;
  /** The relay's certificate id. */
  id: PeerId;
  /** Access token of a private relay, if it has one. */
  token: string | null;
}

export function parseRelayUri(text: string): RelayAddress {
  const t = text.trim();
  if (!/^relay:\/\//i.test(t)) throw RelayError.badUri(text, "a relay address starts with relay://");
  let u: URL;
  try {
    u = new URL(t);
  } catch (err) {
    throw RelayError.badUri(text, "not a URI (relay://HOST:PORT/?id=RELAY-ID)");
  }
  if (u.username || u.password) throw RelayError.badUri(text, "a relay address has no user name or password");
  if (u.pathname !== "" && u.pathname !== "/") throw RelayError.badUri(text, `a relay address has no path (${u.pathname})`);
  const host = u.hostname.startsWith("[") ? u.hostname.slice(1, -1) : u.hostname;
  if (!host) throw RelayError.badUri(text, "no host");
  const port = u.port === "" ? DEFAULT_RELAY_PORT : Number(u.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw RelayError.badUri(text, "the port is a whole number from 1 to 65535");
  const idText = u.searchParams.get("id");
  if (!idText) throw RelayError.badUri(text, "no ?id=RELAY-ID: the relay's id is what proves it is the relay you meant (strelaysrv and p2pchat relay print it in their URI)");
  const parsed = parsePeerId(idText);
  if (!parsed.ok) throw RelayError.badUri(text, `bad relay id: ${parsed.reason}`);
  return { host, port, id: parsed.id, token: u.searchParams.get("token") || null };
}

/** The canonical text: relay://HOST:PORT/?id=ID (and &token=T when set). */
export function formatRelayUri(r: RelayAddress): string {
  const q = new URLSearchParams({ id: r.id });
  if (r.token) q.set("token", r.token);
  return `relay://${relayHostPort(r)}/?${q.toString()}`;
}

/** HOST:PORT, with brackets around an IPv6 host: what status shows after "via relay". */
export function relayHostPort(r: { host: string; port: number }): string {
  return r.host.includes(":") ? `[${r.host}]:${r.port}` : `${r.host}:${r.port}`;
}

export function sameRelay(a: RelayAddress, b: RelayAddress): boolean {
  return a.host.toLowerCase() === b.host.toLowerCase() && a.port === b.port && a.id === b.id;
}

/** Relays kept per contact. */
export const MAX_CONTACT_RELAYS = 4;

/**
 * The relay URIs of `list` (from a hello, a record or an invite) that read
 * and whose host may be dialed (wire-address.ts: no loopback from a peer
 * elsewhere, no link-local, ...), without repeats, at most `max`.
 */
export function screenRelays(list: readonly string[], origin: WireOrigin, max = MAX_CONTACT_RELAYS): string[] {
  const out: string[] = [];
  for (const text of list) {
    if (out.length >= max) break;
    try {
      const r = parseRelayUri(text);
      if (wireHostProblem(r.host, origin) === null && !out.includes(text)) out.push(text);
    } catch {
      // not a relay address this build can use
    }
  }
  return out;
}
