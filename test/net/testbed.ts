// A small internet on one machine, in network namespaces (root only):
//
//   PREFIX-inet   the internet: bridge br0, routes between its two subnets
//     198.51.100.0/24  servers (TEST-NET-2): addServer(), startServers()
//     11.0.0.0/24      home routers' WAN addresses: addRouter()
//   PREFIX-NAME   a home router: `wan` on the internet, bridge `lan`
//                 (192.168.N.0/24) for its hosts, nftables masquerade,
//                 forward policy drop, optionally Debian's miniupnpd
//   PREFIX-NAME   a host: `eth0` on a router's LAN, a plain LAN, or the internet
//   PREFIX-NAME   a plain LAN (addLan): just a bridge; hosts get IPv4 and
//                 IPv6 link-local addresses
//
// Why 11.0.0.0/24 and not a documentation range for the routers: miniupnpd
// refuses to map anything while its WAN address is reserved, and it counts
// 192.0.2/24, 198.51.100/24 and 203.0.113/24 as reserved ("Reserved / private
// IP address ... Port forwarding is impossible"). Nothing here is routed
// outside the namespaces, so no packet to 11.0.0.x ever leaves the machine.
//
// Only namespaces named PREFIX-... are made or deleted; create() first clears
// what a crashed run with the same prefix left. Use `await using`.
import { mkdirSync } from "node:fs";
import { addressIn, Host, Router, type Segment } from "./host.ts";
import { Miniupnpd, applyRouterRuleset, LAN_IF, WAN_IF, type MiniupnpdOptions, type NatMapping, type WanInput } from "./miniupnpd.ts";
import { checkPrefix, cleanPrefix, deleteNamespaces, deleteNamespacesSync, ipIn, NAME_RE, prefixDir, run, sysctl } from "./netns.ts";
import type { NsProcess, SpawnOptions } from "./process.ts";

export const SERVERS_SUBNET = "198.51.100.0/24";
export const HOMES_SUBNET = "11.0.0.0/24";

export interface ServerSpec {
  name: string;
  /** The command, or a function of the server host (to pass it its own address). */
  argv: string[] | ((host: Host) => string[]);
  env?: SpawnOptions["env"];
  /** Wait for a stdout line matching this before returning. */
  ready?: RegExp;
  timeoutMs?: number;
}

export interface RunningServer {
  host: Host;
  proc: NsProcess;
  /** The line that matched `ready`, or null. */
  readyLine: string | null;
}

const live = new Set<Testbed>();
let exitHookSet = false;

/**
 * Destroys every testbed of this process that is still up. `bun test` runs
 * no exit handlers and abandons a test that times out before its `await
 * using` ends, so test files call this in afterAll; a run killed outright is
 * cleared by the next create() with the same prefix.
 */
export async function destroyLiveTestbeds(): Promise<void> {
  for (const tb of [...live]) await tb.destroy();
}

export class Testbed implements AsyncDisposable {
  readonly dir: string;
  readonly internet: Segment;
  private readonly namespaces: string[] = [];
  private readonly processes: NsProcess[] = [];
  private readonly homes = { last: 1 };
  private routers = 0;
  private lans = 0;
  private readonly owner = { track: (p: NsProcess) => (this.processes.push(p), p) };

  private constructor(readonly prefix: string) {
    this.dir = prefixDir(prefix);
    this.internet = { name: "inet", ns: `${prefix}-inet`, bridge: "br0", subnet: SERVERS_SUBNET, gateway: addressIn(SERVERS_SUBNET, 1), last: 9 };
  }

