// The adopted links: one per device (a peer that knows nothing of devices is
// one device whose id is its peer id), found by device or by peer, since a
// contact with several devices has several. An entry is removed only by the
// link it holds (hyperswarm's connection-set). Which of a contact's links
// carries its outbox: the one not marked secondary.
import type { PeerId } from "../../protocol/peer-id.ts";
import type { NodeLink } from "./link-ctx.ts";

export class LinkSet {
  private readonly byDevice = new Map<string, NodeLink>();
  private readonly byPeer = new Map<PeerId, Set<NodeLink>>();

  /** By device id. */
  get all(): ReadonlyMap<string, NodeLink> {
    return this.byDevice;
  }

  get(deviceId: string): NodeLink | undefined {
    return this.byDevice.get(deviceId);
  }

  has(deviceId: string): boolean {
    return this.byDevice.has(deviceId);
  }

  hasPeer(peerId: PeerId): boolean {
    return this.byPeer.has(peerId);
  }

  values(): IterableIterator<NodeLink> {
    return this.byDevice.values();
  }

  put(link: NodeLink): void {
    this.byDevice.set(link.deviceId!, link);
    let set = this.byPeer.get(link.peerId!);
    if (!set) this.byPeer.set(link.peerId!, (set = new Set()));
    set.add(link);
  }

  /** Forgets `link`, and only it (a newer link of the same device stays). */
  remove(link: NodeLink): void {
    if (this.byDevice.get(link.deviceId!) === link) this.byDevice.delete(link.deviceId!);
    const set = this.byPeer.get(link.peerId!);
    set?.delete(link);
    if (set?.size === 0) this.byPeer.delete(link.peerId!);
  }

  /** Whether `link` is the adopted one of its device. */
  holds(link: NodeLink): boolean {
    return link.deviceId !== null && this.byDevice.get(link.deviceId) === link;
  }

  /** Every adopted link of a peer (each of its devices'). */
  of(peerId: PeerId): NodeLink[] {
    return [...(this.byPeer.get(peerId) ?? [])];
  }

  /** The contact's link that carries its outbox, if one is up (other than `except`). */
  primary(peerId: PeerId, except?: NodeLink): NodeLink | undefined {
    for (const link of this.byPeer.get(peerId) ?? []) if (link !== except && link.ctx.contact && !link.ctx.secondary && !link.ctx.ownDevice) return link;
    return undefined;
  }

  /** A contact's link that may carry its outbox once `gone` no longer does. */
  heir(gone: NodeLink): NodeLink | undefined {
    if (!gone.ctx.contact || gone.ctx.secondary || !gone.peerId) return undefined;
    return this.of(gone.peerId).find((l) => l !== gone && l.ctx.contact && l.ctx.secondary && l.isOpen);
  }
}
