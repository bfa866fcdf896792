// The testbed most internet tests want: a server on the internet, alice
// behind router A (NAT + miniupnpd: UPnP IGD and NAT-PMP), bob behind router
// B (NAT, no port mapping).
//
//   server 198.51.100.10 ─┐
//                         ├─ inet ─┬─ router A 11.0.0.2 ── 192.168.1.0/24 ── alice 192.168.1.10
//                         │        └─ router B 11.0.0.3 ── 192.168.2.0/24 ── bob   192.168.2.10
import type { Host, Router } from "./host.ts";
import type { MiniupnpdOptions } from "./miniupnpd.ts";
import { Testbed } from "./testbed.ts";

export interface Homes extends AsyncDisposable {
  tb: Testbed;
  server: Host;
  routerA: Router;
  routerB: Router;
  alice: Host;
  bob: Host;
}

export async function homes(prefix: string, opts: { upnp?: MiniupnpdOptions } = {}): Promise<Homes> {
  const tb = await Testbed.create(prefix);
  try {
    const server = await tb.addServer("server");
    const routerA = await tb.addRouter("ra", { upnp: opts.upnp ?? {} });
    const routerB = await tb.addRouter("rb");
    const alice = await tb.addHost("alice", routerA);
    const bob = await tb.addHost("bob", routerB);
    return { tb, server, routerA, routerB, alice, bob, [Symbol.asyncDispose]: () => tb.destroy() };
  } catch (e) {
    await tb.destroy();
    throw e;
  }
}
