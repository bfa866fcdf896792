// Port mapping: a discoverable node asks its gateway (UPnP IGD or NAT-PMP)
// to forward its listening TCP port, renews the lease at half-time, watches
// the gateway's public address, and removes the mapping on a clean stop.
// When this machine moves (another LAN address, another gateway) the mapping
// points at an address that is gone: it is removed where the gateway still
// answers and made again from where we are now, at once when told
// (networkChanged(), from the node's network watch), else at the next check.
// Quiet by design: no gateway, or one that refuses, is a debug line and a
// later retry. Nothing at all happens when discovery is off.
//
//   const pm = new PortMapper({ internalPort: 7000, leaseSeconds: 3600, log });
//   pm.onChange((pub) => ...);  // { address, port, via } or null
//   await pm.start();           // returns after the first attempt
//   pm.current();
//   pm.state();                 // trying, mapped, or failed and why
//   await pm.networkChanged();  // this machine moved: map again from here
//   await pm.stop();            // deletes the mapping
import { createHash } from "node:crypto";
import { childLogger } from "../../log.ts";
import { discoveryAllowed } from "../discovery-switch.ts";
import { defaultGateway, localAddressTowards } from "./gateway.ts";
import { findUpnpDevice, natPmpDevice, type MappingVia, type NatDevice } from "./nat-device.ts";

export type { MappingVia } from "./nat-device.ts";

export interface PublicAddress {
  address: string;
  port: number;
  via: MappingVia;
}

/**
 * Why there is no mapping: no default gateway (no network, or none beyond
 * this one), nothing answered UPnP or NAT-PMP, the gateway's own address is
 * not public (a second NAT beyond it: carrier-grade, or a router behind a
 * router), or it refused.
 */
export type MapFailure = "no-gateway" | "no-answer" | "not-public" | "refused";

export type MapperState =
  | { state: "trying" }
  | { state: "mapped"; public: PublicAddress }
  | { state: "failed"; why: MapFailure; note: string; gateway: string | null; local: string | null };

export interface PortmapLog {
  debug(message: string): void;
  info(message: string): void;
}

export interface PortMapperOptions {
  internalPort: number;
  /** Lease asked for, renewed at half-time (default 3600). */
  leaseSeconds?: number;
  /** The gateway's IPv4 address (default: the default route's gateway). */
  gateway?: string;
  /** Protocols to try, in order (default upnp, then nat-pmp). */
  via?: MappingVia[];
  /** Seeds the fallback external ports, with the port and the gateway's id (e.g. the peer id). */
  seed?: string;
  /** First wait after a failed attempt, doubling up to 32 times that (default 30). */
  retrySeconds?: number;
  /** How often to ask the gateway for its public address between renewals (default 60). */
  checkSeconds?: number;
  /** How long to wait for SSDP answers (default 2000). */
  discoverMs?: number;
  /** NAT-PMP sends before giving up (default 4: 3.75 s). */
  natPmpTries?: number;
  /** The mapping's description on the gateway (default "p2pchat"). */
  description?: string;
  log?: PortmapLog;
  /** For discoveryAllowed() (default process.env). */
  env?: Record<string, string | undefined>;
}

interface Held {
  device: NatDevice;
  port: number;
  address: string;
  leaseSeconds: number;
  renewAt: number;
  /** Where the mapping was made from: the gateway asked and our address towards it. */
  gateway: string;
  local: string;
}

interface Problem {
  why: MapFailure;
  note: string;
}

const FALLBACK_PORTS = 3;
/** Which failure says most about what would help, first. */
const TELLING: MapFailure[] = ["not-public", "refused", "no-answer", "no-gateway"];

export class PortMapper {
  private held: Held | null = null;
  private running = false;
  private attempting = false;
  private problem: (Problem & { gateway: string | null; local: string | null }) | null = null;
  private failures = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private busy: Promise<void> = Promise.resolve();
  private abort = new AbortController();
  private readonly listeners = new Set<(now: PublicAddress | null) => void>();
  private readonly log: PortmapLog;

  constructor(private readonly o: PortMapperOptions) {
    this.log = o.log ?? childLogger("portmap");
  }

  /** Begins mapping; resolves once the first attempt has succeeded or failed. */
  async start(): Promise<void> {
    if (this.running || !discoveryAllowed(this.o.env)) return;
    this.running = true;
    this.attempting = true;
    this.abort = new AbortController();
    await this.run();
  }

  /**
   * The network changed (an address, the gateway): check now rather than at
   * the next renewal, and map again if we moved. A failed mapper tries again
   * at once, its backoff forgotten. Resolves when done.
   */
  networkChanged(): Promise<void> {
    if (!this.running) return Promise.resolve();
    clearTimeout(this.timer);
    this.failures = 0;
    if (!this.held) this.attempting = true;
    return this.run();
  }

