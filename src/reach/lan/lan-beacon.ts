// LAN discovery: announce ourselves and listen for others (syncthing
// lib/discover/local.go). A beacon goes out at start, every 30 s, and at
// once (at most once a second) when we hear a new peer or a peer that
// restarted, so a node that starts is heard, and hears the others, within
// moments. Nothing is sent or heard while discovery is off
// (P2PCHAT_DISCOVERY=off) or while the node is hidden (stop()).
import type { ConsolaInstance } from "consola";
import type { PeerId } from "../../protocol/peer-id.ts";
import { formatHostPort } from "../../domain/host-port.ts";
import { childLogger } from "../../log.ts";
import { discoveryAllowed } from "../discovery-switch.ts";
import { encodeAnnounce, newInstanceId, readAnnounce, type Heard, type HostPort } from "./lan-announce.ts";
import { LanSocket, type LanSocketOptions } from "./lan-socket.ts";
import { Nearby } from "./nearby-peers.ts";

export const BEACON_INTERVAL_MS = 30_000;
/** Beacons sent in answer to a new peer: one per this gap in the long run... */
export const MIN_SEND_GAP_MS = 1_000;
/** ...after a burst of this many (nodes that start together are all answered at once). */
export const ANSWER_BURST = 3;

export interface LanBeaconOptions {
  peerId: PeerId;
  /** Our TCP listening port, read at each send; 0 (not listening) sends nothing. */
  port: () => number;
  /** More addresses to announce (0.0.0.0 and :: mean "where the beacon came from"). */
  addresses?: () => HostPort[];
  discoveryKey?: () => Uint8Array | undefined;
  /** The cache to fill; default a new one with the default limits. */
  nearby?: Nearby;
  intervalMs?: number;
  minGapMs?: number;
  answerBurst?: number;
  /** The first start's instance id (default random); each later start picks a new one. */
  instanceId?: string;
  /** Default discoveryAllowed(): P2PCHAT_DISCOVERY. */
  allowed?: () => boolean;
  socket?: LanSocketOptions;
  /** Every beacon accepted from another peer, before the cache's limits (fixtures print these). */
  onHeard?: (h: Heard, isNew: boolean) => void;
  log?: ConsolaInstance;
}

export interface BeaconStats {
  /** Beacons sent (each to every target). */
  sent: number;
  /** Packets read: accepted, ours (echoes of our own beacons), and not ours at all. */
  heard: number;
  own: number;
  malformed: number;
}

export class LanBeacon {
  /** As a Finder (REACH.md): name, lookup, error. */
  readonly name = "lan";
  readonly peerId: PeerId;
  readonly nearby: Nearby;
  /** Random per start: a node back from hidden has forgotten everyone, and a new instance makes the others answer at once. */
  instanceId: string;
  readonly stats: BeaconStats = { sent: 0, heard: 0, own: 0, malformed: 0 };
  private readonly o: LanBeaconOptions;
  private readonly log: ConsolaInstance;
  private socket: LanSocket | null = null;
  private starting: Promise<boolean> | null = null;
  private interval: ReturnType<typeof setInterval> | null = null;
  private pending: ReturnType<typeof setTimeout> | null = null;
  private answers: number;
  private answersAt = performance.now();
  private lastError: Error | null = null;
  private stopped = false;

  constructor(opts: LanBeaconOptions) {
    this.o = opts;
    this.peerId = opts.peerId;
    this.nearby = opts.nearby ?? new Nearby();
    this.instanceId = opts.instanceId ?? newInstanceId();
    this.log = opts.log ?? childLogger("lan");
    this.answers = opts.answerBurst ?? ANSWER_BURST;
  }

  get running(): boolean {
    return this.socket !== null;
  }

  /** The UDP ports bound (LAN_PORT unless the socket options said 0), or null while stopped. */
  ports(): { v4: number | null; v6: number | null } | null {
    return this.socket?.ports() ?? null;
  }

  /** Opens the sockets and sends the first beacon. False (and nothing opened) when discovery is off. */
  start(): Promise<boolean> {
    if (this.socket) return Promise.resolve(true);
    this.starting ??= this.open().finally(() => (this.starting = null));
    return this.starting;
  }

