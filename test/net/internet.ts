// What the internet of the testbed offers beyond routers: a BitTorrent DHT
// of our own on server hosts, and an ISP that hands a released address to
// another customer.
import { join } from "node:path";
import type { Host } from "./host.ts";
import { ipIn } from "./netns.ts";
import type { RunningServer, Testbed } from "./testbed.ts";

const DHT_FIXTURE = join(import.meta.dir, "dht-node-fixture.ts");
const LIAR_FIXTURE = join(import.meta.dir, "dht-liar-fixture.ts");
export const DHT_PORT = 6881;

export interface DhtServers {
  servers: RunningServer[];
  /** HOST:PORT,... : a --dht-bootstrap value. */
  bootstrap: string;
}

/**
 * `count` DHT nodes (dht-node-fixture.ts), one per server host, each on
 * DHT_PORT of its own public address; the first stands alone, the others
 * join it.
 */
export async function startDhtServers(tb: Testbed, count: number, names = "dht"): Promise<DhtServers> {
  const argv = (host: Host, join?: string) => [process.execPath, DHT_FIXTURE, "--host", host.address, "--port", String(DHT_PORT), "--count", "1", ...(join ? ["--join", join] : [])];
  const [first] = await tb.startServers([{ name: `${names}1`, argv: (host) => argv(host), ready: /^ready / }]);
  const joinAt = `${first!.host.address}:${DHT_PORT}`;
  const rest = await tb.startServers(Array.from({ length: count - 1 }, (_, i) => ({ name: `${names}${i + 2}`, argv: (host: Host) => argv(host, joinAt), ready: /^ready / })));
  const servers = [first!, ...rest];
  return { servers, bootstrap: servers.map((s) => `${s.host.address}:${DHT_PORT}`).join(",") };
}

/**
 * Two lying nodes in that DHT (dht-liar-fixture.ts), joined through
 * `joinAt`: "replay" keeps serving the first record it got for a key, "forge"
 * serves a newer one of its own making, with `forgedAddress`. Each prints
 * `served MODE ...` when it answers a get with its lie.
 */
export async function startDhtLiars(tb: Testbed, joinAt: string, forgedAddress: string): Promise<{ replay: RunningServer; forge: RunningServer }> {
  const argv = (host: Host, mode: string) => [process.execPath, LIAR_FIXTURE, "--host", host.address, "--port", String(DHT_PORT), "--join", joinAt, "--mode", mode, "--address", forgedAddress];
  const [replay, forge] = await tb.startServers(["replay", "forge"].map((mode) => ({ name: mode, argv: (host: Host) => argv(host, mode), ready: /^ready / })));
  return { replay: replay!, forge: forge! };
}

/**
 * The ISP gives `address` (a router's old WAN address) to another customer,
 * a host on the internet. It talks at once to the `neighbours` it shares the
 * segment with (a datagram each: their ARP caches learn that the address
 * has moved to it). Packets still sent there reach that host, whose kernel
 * answers connections it knows nothing of with a reset: a peer's link to the
 * old address breaks at its next write, and a dial there is refused, as on
 * the internet when an address changes hands.
 */
export async function reassignAddress(tb: Testbed, address: string, neighbours: string[], name = "isp"): Promise<Host> {
  const host = await tb.addServer(name);
  await ipIn(host.ns, "addr", "add", `${address}/24`, "dev", "eth0");
  // Its ARP request for each neighbour names it as `address`'s owner now.
  for (const n of neighbours) await host.exec(["bash", "-c", `echo moved > /dev/udp/${n}/9`]);
  return host;
}