  /** Stops renewing and removes the mapping from the gateway. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    clearTimeout(this.timer);
    this.abort.abort();
    await this.busy;
    const h = this.held;
    if (h) await this.release(h, "stopping");
  }

  current(): PublicAddress | null {
    const h = this.held;
    return h ? { address: h.address, port: h.port, via: h.device.via } : null;
  }

  /** Where it stands, for "where you stand": trying (first attempt, or again after a move), mapped, or failed and why. */
  state(): MapperState {
    const now = this.current();
    if (now) return { state: "mapped", public: now };
    if (this.attempting || !this.problem) return { state: "trying" };
    return { state: "failed", ...this.problem };
  }

  /** Called with the new public address (or null) whenever it changes; returns an unsubscribe. */
  onChange(cb: (now: PublicAddress | null) => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  private run(): Promise<void> {
    this.busy = this.busy
      .then(() => (this.held ? this.check() : this.acquire()))
      .catch((e) => this.log.debug(`port mapping: ${message(e)}`))
      .finally(() => {
        this.attempting = false;
        this.schedule();
      });
    return this.busy;
  }

  private schedule(): void {
    clearTimeout(this.timer);
    if (!this.running) return;
    const retry = (this.o.retrySeconds ?? 30) * 1000;
    const ms = this.held ? Math.max(0, Math.min((this.o.checkSeconds ?? 60) * 1000, this.held.renewAt - Date.now())) : retry * 2 ** Math.min(Math.max(this.failures - 1, 0), 5);
    this.timer = setTimeout(() => void this.run(), ms);
    this.timer.unref?.();
  }

  /** The gateway to ask and our address towards it, now. */
  private async whereNow(): Promise<{ gateway: string | null; local: string | null }> {
    const gateway = this.o.gateway ?? (await defaultGateway());
    return { gateway, local: gateway ? await localAddressTowards(gateway) : null };
  }

  private async acquire(): Promise<void> {
    this.attempting = true;
    const { gateway, local } = await this.whereNow();
    if (!gateway || !local) {
      this.failures++;
      this.problem = { why: "no-gateway", note: gateway ? `no route to the gateway ${gateway}` : "no default gateway", gateway, local };
      return this.log.debug(gateway ? `no route to the gateway ${gateway}` : "no default gateway: no port mapping for now");
    }
    const lease = this.o.leaseSeconds ?? 3600;
    const problems: Problem[] = [];
    for (const via of this.o.via ?? ["upnp", "nat-pmp"]) {
      if (!this.running) return;
      let device: NatDevice | null = null;
      try {
        device =
          via === "upnp"
            ? await findUpnpDevice({ gateway, localAddress: local, timeoutMs: this.o.discoverMs ?? 2000, description: this.o.description ?? "p2pchat", signal: this.abort.signal, log: (m) => this.log.debug(m) })
            : natPmpDevice(gateway, this.o.natPmpTries ?? 4, this.abort.signal);
        if (!device) {
          problems.push({ why: "no-answer", note: `${via}: no gateway answered` });
          this.log.debug(`${via}: no gateway answered`);
          continue;
        }
        const address = await this.publicAddressOf(device);
        const granted = await device.map(this.o.internalPort, this.ports(device), lease);
        this.failures = 0;
        this.problem = null;
        this.log.debug(`${via}: mapped port ${granted.port} to ${local}:${this.o.internalPort} for ${granted.leaseSeconds || "unlimited"} s`);
        return this.set({ device, port: granted.port, address, leaseSeconds: granted.leaseSeconds, renewAt: renewAt(granted.leaseSeconds, lease), gateway, local });
      } catch (e) {
        device?.close();
        problems.push({ why: e instanceof NotPublic ? "not-public" : /no gateway/.test(message(e)) ? "no-answer" : "refused", note: `${via}: ${message(e)}` });
        this.log.debug(`${via}: ${message(e)}`);
      }
    }
    this.failures++;
    const worst = TELLING.find((w) => problems.some((p) => p.why === w)) ?? "no-answer";
    this.problem = { why: worst, note: problems.filter((p) => p.why === worst).map((p) => p.note).join("; "), gateway, local };
  }

  /**
   * Checks that we are still where the mapping was made (else removes it and
   * maps again from here), renews when half the lease is gone, and rereads
   * the public address; on failure, starts over.
   */
  private async check(): Promise<void> {
    const h = this.held!;
    const now = await this.whereNow();
    if (now.gateway !== h.gateway || now.local !== h.local) {
      const what = now.gateway !== h.gateway ? `the gateway changed (${h.gateway} → ${now.gateway ?? "none"})` : `this machine's address changed (${h.local} → ${now.local ?? "none"})`;
      this.log.info(`${what}: mapping port ${this.o.internalPort} again`);
      await this.release(h, what, now.local);
      if (this.running) await this.acquire();
      return;
    }
    try {
      let { port, leaseSeconds, renewAt: next } = h;
      if (Date.now() >= h.renewAt) {
        const lease = this.o.leaseSeconds ?? 3600;
        const granted = await h.device.map(this.o.internalPort, [h.port, ...this.ports(h.device)], lease);
        ({ port, leaseSeconds } = granted);
        next = renewAt(leaseSeconds, lease);
        this.log.debug(`${h.device.via}: renewed port ${port} for ${leaseSeconds || "unlimited"} s`);
      }
      const address = await this.publicAddressOf(h.device);
      this.set({ ...h, port, address, leaseSeconds, renewAt: next });
    } catch (e) {
      if (!this.running) return; // stop() cut the request short, and removes the mapping itself
      this.log.debug(`${h.device.via}: lost the mapping of port ${h.port}: ${message(e)}`);
      h.device.close();
      this.set(null);
      if (this.running) await this.acquire();
    }
  }

  /**
   * Removes a mapping we hold, as far as the gateway lets us. Asked from
   * `from` (our address now) for a mapping made from another, it cannot
   * always: a UPnP gateway in secure mode removes a mapping only for the
   * address it points to, and NAT-PMP knows a client only by its address.
   * That one lapses with its lease.
   */
  private async release(h: Held, why: string, from: string | null = h.local): Promise<void> {
    const left = h.leaseSeconds > 0 ? `: it lapses with its lease, within ${h.leaseSeconds} s` : "";
    if (from !== h.local && h.device.via === "nat-pmp") {
      // A NAT-PMP delete names no client: the gateway removes only the asker's own mappings, and says yes either way.
      this.log.debug(`the mapping of port ${h.port} (nat-pmp) points at ${h.local}, which NAT-PMP cannot name from here (${why})${left}`);
      h.device.close();
      return this.set(null);
    }
    try {
      await h.device.unmap(this.o.internalPort, h.port);
      this.log.debug(`removed the mapping of port ${h.port} (${h.device.via})`);
    } catch (e) {
      this.log.debug(`could not remove the mapping of port ${h.port} (${h.device.via}, ${why}): ${message(e)}${left}`);
    } finally {
      h.device.close();
      this.set(null);
    }
  }

  private async publicAddressOf(device: NatDevice): Promise<string> {
    const address = await device.externalAddress();
    if (!isPublicIPv4(address)) throw new NotPublic(address);
    return address;
  }

  private ports(device: NatDevice): number[] {
    return candidatePorts(this.o.internalPort, this.o.seed ?? "", device.id);
  }

  private set(h: Held | null): void {
    const before = this.current();
    this.held = h;
    const now = this.current();
    if (before?.address === now?.address && before?.port === now?.port && before?.via === now?.via) return;
    if (now) this.log.info(`public address ${now.address}:${now.port} (${now.via})`);
    else this.log.debug("no public address any more");
    for (const cb of [...this.listeners]) {
      try {
        cb(now);
      } catch (e) {
        this.log.debug(`port mapping: a change listener failed: ${message(e)}`);
      }
    }
  }
}

/** The gateway's own address is not public: a second NAT beyond it. */
class NotPublic extends Error {
  constructor(readonly address: string) {
    super(`the gateway's own address ${JSON.stringify(address)} is not public (a second NAT beyond it?)`);
  }
}

/** The external ports to ask for: the internal port, then a few stable pseudo-random ones (1024-65535). */
export function candidatePorts(internalPort: number, seed: string, gatewayId: string, count = FALLBACK_PORTS): number[] {
  const out = [internalPort];
  for (let i = 0; out.length < count + 1; i++) {
    const h = createHash("sha256").update(`${seed}\0${internalPort}\0${gatewayId}\0${i}`).digest();
    const port = 1024 + (h.readUInt32BE(0) % (65536 - 1024));
    if (!out.includes(port)) out.push(port);
  }
  return out;
}

/** Not private, shared (CGN), loopback, link-local, unspecified or multicast. */
export function isPublicIPv4(a: string): boolean {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(a);
  if (!m) return false;
  const [x, y] = [Number(m[1]), Number(m[2])];
  if ([x, y, Number(m[3]), Number(m[4])].some((n) => n > 255)) return false;
  return !(x === 0 || x === 10 || x === 127 || x >= 224 || (x === 100 && y >= 64 && y < 128) || (x === 169 && y === 254) || (x === 172 && y >= 16 && y < 32) || (x === 192 && y === 168));
}

function renewAt(granted: number, asked: number): number {
  return Date.now() + ((granted || asked) * 1000) / 2;
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
