// Where this node can be reached, as addresses to put in invites and hellos:
// the address it listens on, or, listening on every interface, each LAN
// IPv4 address and each global IPv6 address of this machine. A public
// mapped address (port mapping) is added by the node when it has one.
import { networkInterfaces } from "node:os";

export interface ListenAddress {
  host: string;
  port: number;
}

/** `host:port`, IPv6 in brackets. */
export function hostPort(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

/** IPv6 link-local (fe80::/10) needs a zone to be dialed: useless to a peer elsewhere. */
function linkLocal(ip: string): boolean {
  return /^fe[89ab][0-9a-f]:/i.test(ip);
}

/** This machine's addresses a peer might dial: LAN IPv4 first, then IPv6 that is not link-local. */
export function interfaceAddresses(): string[] {
  const v4: string[] = [];
  const v6: string[] = [];
  for (const list of Object.values(networkInterfaces())) {
    for (const i of list ?? []) {
      if (i.internal) continue;
      if (i.family === "IPv4") v4.push(i.address);
      else if (i.family === "IPv6" && !linkLocal(i.address)) v6.push(i.address);
    }
  }
  return [...new Set([...v4, ...v6])];
}

/** What to advertise for a listener: its own address, or every interface's when it listens on all. */
export function advertised(listen: ListenAddress | null, extra: readonly string[] = []): string[] {
  if (!listen || listen.port <= 0) return [...extra];
  const all = listen.host === "0.0.0.0" || listen.host === "::" || listen.host === "";
  const hosts = all ? interfaceAddresses() : [listen.host];
  if (hosts.length === 0) hosts.push("127.0.0.1");
  return [...new Set([...extra, ...hosts.map((h) => hostPort(h, listen.port))])];
}
