// What the LAN told us lately: peer id -> addresses heard in beacons, kept
// for 90 s (syncthing keeps 3x its 30 s interval). Beacons are unsigned, so
// everything here is a hint, and what a beacon can set off is bounded: at
// most MAX_NEARBY peers, MAX_ADDRESSES_PER_PEER addresses per peer id, one
// onPeer call per peer id per TRIGGER_GAP_MS, and a global token bucket on
// top. A forged flood can make the node try a few wrong addresses, no more.
import type { PeerId } from "../../protocol/peer-id.ts";
import type { Heard, HostPort } from "./lan-announce.ts";

export const NEARBY_TTL_MS = 90_000;
export const MAX_NEARBY = 256;
export const MAX_ADDRESSES_PER_PEER = 8;
export const TRIGGER_GAP_MS = 5_000;
export const TRIGGER_BURST = 32;
export const TRIGGERS_PER_SECOND = 8;

export interface NearbyAddress extends HostPort {
  /** The source host of the last beacon that named this address. */
  from: string;
  lastHeard: number;
}

export interface NearbyPeer {
  peerId: PeerId;
  instanceId: string;
  firstHeard: number;
  lastHeard: number;
  /** Live addresses, the most recently heard first. */
  addresses: NearbyAddress[];
  discoveryKey?: Uint8Array;
}

/** `isNew`: first heard (or heard again after expiry), or a new instance (the peer restarted). */
export type PeerHook = (peerId: PeerId, addresses: HostPort[], isNew: boolean) => void;

export interface NearbyOptions {
  ttlMs?: number;
  maxPeers?: number;
  maxAddresses?: number;
  triggerGapMs?: number;
  triggerBurst?: number;
  triggersPerSecond?: number;
  now?: () => number;
  /** Peers that keep a place when the cache is full (the node passes "is a contact"). */
  prefer?: (id: PeerId) => boolean;
}

interface Entry extends NearbyPeer {
  lastTriggered: number;
  /** An onPeer call for a new peer or instance is owed. */
  pendingNew: boolean;
}

export class Nearby {
  readonly ttlMs: number;
  private readonly o: Required<Omit<NearbyOptions, "ttlMs">>;
  private readonly peers = new Map<PeerId, Entry>();
  private readonly hooks = new Set<PeerHook>();
  private readonly dirty = new Set<Entry>();
  private tokens: number;
  private tokensAt: number;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(opts: NearbyOptions = {}) {
    this.ttlMs = opts.ttlMs ?? NEARBY_TTL_MS;
    this.o = {
      maxPeers: opts.maxPeers ?? MAX_NEARBY,
      maxAddresses: opts.maxAddresses ?? MAX_ADDRESSES_PER_PEER,
      triggerGapMs: opts.triggerGapMs ?? TRIGGER_GAP_MS,
      triggerBurst: opts.triggerBurst ?? TRIGGER_BURST,
      triggersPerSecond: opts.triggersPerSecond ?? TRIGGERS_PER_SECOND,
      now: opts.now ?? Date.now,
      prefer: opts.prefer ?? (() => false),
    };
    this.tokens = this.o.triggerBurst;
    this.tokensAt = this.o.now();
  }

  /** Calls `cb` when a peer is new or names a new address (rate-limited); returns an unsubscribe. */
  onPeer(cb: PeerHook): () => void {
    this.hooks.add(cb);
    return () => this.hooks.delete(cb);
  }

  /** Takes in one beacon. True when the peer or its instance is new: the caller answers with a beacon of its own. */
  record(h: Heard): boolean {
    const now = this.o.now();
    let e = this.live(h.peerId, now);
    const isNew = !e || e.instanceId !== h.instanceId;
    if (!e) {
      if (!this.makeRoom(h.peerId, now)) return false;
      e = { peerId: h.peerId, instanceId: h.instanceId, firstHeard: now, lastHeard: now, addresses: [], lastTriggered: -Infinity, pendingNew: true };
      this.peers.set(h.peerId, e);
    }
    e.instanceId = h.instanceId;
    e.lastHeard = now;
    if (h.discoveryKey) e.discoveryKey = h.discoveryKey;
    else delete e.discoveryKey;
    e.addresses = e.addresses.filter((a) => now - a.lastHeard < this.ttlMs);
    for (const [i, a] of h.addresses.entries()) {
      if (this.mergeAddress(e, a, h.from.host, i === 0, now)) this.dirty.add(e);
    }
    e.addresses.sort((a, b) => b.lastHeard - a.lastHeard);
    if (isNew) {
      e.pendingNew = true;
      this.dirty.add(e);
    }
    if (this.dirty.size > 0) this.flush();
    return isNew;
  }

  /** Peers heard within the TTL, the most recently heard first. */
  list(): NearbyPeer[] {
    const now = this.o.now();
    const out: NearbyPeer[] = [];
    for (const e of this.peers.values()) {
      if (now - e.lastHeard >= this.ttlMs) continue;
      out.push(view(e, now, this.ttlMs));
    }
    return out.sort((a, b) => b.lastHeard - a.lastHeard);
  }

