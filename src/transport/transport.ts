// Listens for peers and dials them, over TLS, and hands each connection to a
// Link. One handler object per listener (Bun's design), state in socket.data.
import type { Socket, SocketHandler, TCPSocketListener } from "bun";
import type { Duplex } from "node:stream";
import type { Hello } from "../protocol/messages.ts";
import { HandshakeBudget } from "./budget.ts";
import type { Identity } from "./identity.ts";
import { DEFAULT_LIMITS, Link, type Direction, type LinkHandler, type LinkLimits, type LinkSide } from "./link.ts";
import { tlsOverStream, type TlsRole } from "./stream-tls.ts";
import { tlsOptions } from "./tls.ts";
import { TransportError } from "./transport-error.ts";

/** Links of every state at once; a connection beyond is closed at once (fan-in is measured at 1,000). */
export const MAX_LINKS = 10_000;
export { MAX_HANDSHAKES } from "./budget.ts";

export { TransportError, type ListenErrorCode, type TransportErrorCode } from "./transport-error.ts";

/** What a stopping node says to its peers; a blocked peer is told exactly this too, so it cannot tell. */
export const SHUTDOWN_REASON = "the peer is shutting down";

interface BaseOptions<Ctx> {
  identity: Identity;
  handler: LinkHandler<Ctx>;
  /** Our hello for a link, asked for when it needs one (the listen port and what we tell this peer may change). */
  hello: (link: Link<Ctx>) => Hello;
  limits?: Partial<LinkLimits>;
}

/**
 * `incoming` makes the node's state (Link.ctx) for a link it did not dial (one
 * that came in, or a relayed one it was invited to); it may be left out only
 * where that state may be null.
 */
export type TransportOptions<Ctx> = BaseOptions<Ctx> & (null extends Ctx ? { incoming?: () => Ctx } : { incoming: () => Ctx });

const socketHandler: SocketHandler<Link> = {
  open(s) {
    s.data?.attach(s);
  },
  handshake(s) {
    s.data?.onHandshake(s);
  },
  data(s, chunk) {
    s.data?.onData(chunk);
  },
  drain(s) {
    s.data?.onDrain();
  },
  close(s, err) {
    s.data?.onClose(err ?? undefined);
  },
  error(s, err) {
    s.data?.onClose(err);
  },
  connectError(s, err) {
    s.data?.onClose(err);
  },
};

export class Transport<Ctx = unknown> {
  private server: TCPSocketListener<Link<Ctx>> | null = null;
  private readonly links = new Set<Link<Ctx>>();
  private readonly budget = new HandshakeBudget(this.links);
  private timer: ReturnType<typeof setInterval> | null = null;
  private readonly handler: LinkSide<Ctx>;
  /** The state of a link we did not dial (checked by TransportOptions: null only where Ctx allows it). */
  private readonly incoming: () => Ctx;
  readonly limits: LinkLimits;

  constructor(private readonly opts: TransportOptions<Ctx>) {
    this.limits = { ...DEFAULT_LIMITS, ...opts.limits };
    this.incoming = opts.incoming ?? (() => null as Ctx);
    // The node's handler, plus forgetting closed links, and our hello.
    const h = opts.handler;
    this.handler = {
      verify: (l) => h.verify(l),
      hello: (l, m) => h.hello(l, m),
      messages: (l, m) => h.messages(l, m),
      acks: (l, ids) => h.acks(l, ids),
      refused: (l, ids, code, reason) => h.refused?.(l, ids, code, reason),
      group: (l, frames) => h.group?.(l, frames),
      files: (l, frames) => h.files?.(l, frames),
      inviteAnswer: (l, answer) => h.inviteAnswer?.(l, answer),
      reach: (l, f) => h.reach?.(l, f),
      device: (l, f) => h.device?.(l, f),
      writable: (l) => h.writable(l),
      closed: (l, info) => {
        this.links.delete(l);
        if (l.direction === "in") this.budget.forget(l);
        h.closed(l, info);
      },
      ourHello: (l) => opts.hello(l),
    };
  }

  get listening(): { host: string; port: number } | null {
    return this.server ? { host: this.server.hostname, port: this.server.port } : null;
  }

  /** Every link not yet closed, in any state. */
  get all(): ReadonlySet<Link<Ctx>> {
    return this.links;
  }

