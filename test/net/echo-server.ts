// The echo server behind echo-fixture.ts and portmap-fixture.ts: greets each
// connection with the address it came from ("hello 11.0.0.2"), then echoes.
// With `tls`, it serves TLS 1.3 with a fresh self-signed p2pchat identity.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createIdentity } from "../../src/transport/identity.ts";

export interface EchoServer {
  port: number;
  /** SHA-256 fingerprint of the certificate, as getPeerCertificate().fingerprint256 prints it (with tls). */
  fingerprint?: string;
  stop(): void;
}

export async function startEchoServer(o: { port: number; host: string; tls: boolean; onConnection?: (from: string) => void }): Promise<EchoServer> {
  let tls: { key: string; cert: string } | undefined;
  let fingerprint: string | undefined;
  if (o.tls) {
    const dir = await mkdtemp(join(tmpdir(), "p2pchat-echo-"));
    const id = await createIdentity(dir, "echo").finally(() => rm(dir, { recursive: true, force: true }));
    tls = { key: id.keyPem, cert: id.certPem };
    const der = Uint8Array.from(atob(id.certPem.replace(/-----[^-]+-----/g, "").replace(/\s+/g, "")), (c) => c.charCodeAt(0));
    fingerprint = new Bun.CryptoHasher("sha256").update(der).digest("hex").toUpperCase().match(/../g)!.join(":");
  }
  const server = Bun.listen({
    hostname: o.host,
    port: o.port,
    tls,
    socket: {
      open(s) {
        o.onConnection?.(s.remoteAddress);
        s.write(`hello ${s.remoteAddress}\n`);
      },
      data(s, d) {
        s.write(d);
      },
    },
  });
  return { port: server.port, fingerprint, stop: () => server.stop(true) };
}
