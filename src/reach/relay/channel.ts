// A protocol-mode connection to a relay: TLS with ALPN "bep-relay" and our
// own certificate (the relay knows us by its id), the relay's certificate
// checked against the id in its address before a single message goes out,
// then relay messages both ways. Messages are pulled with next(), so each
// caller reads the exchange it expects in order (Syncthing's static.go and
// methods.go do the same with blocking reads).
import type { Socket } from "bun";
import { isIP } from "node:net";
import { peerIdFromFingerprint } from "../../protocol/peer-id.ts";
import type { Identity } from "../../transport/identity.ts";
import { tlsOptions } from "../../transport/tls.ts";
import { WriteQueue } from "../../transport/writer.ts";
import { RelayDecoder } from "./decoder.ts";
import { ALPN, ALPN_WIRE, encodeMessage, type RelayMessage } from "./protocol.ts";
import { RelayError } from "./relay-error.ts";
import { relayHostPort, type RelayAddress } from "./uri.ts";

/** Syncthing gives a relay 10 s to connect and answer. */
export const RELAY_TIMEOUT_MS = 10_000;

export interface ChannelOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
}

export class RelayChannel {
  private socket: Socket<unknown> | null = null;
  private readonly decoder = new RelayDecoder();
  private readonly queue: RelayMessage[] = [];
  private readonly writes = new WriteQueue(1 << 20);
  private waiter: { resolve: (m: RelayMessage) => void; reject: (e: RelayError) => void } | null = null;
  private error: RelayError | null = null;

  private constructor(readonly relay: RelayAddress) {}

  /** Connects, runs TLS and checks the relay's id. Rejects with a RelayError. */
  static open(relay: RelayAddress, identity: Identity, opts: ChannelOptions = {}): Promise<RelayChannel> {
    const ch = new RelayChannel(relay);
    const where = `relay ${relayHostPort(relay)}`;
    const timeoutMs = opts.timeoutMs ?? RELAY_TIMEOUT_MS;
    const ready = Promise.withResolvers<RelayChannel>();
    const fail = (e: RelayError) => {
      ch.fail(e);
      ready.reject(e);
    };
    const timer = setTimeout(() => fail(RelayError.timeout(`${where}: TLS`, timeoutMs)), timeoutMs);
    const onAbort = () => fail(RelayError.aborted(where));
    opts.signal?.addEventListener("abort", onAbort, { once: true });
    if (opts.signal?.aborted) onAbort();
    ready.promise.then(
      () => clearTimeout(timer),
      () => clearTimeout(timer),
    ).finally(() => opts.signal?.removeEventListener("abort", onAbort));
    Bun.connect({
      hostname: relay.host,
      port: relay.port,
      tls: { ...tlsOptions(identity), ALPNProtocols: ALPN_WIRE, ...(isIP(relay.host) ? {} : { serverName: relay.host }) },
      socket: {
        open: (s) => {
          ch.socket = s;
          if (ch.error) s.terminate();
        },
        handshake: (s) => {
          const cert = s.getPeerCertificate() as { fingerprint256?: string } | null;
          if (s.alpnProtocol !== ALPN) return fail(new RelayError("TLS_FAILED", `${where} did not agree to speak ${ALPN} (ALPN ${s.alpnProtocol || "none"})`));
          if (!cert?.fingerprint256) return fail(new RelayError("TLS_FAILED", `${where} presented no certificate`));
          const id = peerIdFromFingerprint(cert.fingerprint256);
          if (id !== relay.id) return fail(new RelayError("RELAY_ID_MISMATCH", `${where} presents id ${id}, not ${relay.id}: not the relay in the address (refused)`));
          ready.resolve(ch);
        },
        data: (_s, chunk) => ch.onData(chunk),
        drain: (s) => void ch.writes.drain(s),
        close: () => fail(RelayError.closed(where)),
        error: (_s, err) => fail(new RelayError("CLOSED", `${where}: ${err.message}`, { cause: err })),
        connectError: (_s, err) => fail(new RelayError("CONNECT_FAILED", `cannot connect to ${where}: ${err.message}`, { cause: err })),
      },
    }).catch((err: Error) => fail(new RelayError("CONNECT_FAILED", `cannot connect to ${where}: ${err.message}`, { cause: err })));
    return ready.promise;
  }

  /** The relay's IP as we reached it: where a session is joined when an invitation names no address. */
  get remoteAddress(): string {
    return this.socket?.remoteAddress ?? this.relay.host;
  }

  get closed(): boolean {
    return this.error !== null;
  }

  send(m: RelayMessage): void {
    if (this.error || !this.socket) return;
    if (!this.writes.send(this.socket, encodeMessage(m))) this.fail(RelayError.closed(`relay ${relayHostPort(this.relay)} is not reading`));
  }

  /** The next message; rejects after `timeoutMs` (TIMEOUT), on close (CLOSED) or garbage. Messages that arrived before a close come first. */
  next(timeoutMs: number, what: string): Promise<RelayMessage> {
    const m = this.queue.shift();
    if (m) return Promise.resolve(m);
    if (this.error) return Promise.reject(this.error);
    if (this.waiter) return Promise.reject(new Error("RelayChannel.next: one reader at a time"));
    const p = Promise.withResolvers<RelayMessage>();
    const timer = setTimeout(() => {
      this.waiter = null;
      p.reject(RelayError.timeout(what, timeoutMs));
    }, timeoutMs);
    this.waiter = {
      resolve: (x) => (clearTimeout(timer), p.resolve(x)),
      reject: (e) => (clearTimeout(timer), p.reject(e)),
    };
    return p.promise;
  }

  close(): void {
    this.fail(RelayError.closed(`relay ${relayHostPort(this.relay)}`));
  }

  private onData(chunk: Uint8Array): void {
    if (this.error) return;
    try {
      this.decoder.feed(chunk);
      for (let m = this.decoder.next(); m; m = this.decoder.next()) this.queue.push(m);
    } catch (err) {
      this.fail(err as RelayError);
    }
    const w = this.waiter;
    const m = w && this.queue.shift();
    if (w && m) {
      this.waiter = null;
      w.resolve(m);
    }
  }

  private fail(e: RelayError): void {
    if (this.error) return;
    this.error = e;
    this.socket?.end();
    const s = this.socket;
    if (s) setTimeout(() => s.terminate(), 1_000).unref();
    const w = this.waiter;
    this.waiter = null;
    if (w && this.queue.length === 0) w.reject(e);
    else if (w) w.resolve(this.queue.shift()!);
  }
}
