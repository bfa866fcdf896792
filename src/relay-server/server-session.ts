// One relayed session on our relay server (strelaysrv's session.go): two
// keys, one per side; the first side to join waits, unread, until the
// second arrives; then every byte from one goes to the other, within a
// per-session and a global rate (token buckets) and without buffering more
// than one read's worth: a side whose partner is not reading, or that has
// used up its rate, is simply not read (TCP pushes back on the sender).
import type { Socket } from "bun";
import type { PeerId } from "../protocol/peer-id.ts";
import { WriteQueue } from "../transport/writer.ts";
import type { SocketEvents } from "../reach/relay/socket-stream.ts";

/** Tokens are bytes, refilled at `ratePerSec` up to `burst`. */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    readonly ratePerSec: number,
    readonly burst: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = burst;
    this.last = now();
  }

  /** Whole tokens there now. */
  available(): number {
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) * this.ratePerSec) / 1000);
    this.last = t;
    return Math.max(0, Math.floor(this.tokens));
  }

  take(n: number): void {
    this.tokens -= n;
  }

  /** Ms until `n` tokens (at most a burst) are there. */
  waitFor(n: number): number {
    const short = Math.min(n, this.burst) - this.available();
    return short <= 0 ? 0 : Math.ceil((short * 1000) / this.ratePerSec);
  }
}

const QUEUE_CAP = 4 << 20;
/** Held bytes go out in pieces of at most this much as the rate allows. */
const STEP = 8 * 1024;

/**
 * One side of a session. What it reads is held until the rate allows it
 * out, and it is not read while anything is held or its partner's queue is
 * not empty: the relay keeps at most one read's worth per side.
 */
class Side implements SocketEvents {
  other: Side | null = null;
  readonly queue = new WriteQueue(QUEUE_CAP);
  private held: Uint8Array[] = [];
  private blocked = false;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    readonly session: RelaySession,
    readonly socket: Socket<SocketEvents>,
    readonly head: Uint8Array,
  ) {}

  data(_s: Socket<SocketEvents>, chunk: Uint8Array): void {
    if (!this.other) return;
    this.held.push(chunk);
    this.pump();
    // Bun may reuse a chunk's memory once this handler returns: keep a copy of what is still held.
    if (this.held.length > 0 && this.held[this.held.length - 1]!.buffer === chunk.buffer) this.held = this.held.map((h) => (h.buffer === chunk.buffer ? h.slice() : h));
  }

  drain(): void {
    if (this.queue.drain(this.socket) && this.other) {
      this.other.blocked = false;
      this.other.pump();
    }
  }

  close(): void {
    this.session.close();
  }

  /** Forwards held bytes as far as the partner and the rate allow; reads again once nothing is held. */
  pump(): void {
    const o = this.other;
    if (!o) return;
    while (this.held.length > 0 && !this.blocked) {
      const h = this.held[0]!;
      const n = this.session.allow(h.byteLength);
      if (n === 0) {
        this.timer ??= setTimeout(() => ((this.timer = null), this.pump()), Math.max(1, this.session.waitMs(Math.min(h.byteLength, STEP))));
        break;
      }
      if (n < h.byteLength) this.held[0] = h.subarray(n);
      else this.held.shift();
      if (!o.queue.send(o.socket, h.subarray(0, n))) return this.session.close();
      this.session.relayed(n);
      if (o.queue.bytes > 0) this.blocked = true;
    }
    if (this.held.length > 0 || this.blocked) this.socket.pause();
    else this.socket.resume();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.socket.end();
    const s = this.socket;
    setTimeout(() => s.terminate(), 1_000).unref();
  }
}

export interface SessionHost {
  /** How many of `bytes` may go out now (taken from the session's and the global budget). */
  allow(session: RelaySession, bytes: number): number;
  /** Ms until `bytes` may go out. */
  waitMs(session: RelaySession, bytes: number): number;
  relayed(bytes: number): void;
  ended(session: RelaySession): void;
}

export class RelaySession {
  readonly serverKey = crypto.getRandomValues(new Uint8Array(32));
  readonly clientKey = crypto.getRandomValues(new Uint8Array(32));
  readonly created = performance.now();
  lastActive = performance.now();
  private readonly sides: Side[] = [];
  private closed = false;
  /** Bytes copied, both ways (for the operator's session log). */
  bytes = 0;
  /** When both sides had joined (null: never). */
  startedAt: number | null = null;

  constructor(
    /** The joined member that was asked for (it gets serverSocket = true). */
    readonly serverId: PeerId,
    /** The peer that asked. */
    readonly clientId: PeerId,
    private readonly host: SessionHost,
    readonly bucket: TokenBucket | null,
  ) {}

  get active(): boolean {
    return this.sides.length === 2 && !this.closed;
  }

  involves(id: PeerId): boolean {
    return this.serverId === id || this.clientId === id;
  }

  /**
   * A side joined with its key. The caller has already written ResponseSuccess
   * to it; `head` holds bytes that came behind its JoinSessionRequest.
   */
  join(socket: Socket<SocketEvents>, head: Uint8Array): void {
    const side = new Side(this, socket, head);
    socket.data = side;
    this.sides.push(side);
    if (this.sides.length < 2) return void socket.pause();
    const [a, b] = this.sides as [Side, Side];
    this.startedAt = performance.now();
    a.other = b;
    b.other = a;
    for (const s of [a, b]) {
      if (s.head.byteLength > 0) s.data(s.socket, s.head);
      else s.pump();
    }
  }

  allow(bytes: number): number {
    this.lastActive = performance.now();
    return this.host.allow(this, bytes);
  }

  waitMs(bytes: number): number {
    return this.host.waitMs(this, bytes);
  }

  relayed(bytes: number): void {
    this.bytes += bytes;
    this.host.relayed(bytes);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const s of this.sides) s.stop();
    this.host.ended(this);
  }
}
