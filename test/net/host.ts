// The machines of the testbed: a host (one `eth0` on a segment) and a home
// router (a `wan` veth on the internet, a `lan` bridge for its hosts, NAT).
// Each is a namespace named PREFIX-NAME; commands run there through
// `ip netns exec`.
import { inNs, ipIn, run, type RunResult } from "./netns.ts";
import { routerRuleset, type Miniupnpd, type NatMapping, type WanInput } from "./miniupnpd.ts";
import { NsProcess, type SpawnOptions } from "./process.ts";

/** A broadcast domain: a bridge in some namespace, with an IPv4 /24 on it. */
export interface Segment {
  name: string;
  /** The namespace that holds the bridge. */
  ns: string;
  bridge: string;
  /** "a.b.c.0/24" */
  subnet: string;
  /** The hosts' default gateway on this segment, or null (a plain LAN). */
  gateway: string | null;
  /** The last host number given out on the subnet. */
  last: number;
}

/** "a.b.c.0/24", 7 -> "a.b.c.7" (testbed subnets are /24s). */
export function addressIn(subnet: string, n: number): string {
  const m = /^(\d+\.\d+\.\d+)\.0\/24$/.exec(subnet);
  if (!m) throw new Error(`testbed subnets are a.b.c.0/24, not ${subnet}`);
  return `${m[1]}.${n}`;
}

/** Where processes are tracked, so that teardown ends every one of them. */
export interface ProcessOwner {
  track(p: NsProcess): NsProcess;
}

/** What hosts and routers share: a namespace to run things in. */
export abstract class Machine {
  constructor(
    readonly name: string,
    readonly ns: string,
    protected readonly owner: ProcessOwner,
  ) {}

  /** Runs argv in this namespace to completion (never throws on a non-zero exit). */
  exec(argv: string[], opts: { stdin?: string } = {}): Promise<RunResult> {
    return run(inNs(this.ns, argv), { check: false, stdin: opts.stdin });
  }

  /**
   * Starts a long-running process here; the testbed ends it at teardown.
   * P2PCHAT_DISCOVERY is "on" in its environment unless `env` says otherwise.
   */
  spawn(argv: string[], opts: SpawnOptions = {}): NsProcess {
    return this.owner.track(new NsProcess(this.ns, argv, opts));
  }
}

export class Host extends Machine {
  constructor(
    name: string,
    ns: string,
    owner: ProcessOwner,
    readonly segment: Segment,
    /** Its IPv4 address on the segment (changes with setAddress); "" while it has none. */
    public address: string,
    /** The other end of its eth0, a port of the segment's bridge. */
    private readonly port: string,
  ) {
    super(name, ns, owner);
  }

  /** The cable goes in: eth0 gets carrier (Node's interface list shows it from then on). */
  async plugIn(): Promise<void> {
    await ipIn(this.segment.ns, "link", "set", this.port, "up");
  }

  /** The IPv6 link-local address of eth0 (without the %eth0 zone). */
  async linkLocal(): Promise<string> {
    const { stdout } = await ipIn(this.ns, "-6", "-o", "addr", "show", "dev", "eth0", "scope", "link");
    const m = /inet6 (fe80::[0-9a-f:]+)\//.exec(stdout);
    if (!m) throw new Error(`${this.name} has no IPv6 link-local address: ${stdout}`);
    return m[1]!;
  }

  /**
   * Moves the host to another address on its segment (the old one is
   * removed), as a new DHCP lease does; gives a host without one its first.
   * The default route follows: via the segment's gateway, or, on a plain
   * LAN, on the wire itself, as on a LAN whose router is away
   * (255.255.255.255 needs some route to go out).
   */
  async setAddress(address: string): Promise<void> {
    await moveAddress(this.ns, "eth0", this.address, address, this.segment.gateway);
    this.address = address;
  }
}

export class Router extends Machine {
  /** miniupnpd on this router, or null (a router with no port mapping). */
  miniupnpd: Miniupnpd | null = null;

  constructor(
    name: string,
    ns: string,
    owner: ProcessOwner,
    /** The bridge its hosts join (in this router's namespace). */
    readonly lan: Segment,
    /** Its public address on the internet (changes with setWanAddress). */
    public wanAddress: string,
    private readonly wanGateway: string,
  ) {
    super(name, ns, owner);
  }

  /** Its address on its own LAN (the hosts' gateway). */
  get lanAddress(): string {
    return this.lan.gateway!;
  }

  /**
   * "The ISP gave the router a new address": the WAN address changes, NAT
   * uses the new one for new connections, and miniupnpd sees it through
   * netlink. Connections through the old address are lost, as at home.
   */
  async setWanAddress(address: string): Promise<void> {
    await moveAddress(this.ns, "wan", this.wanAddress, address, this.wanGateway);
    this.wanAddress = address;
  }

  /**
   * The router starts mapping source ports another way (a firmware update,
   * another ISP box): its ruleset is written again (a router without
   * miniupnpd only); connections already through it keep their mapping.
   */
  async remap(nat: NatMapping, wanInput: WanInput): Promise<void> {
    if (this.miniupnpd) throw new Error(`${this.name} runs miniupnpd: its chains would be lost`);
    // One transaction: were the NAT chains gone a moment, the kernel would drop the mappings of connections through it.
    await run(inNs(this.ns, ["nft", "-f", "-"]), { stdin: `flush ruleset
${routerRuleset(nat, wanInput)}` });
  }

  /** The router's nftables ruleset as `nft list ruleset` prints it. */
  async ruleset(): Promise<string> {
    return (await run(inNs(this.ns, ["nft", "list", "ruleset"]))).stdout;
  }
}

/** Adds the new address before removing the old one, and keeps the default route. */
async function moveAddress(ns: string, dev: string, from: string, to: string, gateway: string | null): Promise<void> {
  if (from === to) return;
  await ipIn(ns, "addr", "add", `${to}/24`, "dev", dev);
  if (from) await ipIn(ns, "addr", "del", `${from}/24`, "dev", dev);
  await ipIn(ns, "route", "replace", "default", ...(gateway ? ["via", gateway] : []), "dev", dev);
}
