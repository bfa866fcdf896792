// A plain Bun TCP socket as a node Duplex, starting with bytes that already
// arrived. A relay session's first peer bytes can come in the same chunk as
// the relay's answer, and a relay server reads a TLS ClientHello before it
// knows the connection is TLS; Bun's upgradeTLS cannot be handed bytes it
// did not read itself, but node:tls reads from any Duplex, so relayed links
// and the relay's own TLS run over this.
//
// Bun sockets take their handlers at connect/listen time: sockets created
// with `eventHandlers` send every event to the object in `socket.data`,
// which the owner swaps (a session joiner hands over to the stream).
import type { Socket, SocketHandler } from "bun";
import { Duplex } from "node:stream";

/** What a socket's `data` object does with its events. */
export interface SocketEvents {
  open?(s: Socket<SocketEvents>): void;
  data(s: Socket<SocketEvents>, chunk: Uint8Array): void;
  drain(s: Socket<SocketEvents>): void;
  close(s: Socket<SocketEvents>, err?: Error): void;
}

/** Bun socket handlers that pass each event to `socket.data`. */
export const eventHandlers: SocketHandler<SocketEvents> = {
  open: (s) => s.data?.open?.(s),
  data: (s, chunk) => s.data?.data(s, chunk),
  drain: (s) => s.data?.drain(s),
  close: (s, err) => s.data?.close(s, err ?? undefined),
  error: (s, err) => s.data?.close(s, err),
  connectError: (s, err) => s.data?.close(s, err),
};

export class SocketStream extends Duplex implements SocketEvents {
  private pending: { bytes: Uint8Array; done: (err?: Error | null) => void } | null = null;
  private ended = false;

  /** Takes over `socket`'s events. `head`: bytes already read from it, delivered first. */
  constructor(
    private readonly socket: Socket<SocketEvents>,
    head: Uint8Array = new Uint8Array(0),
  ) {
    super({ allowHalfOpen: false });
    socket.data = this;
    if (head.byteLength > 0) this.push(Buffer.from(head));
  }

  get remoteAddress(): string {
    return this.socket.remoteAddress;
  }

  // --- socket events ---------------------------------------------------------------------

  data(_s: Socket<SocketEvents>, chunk: Uint8Array): void {
    if (!this.push(Buffer.from(chunk))) this.socket.pause();
  }

  drain(): void {
    const p = this.pending;
    if (!p) return;
    const n = this.socket.write(p.bytes);
    if (n < 0) return p.done(new Error("socket closed"));
    if (n < p.bytes.byteLength) {
      p.bytes = p.bytes.subarray(n);
      return;
    }
    this.pending = null;
    p.done();
  }

  close(_s: Socket<SocketEvents>, err?: Error): void {
    if (this.ended) return;
    this.ended = true;
    this.pending?.done(err ?? new Error("socket closed"));
    this.pending = null;
    if (err) this.destroy(err);
    else this.push(null);
  }

  // --- Duplex ---------------------------------------------------------------------------

  override _read(): void {
    this.socket.resume();
  }

  override _write(chunk: Uint8Array, _enc: BufferEncoding, done: (err?: Error | null) => void): void {
    const n = this.socket.write(chunk);
    if (n < 0) return done(new Error("socket closed"));
    if (n < chunk.byteLength) this.pending = { bytes: chunk.subarray(n), done };
    else done();
  }

  override _final(done: (err?: Error | null) => void): void {
    this.socket.end();
    done();
  }

  override _destroy(err: Error | null, done: (err?: Error | null) => void): void {
    this.ended = true;
    this.socket.terminate();
    done(err);
  }
}
