// Dialing our other devices: each one not linked is dialed at the addresses
// it last told us, one after another, again after a while, as a contact is.
// What answers is checked by admission (our identity, that device's id).
import type { Transport } from "../../transport/transport.ts";
import { parseHostPort } from "../../domain/host-port.ts";
import { childLogger } from "../../log.ts";
import { ownDeviceCtx, type LinkCtx, type NodeLink } from "../engine/link-ctx.ts";

const log = childLogger("node");

/** How often devices not linked are dialed again. */
export const OWN_REDIAL_MS = 15_000;

export interface OwnDialsDeps {
  transport(): Transport<LinkCtx>;
  /** Our other devices (not revoked) and where they said they are. */
  devices(): readonly { deviceId: string; addrs: readonly string[] }[];
  linked(deviceId: string): boolean;
  discoverable(): boolean;
  redialMs?: number;
}

export class OwnDials {
  /** Device id → the dial in flight and the addresses still to try. */
  private readonly dialing = new Map<string, { link: NodeLink; rest: string[] }>();
  private timer: ReturnType<typeof setInterval> | null = null;

  constructor(private readonly d: OwnDialsDeps) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.dialAll(), this.d.redialMs ?? OWN_REDIAL_MS);
    this.timer.unref?.();
    this.dialAll();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.dialing.clear();
  }

  /** Dials each device not linked nor being dialed. */
  dialAll(): void {
    if (!this.d.discoverable()) return;
    for (const dev of this.d.devices()) {
      if (this.d.linked(dev.deviceId) || this.dialing.has(dev.deviceId)) continue;
      this.next(dev.deviceId, [...dev.addrs]);
    }
  }

  isDialing(link: NodeLink): boolean {
    const id = link.ctx.ownDevice;
    return id !== null && this.dialing.get(id)?.link === link;
  }

  /** A dial of ours closed: the next address, unless it was adopted (then its close starts over later). */
  closed(link: NodeLink, adopted: boolean): void {
    const id = link.ctx.ownDevice;
    const entry = id ? this.dialing.get(id) : undefined;
    if (!id || entry?.link !== link) return;
    this.dialing.delete(id);
    // Not adopted: the next address, unless a link to that device is up anyway (it dialed us at the same time).
    if (!adopted && !this.d.linked(id) && this.d.discoverable()) this.next(id, entry.rest);
  }

  /** A dial of ours was adopted. */
  up(link: NodeLink): void {
    const id = link.ctx.ownDevice;
    if (id && this.dialing.get(id)?.link === link) this.dialing.delete(id);
  }

  private next(deviceId: string, rest: string[]): void {
    while (rest.length > 0) {
      const text = rest.shift()!;
      let target: { host: string; port: number };
      try {
        target = parseHostPort(text);
      } catch {
        continue;
      }
      log.debug(`dialing our device ${deviceId.slice(0, 7)} at ${text}`);
      const link = this.d.transport().dial(target.host, target.port, ownDeviceCtx(deviceId, target));
      this.dialing.set(deviceId, { link, rest });
      return;
    }
  }
}
