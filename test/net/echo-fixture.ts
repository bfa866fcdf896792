// An echo server for the testbed: greets each connection with the address it
// came from ("hello 11.0.0.2"), then echoes what it receives. With --tls it
// serves TLS with a fresh self-signed certificate and prints its fingerprint.
// Prints "ready PORT [FINGERPRINT]" once listening and "conn ADDRESS" per connection.
//   bun test/net/echo-fixture.ts [--port N] [--host 0.0.0.0|::] [--tls]
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { createIdentity } from "../../src/transport/identity.ts";

const { values } = parseArgs({ options: { port: { type: "string", default: "0" }, host: { type: "string", default: "0.0.0.0" }, tls: { type: "boolean", default: false } } });

let tls: { key: string; cert: string } | undefined;
let fingerprint = "";
if (values.tls) {
  const dir = await mkdtemp(join(tmpdir(), "p2pchat-echo-"));
  const id = await createIdentity(dir, "echo");
  await rm(dir, { recursive: true, force: true });
  tls = { key: id.keyPem, cert: id.certPem };
  fingerprint = new Bun.CryptoHasher("sha256")
    .update(pemBody(id.certPem))
    .digest("hex")
    .toUpperCase()
    .replace(/(..)(?!$)/g, "$1:");
}

const server = Bun.listen({
  hostname: values.host,
  port: Number(values.port),
  tls,
  socket: {
    open(s) {
      console.log(`conn ${s.remoteAddress}`);
      s.write(`hello ${s.remoteAddress}\n`);
    },
    data(s, d) {
      s.write(d);
    },
  },
});
console.log(`ready ${server.port}${fingerprint ? " " + fingerprint : ""}`);
process.on("SIGTERM", () => {
  server.stop(true);
  process.exit(0);
});

function pemBody(pem: string): Uint8Array {
  const b64 = pem.replace(/-----[^-]+-----/g, "").replace(/\s+/g, "");
  return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
}
