// One shape for the two ways to ask a gateway for a port: a NatDevice maps
// our TCP port trying the external ports it is given in order, and says
// which one it got. UPnP tries each port (a taken port is fault 718), then
// lets an IGD v2 gateway pick; NAT-PMP suggests the first and takes what the
// gateway grants.
import { ReachError } from "../reach-error.ts";
import { NatPmpClient } from "./natpmp.ts";
import { searchGateways } from "./ssdp.ts";
import { UPNP_CONFLICT, UPNP_NO_SUCH_ENTRY, UPNP_ONLY_PERMANENT_LEASES, UpnpGateway } from "./upnp.ts";

export type MappingVia = "upnp" | "nat-pmp";

export interface Granted {
  port: number;
  /** The lease the gateway granted; 0: permanent (a UPnP gateway that allows nothing else). */
  leaseSeconds: number;
}

export interface NatDevice {
  readonly via: MappingVia;
  /** Stable per gateway: seeds the pseudo-random external ports. */
  readonly id: string;
  externalAddress(): Promise<string>;
  map(internalPort: number, ports: number[], leaseSeconds: number): Promise<Granted>;
  unmap(internalPort: number, externalPort: number): Promise<void>;
  close(): void;
}

/**
 * Asks the default gateway, and only it, for its UPnP IGD from `localAddress`;
 * null when it does not answer. Answers from other hosts, and descriptions
 * that point elsewhere, are refused and said once each to `log` (debug).
 */
export async function findUpnpDevice(o: { gateway: string; localAddress: string; timeoutMs: number; description: string; signal?: AbortSignal; log?: (message: string) => void }): Promise<NatDevice | null> {
  const say = (m: string) => o.log && sayOnce(m, o.log);
  const ignored = (from: string) => say(`upnp: an SSDP answer from ${from}, not the gateway ${o.gateway}: ignored`);
  const replies = await searchGateways({ localAddress: o.localAddress, gateway: o.gateway, timeoutMs: o.timeoutMs, signal: o.signal, ignored });
  let last: unknown = null;
  for (const r of replies) {
    try {
      const gw = await UpnpGateway.fromLocation(r.location, o.gateway);
      // Secure gateways map only to the address that asks: ours towards it.
      return new UpnpDevice(gw, o.localAddress, o.description);
    } catch (e) {
      if (e instanceof ReachError && e.code === "OFF_GATEWAY") say(`upnp: ${e.message}`);
      last = e;
    }
  }
  if (last) throw last;
  return null;
}

/** What was said already, so a LAN host that answers every search is one debug line, not one per attempt. */
const said = new Set<string>();
const MAX_SAID = 64;

function sayOnce(message: string, log: (message: string) => void): void {
  if (said.has(message)) return;
  if (said.size >= MAX_SAID) said.delete(said.values().next().value!);
  said.add(message);
  log(message);
}

export function natPmpDevice(gateway: string, tries: number, signal?: AbortSignal): NatDevice {
  const client = new NatPmpClient(gateway, tries, signal);
  return {
    via: "nat-pmp",
    id: `nat-pmp:${gateway}`,
    externalAddress: async () => (await client.externalAddress()).address,
    async map(internalPort, ports, leaseSeconds) {
      const r = await client.map(internalPort, ports[0] ?? internalPort, leaseSeconds);
      return { port: r.externalPort, leaseSeconds: r.lifetime };
    },
    async unmap(internalPort) {
      await client.map(internalPort, 0, 0);
    },
    close: () => client.close(),
  };
}

class UpnpDevice implements NatDevice {
  readonly via = "upnp";
  readonly id: string;
  private permanent = false;

  constructor(
    private readonly gw: UpnpGateway,
    private readonly client: string,
    private readonly description: string,
  ) {
    this.id = gw.service.deviceId;
  }

  externalAddress(): Promise<string> {
    return this.gw.externalAddress();
  }

  async map(internalPort: number, ports: number[], leaseSeconds: number): Promise<Granted> {
    const req = (externalPort: number) => ({ externalPort, internalPort, internalClient: this.client, leaseSeconds: this.permanent ? 0 : leaseSeconds, description: this.description });
    let last: unknown = null;
    for (const port of ports) {
      try {
        await this.gw.addPortMapping(req(port));
        return { port, leaseSeconds: req(port).leaseSeconds };
      } catch (e) {
        if (code(e) === UPNP_ONLY_PERMANENT_LEASES && !this.permanent) {
          // Old IGD v1 gateways: a permanent mapping, removed at stop and renewed like a lease.
          this.permanent = true;
          await this.gw.addPortMapping(req(port));
          return { port, leaseSeconds: 0 };
        }
        if (code(e) !== UPNP_CONFLICT) throw e;
        last = e;
      }
    }
    if (this.gw.version === 2) {
      const port = await this.gw.addAnyPortMapping(req(ports[0] ?? internalPort));
      return { port, leaseSeconds };
    }
    throw last ?? ReachError.noGateway("no external port to try");
  }

  async unmap(_internalPort: number, externalPort: number): Promise<void> {
    try {
      await this.gw.deletePortMapping(externalPort);
    } catch (e) {
      if (code(e) !== UPNP_NO_SUCH_ENTRY) throw e;
    }
  }

  close(): void {}
}

function code(e: unknown): number | undefined {
  return e instanceof ReachError && e.code === "GATEWAY_REFUSED" ? e.detail : undefined;
}
