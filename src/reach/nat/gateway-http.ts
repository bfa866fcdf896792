// HTTP to the gateway, and only to it: UPnP's device description and SOAP
// control. Whatever answers an M-SEARCH names the URLs, and the description
// names more (URLBase, controlURL); followed blindly, a host on the LAN could
// make us POST to a service on our own loopback (SSRF). So every URL must be
// on the default gateway's own address, redirects are not followed, and a
// body is read up to MAX_GATEWAY_BODY, then the connection is dropped (a
// description that never ends must not grow our memory; miniupnpd's are
// under 4 KiB).
import { ReachError } from "../reach-error.ts";

/** The most of a description or SOAP reply we read. */
export const MAX_GATEWAY_BODY = 64 * 1024;

/** Why `url` is not one to fetch from `gateway` (an IPv4 literal), or null when it is. */
export function offGateway(url: string, gateway: string): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return `${JSON.stringify(url.slice(0, 200))} is not a URL`;
  }
  if (u.protocol !== "http:") return `${u.protocol}// is not UPnP's http://`;
  // The URL parser normalizes 0x7f.1, 2130706433 and the like: compare what it made.
  if (u.hostname !== gateway) return `${u.host} is not the gateway ${gateway}`;
  if (u.username || u.password) return "it carries a user name or password";
  return null;
}

export interface GatewayReply {
  status: number;
  text: string;
}

/**
 * Fetches `url`, which must be on `gateway`; reads at most MAX_GATEWAY_BODY
 * bytes of the body. Throws ReachError: OFF_GATEWAY for another host (nothing
 * is sent), TOO_LARGE past the cap, TIMEOUT, BAD_RESPONSE.
 */
export async function fetchFromGateway(what: string, url: string, gateway: string, init: { method?: string; headers?: Record<string, string>; body?: string; timeoutMs: number; max?: number }): Promise<GatewayReply> {
  const why = offGateway(url, gateway);
  if (why) throw ReachError.offGateway(what, url, why);
  const max = init.max ?? MAX_GATEWAY_BODY;
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(ReachError.timeout(what, init.timeoutMs)), init.timeoutMs);
  try {
    // redirect "manual": a 3xx is an answer like any other (not 200), never a second request elsewhere.
    const res = await fetch(url, { method: init.method ?? "GET", headers: init.headers, body: init.body, signal: abort.signal, redirect: "manual", keepalive: false });
    const declared = Number(res.headers.get("content-length") ?? NaN);
    if (declared > max) throw ReachError.overCap(what, max);
    const reader = res.body?.getReader();
    const chunks: Uint8Array[] = [];
    let total = 0;
    while (reader) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > max) throw ReachError.overCap(what, max);
      chunks.push(value);
    }
    return { status: res.status, text: new TextDecoder().decode(Buffer.concat(chunks)) };
  } catch (e) {
    if (e instanceof ReachError) throw e;
    if (abort.signal.aborted && abort.signal.reason instanceof ReachError) throw abort.signal.reason;
    throw ReachError.badResponse(what, String(e), e);
  } finally {
    clearTimeout(timer);
    // Drops the connection: whatever the gateway still sends is not read.
    abort.abort();
  }
}
