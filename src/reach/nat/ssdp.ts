// SSDP, the discovery half of UPnP: an M-SEARCH for Internet Gateway Devices
// (v2 and v1), sent from the one local address that faces our gateway and
// out of its interface only, and the gateway's replies that name a
// description URL (nobody else's: see searchGateways).
import dgram from "node:dgram";

export const SSDP_ADDRESS = "239.255.255.250";
export const SSDP_PORT = 1900;
/** IGD v2 first: a v2 device also answers a v1 search, but a v1 device only that. */
export const IGD_DEVICE_TYPES = ["urn:schemas-upnp-org:device:InternetGatewayDevice:2", "urn:schemas-upnp-org:device:InternetGatewayDevice:1"];

/** An M-SEARCH answer is a few hundred bytes; a larger datagram is not read. */
export const MAX_REPLY_BYTES = 4096;
/** Distinct answers kept from the gateway (one per device type it has, in practice). */
export const MAX_REPLIES = 4;

export interface SearchReply {
  /** Who answered. */
  from: string;
  /** The device description's URL. */
  location: string;
  st: string;
  usn: string;
}

export function encodeSearch(st: string, mx = 1): Uint8Array {
  return new TextEncoder().encode(`M-SEARCH * HTTP/1.1\r\nHOST: ${SSDP_ADDRESS}:${SSDP_PORT}\r\nMAN: "ssdp:discover"\r\nMX: ${mx}\r\nST: ${st}\r\n\r\n`);
}

/** A unicast "HTTP/1.1 200 OK" answer to an M-SEARCH, or null for anything else. */
export function parseSearchReply(text: string, from: string): SearchReply | null {
  const lines = text.split(/\r?\n/);
  if (!/^HTTP\/1\.[01] 200\b/i.test(lines[0] ?? "")) return null;
  const h = new Map<string, string>();
  for (const l of lines.slice(1)) {
    const i = l.indexOf(":");
    if (i > 0) h.set(l.slice(0, i).trim().toLowerCase(), l.slice(i + 1).trim());
  }
  const location = h.get("location");
  const st = h.get("st") ?? "";
  if (!location || !/^https?:\/\//i.test(location)) return null;
  return { from, location, st, usn: h.get("usn") ?? "" };
}

/**
 * Searches for the default gateway's IGD from `localAddress` for up to
 * `timeoutMs` (the search is sent twice, 300 ms apart), and returns as soon
 * as it answers. Only `gateway` is listened to: any host on the LAN can
 * answer an M-SEARCH, and what it names would be fetched (ignored answers go
 * to `ignored`, for a debug line). A reply past MAX_REPLY_BYTES is not read;
 * at most MAX_REPLIES distinct ones are kept.
 */
export async function searchGateways(opts: { localAddress: string; gateway: string; timeoutMs: number; signal?: AbortSignal; ignored?: (from: string) => void }): Promise<SearchReply[]> {
  const socket = dgram.createSocket({ type: "udp4", reuseAddr: true });
  const replies: SearchReply[] = [];
  const { promise, resolve } = Promise.withResolvers<void>();
  const timers: ReturnType<typeof setTimeout>[] = [];
  const onAbort = () => resolve();
  opts.signal?.addEventListener("abort", onAbort, { once: true });
  socket.on("message", (m, r) => {
    if (r.address !== opts.gateway) return opts.ignored?.(r.address);
    if (m.byteLength > MAX_REPLY_BYTES || replies.length >= MAX_REPLIES) return;
    const reply = parseSearchReply(m.toString("latin1"), r.address);
    if (!reply || !IGD_DEVICE_TYPES.includes(reply.st) || replies.some((x) => x.location === reply.location)) return;
    replies.push(reply);
    resolve();
  });
  socket.on("error", () => resolve());
  try {
    await new Promise<void>((res, rej) => {
      socket.once("error", rej);
      socket.bind(0, opts.localAddress, () => res());
    });
    socket.setMulticastInterface(opts.localAddress);
    socket.setMulticastTTL(2);
    const send = () => {
      for (const st of IGD_DEVICE_TYPES) socket.send(encodeSearch(st), SSDP_PORT, SSDP_ADDRESS);
    };
    send();
    timers.push(setTimeout(send, 300), setTimeout(resolve, opts.timeoutMs));
    await promise;
  } catch {
    // no such local address any more, or no multicast route: nothing found
  } finally {
    for (const t of timers) clearTimeout(t);
    opts.signal?.removeEventListener("abort", onAbort);
    socket.close();
  }
  return replies;
}