  listen(host: string, port: number): { host: string; port: number } {
    if (this.server) return this.listening!;
    try {
      this.server = Bun.listen<Link<Ctx>>({
        hostname: host,
        port,
        tls: tlsOptions(this.opts.identity),
        socket: {
          ...socketHandler,
          open: (s) => {
            if (this.links.size >= MAX_LINKS || !this.budget.admit(s.remoteAddress)) {
              s.terminate();
              return;
            }
            const link = this.track(new Link("in", s.remoteAddress, s.remotePort, this.handler, this.limits, this.incoming()));
            s.data = link;
            link.attach(s);
            this.budget.add(link);
          },
        },
      });
    } catch (err) {
      const e = err as { code?: string; message?: string };
      const where = host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
      if (e.code === "EADDRINUSE" || /in use/i.test(e.message ?? "")) {
        throw new TransportError("PORT_IN_USE", `cannot listen on ${where}: the port is in use (another p2pchat serve? pick another with --port)`, { cause: err });
      }
      if (e.code === "EADDRNOTAVAIL" || /not available/i.test(e.message ?? "")) {
        throw new TransportError("ADDRESS_UNAVAILABLE", `cannot listen on ${where}: no such address on this machine`, { cause: err });
      }
      throw new TransportError("LISTEN_FAILED", `cannot listen on ${where}: ${e.message ?? err}`, { cause: err });
    }
    this.startTimer();
    return this.listening!;
  }

  /** Stops accepting; links already up stay up. */
  stopListening(): void {
    this.server?.stop(false);
    this.server = null;
  }

  /** Starts a dial; the link reports through the handler (closed() if it never connects). */
  dial(host: string, port: number, ctx: Ctx): Link<Ctx> {
    const link = this.track(new Link("out", host, port, this.handler, this.limits, ctx));
    this.startTimer();
    Bun.connect<Link<Ctx>>({
      hostname: host,
      port,
      tls: tlsOptions(this.opts.identity),
      data: link,
      socket: socketHandler,
    }).catch((err: Error) => link.onClose(err));
    return link;
  }

  /**
   * Runs a link over a stream that already reaches the peer another way (a
   * relay session, or a TCP connection both ends opened at once through
   * their NATs): TLS in `role` over it, then the same handshake, pin and
   * hellos as a dialed or accepted link. `via` says how it travels
   * ("relay HOST:PORT"; null: straight to the peer, `punched`); `remote` is
   * what link.address shows (the relay, or the peer); `ctx` the node's state
   * for it (a link we did not dial: as for one that came in).
   */
  attach(stream: Duplex, opts: { role: TlsRole; direction?: Direction; via: string | null; punched?: boolean; remote: { host: string; port: number }; ctx?: Ctx }): Link<Ctx> {
    const direction = opts.direction ?? (opts.role === "client" ? "out" : "in");
    const ctx = opts.ctx === undefined ? this.incoming() : opts.ctx;
    const link = this.track(new Link(direction, opts.remote.host, opts.remote.port, this.handler, this.limits, ctx));
    link.via = opts.via;
    link.punched = opts.punched === true;
    // A relayed link we did not dial counts against the relay's share of the handshake budget.
    if (this.links.size > MAX_LINKS || (direction === "in" && !this.budget.admit(opts.remote.host))) {
      stream.destroy();
      link.onClose(new Error("too many links"));
      return link;
    }
    this.startTimer();
    link.attach(tlsOverStream(stream, this.opts.identity, opts.role, link));
    if (direction === "in") this.budget.add(link);
    return link;
  }

  /** Closes every link (with `code` in an error frame) and stops listening. */
  closeAll(code: "SHUTDOWN" | "HIDDEN", reason: string): void {
    this.stopListening();
    for (const link of this.links) link.refuse(code, reason);
  }

  /** Closes everything; resolves once every link has reported closed (or after `waitMs`). */
  async stop(waitMs = 3_000): Promise<void> {
    this.closeAll("SHUTDOWN", SHUTDOWN_REASON);
    const deadline = Date.now() + waitMs;
    while (this.links.size > 0 && Date.now() < deadline) await Bun.sleep(5);
    for (const link of this.links) link.onClose(new Error("shut down"));
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private track(link: Link<Ctx>): Link<Ctx> {
    this.links.add(link);
    return link;
  }

  private startTimer(): void {
    if (this.timer) return;
    const every = Math.max(10, Math.min(1000, this.limits.keepaliveMs / 4, this.limits.handshakeMs / 4));
    this.timer = setInterval(() => {
      const now = Date.now();
      // Under a flood, half-open connections get less time to finish.
      const inbound = this.budget.deadline(this.limits.handshakeMs);
      for (const link of this.links) link.tick(now, link.direction === "in" ? inbound : this.limits.handshakeMs);
    }, every);
    this.timer.unref();
  }
}

export type { Socket };
