// One relayed session on our relay server (strelaysrv's session.go): two
// keys, one per side; the first side to join waits, unread, until the
// second arrives; then every byte from one goes to the other, within a
// per-session and a global rate (token buckets) and without buffering more
// than one socket's worth: a side whose partner is not reading, or that has
// used up its rate, is simply not read (TCP pushes back on the sender).
import type { Socket } from "bun";
import type { PeerId } from "../../protocol/peer-id.ts";
import { WriteQueue } from "../../transport/writer.ts";
import type { SocketEvents } from "./socket-stream.ts";

/** Tokens are bytes; a take may run into debt, and the answer is how long until it is repaid. */
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

  /** Takes `n` tokens; returns the ms to wait before taking more (0: none). */
  take(n: number): number {
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) * this.ratePerSec) / 1000);
    this.last = t;
    this.tokens -= n;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens * 1000) / this.ratePerSec);
  }
}

const QUEUE_CAP = 4 << 20;

class Side implements SocketEvents {
  other: Side | null = null;
  readonly queue = new WriteQueue(QUEUE_CAP);
  private blocked = false;
  private rateUntil = 0;
  private rateTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    readonly session: RelaySession,
    readonly socket: Socket<SocketEvents>,
    readonly head: Uint8Array,
  ) {}

  data(_s: Socket<SocketEvents>, chunk: Uint8Array): void {
    const o = this.other;
    if (!o) return;
    this.session.relayed(chunk.byteLength);
    const wait = this.session.limit(chunk.byteLength);
    if (!o.queue.send(o.socket, chunk)) return this.session.close();
    if (o.queue.bytes > 0) this.blocked = true;
    if (wait > 0) {
      this.rateUntil = Math.max(this.rateUntil, performance.now() + wait);
      if (this.rateTimer) clearTimeout(this.rateTimer);
      this.rateTimer = setTimeout(() => {
        this.rateTimer = null;
        this.rateUntil = 0;
        this.flow();
      }, this.rateUntil - performance.now());
    }
    this.flow();
  }

  drain(): void {
    if (this.queue.drain(this.socket) && this.other) {
      this.other.blocked = false;
      this.other.flow();
    }
  }

  close(): void {
    this.session.close();
  }

  /** Reads while the partner keeps up and the rate allows. */
  flow(): void {
    if (this.blocked || performance.now() < this.rateUntil) this.socket.pause();
    else this.socket.resume();
  }

  stop(): void {
    if (this.rateTimer) clearTimeout(this.rateTimer);
    this.socket.end();
    const s = this.socket;
    setTimeout(() => s.terminate(), 1_000).unref();
  }
}

export interface SessionHost {
  /** Waits for the limiters of this session; returns ms to pause its reader. */
  limit(session: RelaySession, bytes: number): number;
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
    a.other = b;
    b.other = a;
    for (const s of [a, b]) if (s.head.byteLength > 0) s.data(s.socket, s.head);
    a.flow();
    b.flow();
  }

  limit(bytes: number): number {
    this.lastActive = performance.now();
    return this.host.limit(this, bytes);
  }

  relayed(bytes: number): void {
    this.host.relayed(bytes);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const s of this.sides) s.stop();
    this.host.ended(this);
  }
}
