// One protocol-mode connection on our relay server (strelaysrv's
// listener.go protocolConnectionHandler): TLS with the client's certificate
// (its id is who it is), then either JoinRelayRequest (permanent: it stays,
// answers pings and receives invitations) or ConnectRequest (temporary: it
// gets an invitation or a refusal, and the connection ends).
import * as tls from "node:tls";
import { peerIdFromFingerprint, type PeerId } from "../protocol/peer-id.ts";
import { RelayDecoder } from "../reach/relay/decoder.ts";
import { ALPN, encodeMessage, type RelayMessage } from "../reach/relay/protocol.ts";
import { RESPONSE_CODE } from "../reach/relay/relay-error.ts";
import type { SocketStream } from "../reach/relay/socket-stream.ts";

export interface MemberHost {
  readonly tls: tls.TLSSocketOptions;
  /** Registers a joined member; what to answer otherwise. */
  join(m: MemberConn, token: string): "ok" | "full" | "already" | "wrong-token";
  leave(m: MemberConn): void;
  /** A session between `from` and the member `to`; sends the member its invitation. */
  connect(from: PeerId, to: Uint8Array): RelayMessage | "not-found" | "full";
  closed(m: MemberConn): void;
}

const RESPONSES = {
  success: { code: RESPONSE_CODE.success, message: "success" },
  notFound: { code: RESPONSE_CODE.notFound, message: "not found" },
  alreadyConnected: { code: RESPONSE_CODE.alreadyConnected, message: "already connected" },
  wrongToken: { code: RESPONSE_CODE.wrongToken, message: "wrong token" },
  unexpected: { code: RESPONSE_CODE.unexpectedMessage, message: "unexpected message" },
} as const;

export class MemberConn {
  id: PeerId | null = null;
  joined = false;
  readonly opened = performance.now();
  lastHeard = performance.now();
  private ended = false;
  private readonly ts: tls.TLSSocket;
  private readonly decoder = new RelayDecoder();

  /** Where the member connected from (for the operator's log). */
  readonly address: string;

  constructor(
    stream: SocketStream,
    private readonly host: MemberHost,
  ) {
    this.address = stream.remoteAddress;
    this.ts = new tls.TLSSocket(stream, { ...host.tls, isServer: true, requestCert: true, rejectUnauthorized: false, ALPNProtocols: [ALPN] });
    this.ts.once("secure", () => this.secure());
    this.ts.on("data", (c: Uint8Array) => this.onData(c));
    this.ts.on("error", () => this.close());
    this.ts.on("close", () => this.close());
    stream.on("error", () => this.close());
  }

  send(m: RelayMessage): void {
    if (!this.ended) this.ts.write(encodeMessage(m));
  }

  /** Says `m` (if any) and ends the connection. */
  close(m?: RelayMessage): void {
    if (this.ended) return;
    if (m) this.ts.write(encodeMessage(m));
    this.ended = true;
    this.ts.end();
    const ts = this.ts;
    setTimeout(() => ts.destroy(), 1_000).unref();
    if (this.joined) this.host.leave(this);
    this.joined = false;
    this.host.closed(this);
  }

  get isClosed(): boolean {
    return this.ended;
  }

  private secure(): void {
    const cert = this.ts.getPeerCertificate() as { fingerprint256?: string } | null;
    if (!cert?.fingerprint256) return this.close(); // strelaysrv: exactly one client certificate
    this.id = peerIdFromFingerprint(cert.fingerprint256);
  }

  private onData(chunk: Uint8Array): void {
    if (this.ended || !this.id) return;
    this.lastHeard = performance.now();
    let m: RelayMessage | null;
    try {
      this.decoder.feed(chunk);
      while (!this.ended && (m = this.decoder.next())) this.handle(m);
    } catch {
      this.close(); // garbage: strelaysrv drops the connection too
    }
  }

  private handle(m: RelayMessage): void {
    switch (m.type) {
      case "joinRelayRequest": {
        const r = this.joined ? "already" : this.host.join(this, m.token);
        if (r === "ok") {
          this.joined = true;
          return this.send({ type: "response", ...RESPONSES.success });
        }
        if (r === "full") return this.close({ type: "relayFull" });
        return this.close({ type: "response", ...(r === "already" ? RESPONSES.alreadyConnected : RESPONSES.wrongToken) });
      }
      case "connectRequest": {
        const r = m.id.byteLength === 32 ? this.host.connect(this.id!, m.id) : "not-found";
        if (r === "not-found") return this.close({ type: "response", ...RESPONSES.notFound });
        if (r === "full") return this.close({ type: "relayFull" });
        return this.close(r);
      }
      case "ping":
        return this.send({ type: "pong" });
      case "pong":
        return;
      default:
        return this.close({ type: "response", ...RESPONSES.unexpected });
    }
  }
}