  get(id: PeerId): NearbyPeer | null {
    const now = this.o.now();
    const e = this.live(id, now);
    return e ? view(e, now, this.ttlMs) : null;
  }

  /** Fires the onPeer calls that are due; schedules itself for those held back. Called by record(). */
  flush(): void {
    const now = this.o.now();
    let wait = Infinity;
    for (const e of this.dirty) {
      if (this.peers.get(e.peerId) !== e || now - e.lastHeard >= this.ttlMs) {
        this.dirty.delete(e);
        continue;
      }
      const gapLeft = e.lastTriggered + this.o.triggerGapMs - now;
      if (gapLeft > 0) {
        wait = Math.min(wait, gapLeft);
        continue;
      }
      if (!this.takeToken(now)) {
        wait = Math.min(wait, Math.ceil(1000 / this.o.triggersPerSecond));
        break;
      }
      const isNew = e.pendingNew;
      e.pendingNew = false;
      this.dirty.delete(e);
      e.lastTriggered = now;
      const addresses = view(e, now, this.ttlMs).addresses.map(({ host, port }) => ({ host, port }));
      for (const cb of this.hooks) cb(e.peerId, addresses, isNew);
    }
    if (wait < Infinity && !this.timer) {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.flush();
      }, wait);
      this.timer.unref?.();
    }
  }

  clear(): void {
    this.peers.clear();
    this.dirty.clear();
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.hooks.clear();
  }

  get size(): number {
    return this.peers.size;
  }

  private live(id: PeerId, now: number): Entry | null {
    const e = this.peers.get(id);
    if (!e) return null;
    if (now - e.lastHeard < this.ttlMs) return e;
    this.peers.delete(id);
    return null;
  }

  // Full: drop the expired, then the longest silent if it has missed a beacon
  // or more (half the TTL); a preferred peer may push out a non-preferred one.
  private makeRoom(id: PeerId, now: number): boolean {
    if (this.peers.size < this.o.maxPeers) return true;
    for (const [k, e] of this.peers) if (now - e.lastHeard >= this.ttlMs) this.peers.delete(k);
    if (this.peers.size < this.o.maxPeers) return true;
    const preferred = this.o.prefer(id);
    let victim: Entry | null = null;
    for (const e of this.peers.values()) {
      const stale = now - e.lastHeard >= this.ttlMs / 2;
      if (!stale && !(preferred && !this.o.prefer(e.peerId))) continue;
      if (!victim || e.lastHeard < victim.lastHeard) victim = e;
    }
    if (!victim) return false;
    this.peers.delete(victim.peerId);
    return true;
  }

  // True when the address is new. A full list makes room only by dropping an
  // address unheard for half the TTL, or, for the packet's own source, one
  // that another host announced: a flood of announced addresses cannot push
  // out the address a peer's beacons come from.
  private mergeAddress(e: Entry, a: HostPort, from: string, isSource: boolean, now: number): boolean {
    const same = e.addresses.find((x) => x.host === a.host && x.port === a.port);
    if (same) {
      same.lastHeard = now;
      same.from = from;
      return false;
    }
    if (e.addresses.length >= this.o.maxAddresses) {
      let victim = -1;
      e.addresses.forEach((x, i) => {
        const replaceable = now - x.lastHeard >= this.ttlMs / 2 || (isSource && x.host !== x.from);
        if (replaceable && (victim < 0 || x.lastHeard < e.addresses[victim]!.lastHeard)) victim = i;
      });
      if (victim < 0) return false;
      e.addresses.splice(victim, 1);
    }
    e.addresses.push({ host: a.host, port: a.port, from, lastHeard: now });
    return true;
  }

  private takeToken(now: number): boolean {
    this.tokens = Math.min(this.o.triggerBurst, this.tokens + ((now - this.tokensAt) * this.o.triggersPerSecond) / 1000);
    this.tokensAt = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/**
 * The addresses a peer's beacons came from (its source address with the port
 * it announced), not the others a beacon merely names: anyone on the LAN can
 * name any address in a beacon, but a flood from one host vouches only for
 * that host. p2pchat's own beacons name no other address.
 */
export function vouchedAddresses(p: NearbyPeer): NearbyAddress[] {
  return p.addresses.filter((a) => a.host === a.from);
}

function view(e: Entry, now: number, ttlMs: number): NearbyPeer {
  const p: NearbyPeer = {
    peerId: e.peerId,
    instanceId: e.instanceId,
    firstHeard: e.firstHeard,
    lastHeard: e.lastHeard,
    addresses: e.addresses.filter((a) => now - a.lastHeard < ttlMs).map((a) => ({ ...a })),
  };
  if (e.discoveryKey) p.discoveryKey = e.discoveryKey;
  return p;
}
