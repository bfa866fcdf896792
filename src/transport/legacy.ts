// The original program's protocol: raw UTF-8 over plain TCP, no framing, no
// handshake, no identity, no encryption. Used only where the user asked for
// it (`serve --legacy-port`, `contacts add --legacy`). Nothing here touches
// the TLS links' code: its own listener, sockets and limits.
import type { Socket, TCPSocketListener } from "bun";
import { TransportError } from "./transport.ts";
import { WriteQueue } from "./writer.ts";

/** Largest message we store from one chunk; a bigger chunk becomes several messages. */
export const LEGACY_MAX_MESSAGE = 64 * 1024;
/** Bytes a legacy peer may have waiting to be stored before it is cut off. */
export const LEGACY_MAX_BACKLOG = 4 * 1024 * 1024;
/** What we queue for a legacy peer that does not read. */
export const LEGACY_MAX_QUEUE = 4 * 1024 * 1024;

/** What the node does with legacy links; `Ctx` is its own state for each (LegacyLink.ctx). */
export interface LegacyHandler<Ctx> {
  opened(link: LegacyLink<Ctx>): void;
  /** Text decoded from one chunk (invalid UTF-8 replaced), at most LEGACY_MAX_MESSAGE bytes each. */
  received(link: LegacyLink<Ctx>, texts: string[], bytes: number): void;
  closed(link: LegacyLink<Ctx>, why: string): void;
}

export class LegacyLink<Ctx> {
  socket: Socket<LegacyLink<Ctx>> | null = null;
  readonly openedAt = Date.now();
  /** Received bytes not yet stored; the node lowers it as it commits. */
  backlog = 0;
  private readonly decoder = new TextDecoder("utf-8", { fatal: false });
  private readonly queue = new WriteQueue(LEGACY_MAX_QUEUE);
  private closedReported = false;
  private why = "closed";

  constructor(
    readonly direction: "in" | "out",
    readonly remoteHost: string,
    readonly remotePort: number,
    private readonly handler: LegacyHandler<Ctx>,
    /** The node's own state for this link. */
    readonly ctx: Ctx,
  ) {}

  get address(): string {
    return this.remoteHost.includes(":") ? `[${this.remoteHost}]:${this.remotePort}` : `${this.remoteHost}:${this.remotePort}`;
  }

  get isOpen(): boolean {
    return this.socket !== null && !this.closedReported;
  }

  /** Raw text, exactly as the original sends it: no separator, no newline. Returns false if the link is gone. */
  write(text: string): boolean {
    if (!this.socket || this.closedReported) return false;
    if (!this.queue.send(this.socket as Socket<unknown>, Buffer.from(text, "utf8"))) {
      this.close("the peer does not read what we send");
      return false;
    }
    return true;
  }

  close(why = "closed"): void {
    this.why = why;
    this.socket?.end();
    if (!this.socket) this.onClose();
  }

  onOpen(s: Socket<LegacyLink<Ctx>>): void {
    this.socket = s;
    if (this.closedReported) {
      s.terminate(); // closed while the dial was under way
      return;
    }
    this.handler.opened(this);
  }

  onData(chunk: Uint8Array): void {
    if (this.closedReported) return;
    this.backlog += chunk.byteLength;
    if (this.backlog > LEGACY_MAX_BACKLOG) {
      this.why = `sent more than ${LEGACY_MAX_BACKLOG} bytes faster than we could store them`;
      this.socket?.terminate();
      return;
    }
    const texts: string[] = [];
    for (let i = 0; i < chunk.byteLength; i += LEGACY_MAX_MESSAGE) {
      const part = chunk.subarray(i, Math.min(chunk.byteLength, i + LEGACY_MAX_MESSAGE));
      const text = this.decoder.decode(part, { stream: true });
      if (text.length > 0) texts.push(text);
    }
    if (texts.length > 0) this.handler.received(this, texts, chunk.byteLength);
    else this.backlog -= chunk.byteLength;
  }

  onDrain(): void {
    if (this.socket) this.queue.drain(this.socket as Socket<unknown>);
  }

  onClose(err?: Error): void {
    if (this.closedReported) return;
    // A multi-byte character cut off at the very end still counts: keep its replacement.
    const tail = this.socket ? this.decoder.decode() : "";
    if (tail) this.handler.received(this, [tail], 0);
    this.closedReported = true;
    this.handler.closed(this, err?.message ?? this.why);
  }
}

function handlers<Ctx>() {
  return {
    open(s: Socket<LegacyLink<Ctx>>) {
      s.data.onOpen(s);
    },
    data(s: Socket<LegacyLink<Ctx>>, chunk: Uint8Array) {
      s.data.onData(chunk);
    },
    drain(s: Socket<LegacyLink<Ctx>>) {
      s.data.onDrain();
    },
    close(s: Socket<LegacyLink<Ctx>>, err?: Error) {
      s.data.onClose(err ?? undefined);
    },
    error(s: Socket<LegacyLink<Ctx>>, err: Error) {
      s.data.onClose(err);
    },
    connectError(s: Socket<LegacyLink<Ctx>>, err: Error) {
      s.data.onClose(err);
    },
  };
}

export class LegacyTransport<Ctx> {
  private server: TCPSocketListener<LegacyLink<Ctx>> | null = null;

  constructor(
    private readonly handler: LegacyHandler<Ctx>,
    /** The node's state for a link that came in. */
    private readonly incoming: () => Ctx,
  ) {}

  get listening(): { host: string; port: number } | null {
    return this.server ? { host: this.server.hostname, port: this.server.port } : null;
  }

  listen(host: string, port: number): void {
    if (this.server) return;
    const { handler, incoming } = this;
    try {
      this.server = Bun.listen<LegacyLink<Ctx>>({
        hostname: host,
        port,
        socket: {
          ...handlers<Ctx>(),
          open(s) {
            s.data = new LegacyLink("in", s.remoteAddress, s.remotePort, handler, incoming());
            s.data.onOpen(s);
          },
        },
      });
    } catch (err) {
      const e = err as { code?: string; message?: string };
      const inUse = e.code === "EADDRINUSE" || /in use/i.test(e.message ?? "");
      throw new TransportError(inUse ? "PORT_IN_USE" : "LISTEN_FAILED", `cannot listen for legacy peers on ${host}:${port}: ${inUse ? "the port is in use" : e.message}`, { cause: err });
    }
  }

  stopListening(): void {
    this.server?.stop(false);
    this.server = null;
  }

  dial(host: string, port: number, ctx: Ctx): LegacyLink<Ctx> {
    const link = new LegacyLink("out", host, port, this.handler, ctx);
    Bun.connect<LegacyLink<Ctx>>({ hostname: host, port, data: link, socket: handlers<Ctx>() }).catch((err: Error) => link.onClose(err));
    return link;
  }
}
