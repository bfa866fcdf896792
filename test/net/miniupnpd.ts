// A home router's firewall and NAT (nftables), and Debian's miniupnpd on it.
// miniupnpd (package miniupnpd-nftables) adds its DNAT and accept rules to
// chains it expects to exist; Debian's nft_init.sh would make them, but its
// helper script ships in the `miniupnpd` package, so we write the same
// structure here, with our masquerade and forward policy beside it.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { inNs, run } from "./netns.ts";
import { NsProcess } from "./process.ts";

/** Interface names inside a router namespace. */
export const WAN_IF = "wan";
export const LAN_IF = "lan";

/**
 * How a router picks the source port of what it masquerades: "preserve"
 * keeps the host's port when it is free (Linux's default, and what most home
 * routers do: a hole can be punched through it); "random" and "fully-random"
 * (nft's masquerade flags) pick another for every connection, as carrier-grade
 * and some travel routers do: a port announced in advance means nothing there.
 */
export type NatMapping = "preserve" | "random" | "fully-random";

/**
 * What a router does with a packet from the internet addressed to itself
 * that answers nothing it sent: "answer" as any Linux host does (a closed
 * port resets the connection), or "drop" it unanswered, as most home
 * routers' firewalls do ("stealth"): then a SYN that arrives before the
 * router's own host has dialed out is lost, not refused, and the host's next
 * SYN finds the way open (TCP hole punching counts on that).
 */
export type WanInput = "answer" | "drop";

/**
 * The router's whole ruleset: masquerade what leaves by the WAN, let the LAN
 * out and the replies back in, drop every other forwarded packet, except what
 * miniupnpd opens in its own chains (empty on a router without it).
 */
export function routerRuleset(nat: NatMapping = "preserve", input: WanInput = "answer"): string {
  const stealth = input === "drop" ? `
  chain input {
    type filter hook input priority 0; policy accept;
    iifname "${WAN_IF}" ct state established,related accept
    iifname "${WAN_IF}" drop
  }` : "";
  return `table inet filter {${stealth}
  chain forward {
    type filter hook forward priority 0; policy drop;
    ct state established,related accept
    iifname "${LAN_IF}" oifname "${WAN_IF}" accept
    jump miniupnpd
  }
  chain miniupnpd {
  }
  chain prerouting {
    type nat hook prerouting priority -100; policy accept;
    jump prerouting_miniupnpd
  }
  chain postrouting {
    type nat hook postrouting priority 100; policy accept;
    jump postrouting_miniupnpd
    oifname "${WAN_IF}" masquerade${nat === "preserve" ? "" : ` ${nat}`}
  }
  chain prerouting_miniupnpd {
  }
  chain postrouting_miniupnpd {
  }
}
`;
}

export async function applyRouterRuleset(ns: string, nat: NatMapping = "preserve", input: WanInput = "answer"): Promise<void> {
  await run(inNs(ns, ["nft", "-f", "-"]), { stdin: routerRuleset(nat, input) });
}

export interface MiniupnpdOptions {
  /** Serve UPnP IGD (default true). */
  upnp?: boolean;
  /** Serve NAT-PMP (default true). */
  natpmp?: boolean;
  /** "v2" (miniupnpd's default: IGD:2 with WANIPConnection:2) or "v1" (force_igd_desc_v1). */
  igd?: "v1" | "v2";
  /**
   * secure_mode (default true, miniupnpd's and OpenWrt's default): a client
   * maps only to itself and removes only mappings to itself. false: any
   * client of the LAN removes any mapping, as many home routers allow.
   */
  secure?: boolean;
}

export class Miniupnpd implements AsyncDisposable {
  private constructor(
    readonly proc: NsProcess,
    /** Its device's UUID (the description's UDN is "uuid:" + this). */
    readonly uuid: string,
    /** The port of its HTTP server (device description and SOAP control), or 0 without UPnP. */
    readonly httpPort: number,
    private readonly ns: string,
  ) {}

  /**
   * Starts miniupnpd in the router namespace `ns`, its files in `dir`, and
   * waits until it listens. `lanSubnet` is what it may map to (secure mode,
   * unless `secure` is false: each client only to itself).
   */
  static async start(ns: string, dir: string, lanSubnet: string, opts: MiniupnpdOptions = {}): Promise<Miniupnpd> {
    const upnp = opts.upnp ?? true;
    const natpmp = opts.natpmp ?? true;
    const conf = join(dir, "miniupnpd.conf");
    const uuid = crypto.randomUUID();
    writeFileSync(
      conf,
      [
        `ext_ifname=${WAN_IF}`,
        `listening_ip=${LAN_IF}`,
        "http_port=0",
        `enable_upnp=${upnp ? "yes" : "no"}`,
        `enable_natpmp=${natpmp ? "yes" : "no"}`,
        `force_igd_desc_v1=${opts.igd === "v1" ? "yes" : "no"}`,
        `secure_mode=${opts.secure === false ? "no" : "yes"}`,
        "system_uptime=no",
        "notify_interval=60",
        "clean_ruleset_interval=600",
        `uuid=${uuid}`,
        `lease_file=${join(dir, "miniupnpd.leases")}`,
        "upnp_table_name=filter",
        "upnp_nat_table_name=filter",
        "upnp_forward_chain=miniupnpd",
        "upnp_nat_chain=prerouting_miniupnpd",
        "upnp_nat_postrouting_chain=postrouting_miniupnpd",
        `allow 1024-65535 ${lanSubnet} 1024-65535`,
        "deny 0-65535 0.0.0.0/0 0-65535",
        "",
      ].join("\n"),
    );
    // -d: stay in the foreground and log (debug level) to stderr.
    const proc = new NsProcess(ns, ["miniupnpd", "-d", "-f", conf, "-P", join(dir, "miniupnpd.pid")]);
    try {
      let httpPort = 0;
      if (upnp) {
        const line = await proc.waitFor(/HTTP listening on port \d+/, { stream: "stderr" });
        httpPort = Number(/port (\d+)/.exec(line)![1]);
      }
      if (natpmp) await proc.waitFor(/Listening for NAT-PMP\/PCP traffic on port 5351/, { stream: "stderr" });
      return new Miniupnpd(proc, uuid, httpPort, ns);
    } catch (e) {
      await proc.stop("SIGKILL");
      throw e;
    }
  }

  /** What miniupnpd printed so far (its debug log). */
  log(): string {
    return this.proc.errLines().join("\n");
  }

  /** The DNAT rules miniupnpd keeps now, as nft prints them (one per mapping). */
  async rules(): Promise<string[]> {
    const { stdout } = await run(inNs(this.ns, ["nft", "list", "chain", "inet", "filter", "prerouting_miniupnpd"]));
    return stdout
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l.includes("dnat"));
  }

  /** SIGTERM (miniupnpd then removes the rules it added). */
  async stop(): Promise<void> {
    await this.proc.stop("SIGTERM");
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}