  /** Clears leftovers of this prefix, then builds the internet segment. Check netnsUnavailable() first. */
  static async create(prefix: string): Promise<Testbed> {
    checkPrefix(prefix);
    await cleanPrefix(prefix);
    const tb = new Testbed(prefix);
    live.add(tb);
    if (!exitHookSet) {
      // A script (not bun test) that exits with testbeds up still removes them.
      exitHookSet = true;
      process.on("exit", () => {
        for (const t of live) deleteNamespacesSync(t.namespaces);
      });
    }
    try {
      mkdirSync(tb.dir, { recursive: true });
      const ns = await tb.makeNamespace("inet");
      await sysctl(ns, "net.ipv4.ip_forward", "1");
      await makeBridge(ns, "br0");
      await ipIn(ns, "addr", "add", `${tb.internet.gateway}/24`, "dev", "br0");
      await ipIn(ns, "addr", "add", `${addressIn(HOMES_SUBNET, 1)}/24`, "dev", "br0");
    } catch (e) {
      await tb.destroy();
      throw e;
    }
    return tb;
  }

  /** A host on the internet with a public address (a server, a DHT bootstrap node, a relay). */
  addServer(name: string, opts: { address?: string } = {}): Promise<Host> {
    return this.addHost(name, this.internet, opts);
  }

  /**
   * The hook for services on the internet: one server host per spec, its
   * process started there, each awaited until it prints `ready`.
   */
  async startServers(specs: ServerSpec[]): Promise<RunningServer[]> {
    const out: RunningServer[] = [];
    for (const s of specs) {
      const host = await this.addServer(s.name);
      const proc = host.spawn(typeof s.argv === "function" ? s.argv(host) : s.argv, { env: s.env });
      out.push({ host, proc, readyLine: null });
    }
    await Promise.all(
      specs.map(async (s, i) => {
        if (s.ready) out[i]!.readyLine = await out[i]!.proc.waitFor(s.ready, { timeoutMs: s.timeoutMs });
      }),
    );
    return out;
  }

  /**
   * A home router: WAN address from 11.0.0.0/24, LAN 192.168.N.0/24 with
   * the router at .1; `upnp` starts miniupnpd (UPnP IGD and NAT-PMP); `nat`
   * how it maps source ports (port-preserving unless told otherwise), and
   * `wanInput` whether it answers unsolicited packets from the internet
   * (default) or drops them unanswered, as home routers' firewalls do.
   */
  async addRouter(name: string, opts: { wanAddress?: string; lanSubnet?: string; upnp?: MiniupnpdOptions; nat?: NatMapping; wanInput?: WanInput } = {}): Promise<Router> {
    const ns = await this.makeNamespace(name);
    await sysctl(ns, "net.ipv4.ip_forward", "1");
    const port = `r-${name}`;
    await ipIn(ns, "link", "add", WAN_IF, "type", "veth", "peer", "name", port, "netns", this.internet.ns);
    await ipIn(this.internet.ns, "link", "set", port, "master", this.internet.bridge, "up");
    const wan = opts.wanAddress ?? addressIn(HOMES_SUBNET, ++this.homes.last);
    const wanGateway = addressIn(HOMES_SUBNET, 1);
    await ipIn(ns, "addr", "add", `${wan}/24`, "dev", WAN_IF);
    await ipIn(ns, "link", "set", WAN_IF, "up");
    await ipIn(ns, "route", "add", "default", "via", wanGateway);
    const lanSubnet = opts.lanSubnet ?? `192.168.${++this.routers}.0/24`;
    const lan: Segment = { name: `${name}-lan`, ns, bridge: LAN_IF, subnet: lanSubnet, gateway: addressIn(lanSubnet, 1), last: 9 };
    await makeBridge(ns, LAN_IF);
    await ipIn(ns, "addr", "add", `${lan.gateway}/24`, "dev", LAN_IF);
    await applyRouterRuleset(ns, opts.nat, opts.wanInput);
    const router = new Router(name, ns, this.owner, lan, wan, wanGateway);
    if (opts.upnp) {
      mkdirSync(`${this.dir}/${name}`, { recursive: true });
      router.miniupnpd = await Miniupnpd.start(ns, `${this.dir}/${name}`, lanSubnet, opts.upnp);
      this.processes.push(router.miniupnpd.proc);
    }
    return router;
  }