  /** Going hidden: stops sending, closes the sockets (nothing is heard), forgets who was nearby. */
  async stop(): Promise<void> {
    await this.starting?.catch(() => {});
    if (this.interval) clearInterval(this.interval);
    if (this.pending) clearTimeout(this.pending);
    this.interval = this.pending = null;
    const s = this.socket;
    this.socket = null;
    if (s) this.stopped = true;
    this.nearby.clear();
    await s?.close();
  }

  /**
   * Sends a beacon now, or as soon as the budget allows (requests in between
   * share one): for a new peer, a changed port or address list. A token
   * bucket, ANSWER_BURST deep, refilled once per MIN_SEND_GAP_MS; the
   * periodic beacons do not draw on it.
   */
  announceNow(): void {
    if (!this.socket || this.pending) return;
    const gap = this.o.minGapMs ?? MIN_SEND_GAP_MS;
    const burst = this.o.answerBurst ?? ANSWER_BURST;
    const now = performance.now();
    this.answers = Math.min(burst, this.answers + (now - this.answersAt) / gap);
    this.answersAt = now;
    const go = () => {
      this.pending = null;
      this.answers -= 1; // may dip below 0 after a wait; the refill brings it back
      void this.send();
    };
    if (this.answers >= 1) return go();
    this.pending = setTimeout(go, (1 - this.answers) * gap);
    this.pending.unref?.();
  }

  /**
   * The addresses heard for `peer` in the last TTL, as `host:port` (IPv6 in
   * brackets, link-local with its zone: `[fe80::1%eth0]:20001`), the most
   * recently heard first; [] when not heard. Hints: the TLS pin judges.
   */
  async lookup(peer: PeerId, _signal?: AbortSignal): Promise<string[]> {
    return (this.nearby.get(peer)?.addresses ?? []).map((a) => formatHostPort(a.host, a.port));
  }

  /** The last failure to bind, send or read, or null. */
  error(): Error | null {
    return this.socket?.error() ?? this.lastError;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
    this.nearby.close();
  }

  private async open(): Promise<boolean> {
    if (!(this.o.allowed ?? discoveryAllowed)()) return false;
    if (this.stopped) this.instanceId = newInstanceId();
    try {
      this.socket = await LanSocket.open((p, from) => this.onPacket(p, from), this.o.socket);
    } catch (err) {
      this.lastError = err as Error;
      this.log.debug(`LAN discovery is off: ${(err as Error).message}`);
      return false;
    }
    this.interval = setInterval(() => this.send(), this.o.intervalMs ?? BEACON_INTERVAL_MS);
    this.interval.unref?.();
    await this.send();
    return true;
  }

  private async send(): Promise<void> {
    const socket = this.socket;
    if (!socket || !(this.o.allowed ?? discoveryAllowed)()) return;
    const port = this.o.port();
    if (port < 1 || port > 65535) return; // nothing to announce yet
    let packet: Uint8Array;
    try {
      const announce = { peerId: this.peerId, port, instanceId: this.instanceId, addresses: this.o.addresses?.() ?? [] };
      const key = this.o.discoveryKey?.();
      packet = encodeAnnounce(key ? { ...announce, discoveryKey: key } : announce);
    } catch (err) {
      this.lastError = err as Error;
      this.log.debug(`LAN beacon not sent: ${(err as Error).message}`);
      return;
    }
    this.stats.sent++;
    const n = await socket.send(packet);
    if (n === 0) this.log.debug(`LAN beacon reached no network: ${socket.error()?.message ?? "no target"}`);
  }

  private onPacket(p: Uint8Array, from: HostPort): void {
    if (!this.socket) return;
    const h = readAnnounce(p, from);
    if (!h) {
      this.stats.malformed++;
      return;
    }
    // Our own beacons come back to us (broadcast and multicast loop back);
    // a beacon claiming our id or instance is either that or a forgery.
    if (h.peerId === this.peerId || h.instanceId === this.instanceId) {
      this.stats.own++;
      return;
    }
    this.stats.heard++;
    const isNew = this.nearby.record(h);
    this.o.onHeard?.(h, isNew);
    if (isNew) this.announceNow();
  }
}
