// Our TLS over a byte stream that already reaches the peer some other way:
// a relay session. node:tls runs over any Duplex (Bun's upgradeTLS only over
// a socket whose bytes it reads itself, and a relay may have delivered the
// peer's first TLS bytes together with its own answer). The same key,
// certificate and TLS 1.3-only options as a direct link; the link's
// handshake() then pins the peer id exactly as for a direct link.
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import * as tls from "node:tls";
import type { Identity } from "./identity.ts";
import type { Link, LinkSocket } from "./link.ts";
import { tlsOptions } from "./tls.ts";

/** Which end of TLS we run; over a relay, the invitation's `serverSocket` says. */
export type TlsRole = "client" | "server";

class StreamTlsSocket implements LinkSocket {
  constructor(
    private readonly ts: tls.TLSSocket,
    /** Our end's IP when the stream is a TCP socket of ours (a punched hole); a relay session has none of its own. */
    readonly localAddress?: string,
  ) {}

  write(bytes: Uint8Array): number {
    if (this.ts.destroyed || this.ts.writableEnded) return -1;
    if (this.ts.writableNeedDrain) return 0; // the link queues it and writes again on drain
    this.ts.write(bytes);
    return bytes.byteLength;
  }

  end(): void {
    this.ts.end();
  }

  terminate(): void {
    this.ts.destroy();
  }

  getTLSVersion(): string | null {
    return this.ts.getProtocol();
  }

  getPeerCertificate(): unknown {
    return this.ts.getPeerCertificate();
  }
}

/** Starts TLS over `stream` and feeds the link its events; returns the socket the link writes to. */
export function tlsOverStream(stream: Duplex, identity: Identity, role: TlsRole, link: Link): LinkSocket {
  const o = tlsOptions(identity);
  const common = { key: o.key as string, cert: o.cert as string, rejectUnauthorized: false, secureOptions: o.secureOptions, minVersion: "TLSv1.3" as const };
  const ts = role === "server" ? new tls.TLSSocket(stream, { ...common, isServer: true, requestCert: true }) : tls.connect({ ...common, socket: stream });
  const local = (stream as Partial<Pick<Socket, "localAddress">>).localAddress;
  const socket = new StreamTlsSocket(ts, local);
  ts.once(role === "server" ? "secure" : "secureConnect", () => link.onHandshake(socket));
  ts.on("data", (chunk: Uint8Array) => link.onData(chunk));
  ts.on("drain", () => link.onDrain());
  ts.on("error", (err: Error) => {
    link.onClose(err);
    ts.destroy();
  });
  ts.on("close", () => link.onClose());
  // The stream's own failure (the relay went away) ends TLS too.
  stream.on("error", (err: Error) => ts.destroy(err));
  return socket;
}