  /** A plain LAN: a bridge in its own namespace, no router (hosts get IPv4 and IPv6 link-local). */
  async addLan(name: string, opts: { subnet?: string } = {}): Promise<Segment> {
    const ns = await this.makeNamespace(name);
    await makeBridge(ns, "br0");
    return { name, ns, bridge: "br0", subnet: opts.subnet ?? `10.${++this.lans}.0.0/24`, gateway: null, last: 9 };
  }

  /**
   * A host with one interface, eth0, on a router's LAN, a plain LAN, or the
   * internet. `unplugged`: its cable is out (eth0 is up, without carrier,
   * until host.plugIn()). `unaddressed`: no address nor default route yet
   * (no DHCP answer: host.setAddress() gives them); `address` is "" until then.
   */
  async addHost(name: string, on: Router | Segment, opts: { address?: string; unplugged?: boolean; unaddressed?: boolean } = {}): Promise<Host> {
    const seg = on instanceof Router ? on.lan : on;
    const ns = await this.makeNamespace(name);
    const port = `h-${name}`;
    await ipIn(ns, "link", "add", "eth0", "type", "veth", "peer", "name", port, "netns", seg.ns);
    await ipIn(seg.ns, "link", "set", port, "master", seg.bridge);
    if (!opts.unplugged) await ipIn(seg.ns, "link", "set", port, "up");
    // IPv6 link-local usable at once: no duplicate address detection.
    await sysctl(ns, "net.ipv6.conf.eth0.accept_dad", "0");
    await ipIn(ns, "link", "set", "eth0", "up");
    const address = opts.unaddressed ? "" : (opts.address ?? addressIn(seg.subnet, ++seg.last));
    const host = new Host(name, ns, this.owner, seg, "", port);
    if (address) await host.setAddress(address);
    return host;
  }

  /** Ends every process started here and deletes every namespace; safe to call twice. */
  async destroy(): Promise<void> {
    const errors: unknown[] = [];
    for (const p of this.processes.splice(0)) await p.stop("SIGKILL").catch((e) => errors.push(e));
    await deleteNamespaces(this.namespaces.splice(0)).catch((e) => errors.push(e));
    await cleanPrefix(this.prefix).catch((e) => errors.push(e));
    live.delete(this);
    if (errors.length) throw new AggregateError(errors, `testbed ${this.prefix}: teardown failed`);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.destroy();
  }

  private async makeNamespace(name: string): Promise<string> {
    if (!NAME_RE.test(name)) throw new Error(`bad testbed name ${JSON.stringify(name)}: 1-12 of [a-z0-9], starting with a letter`);
    const ns = `${this.prefix}-${name}`;
    if (this.namespaces.includes(ns)) throw new Error(`${ns} exists already in this testbed`);
    await run(["ip", "netns", "add", ns]);
    this.namespaces.push(ns);
    await ipIn(ns, "link", "set", "lo", "up");
    // A second address on an interface survives the removal of the first (setAddress).
    await sysctl(ns, "net.ipv4.conf.all.promote_secondaries", "1");
    return ns;
  }
}

/**
 * A bridge that floods multicast (SSDP, LAN beacons) instead of snooping it,
 * and that hands bridged frames to no firewall: where br_netfilter is loaded
 * (Docker hosts), a router's forward policy would otherwise drop the traffic
 * between two hosts of its own LAN.
 */
async function makeBridge(ns: string, name: string): Promise<void> {
  for (const key of ["iptables", "ip6tables", "arptables"]) await sysctl(ns, `net.bridge.bridge-nf-call-${key}`, "0", { optional: true });
  // A MAC of its own: otherwise a bridge takes its lowest port's MAC, which
  // changes when a port is added, and its neighbours' ARP entries go stale.
  const mac = ["02", ...Array.from(crypto.getRandomValues(new Uint8Array(5)), (b) => b.toString(16).padStart(2, "0"))].join(":");
  await ipIn(ns, "link", "add", name, "address", mac, "type", "bridge", "mcast_snooping", "0");
  await ipIn(ns, "link", "set", name, "up");
}
