// Dials HOST:PORT once, reads the echo server's greeting, sends a line and
// expects it back. Prints one JSON line: {"ok":true,"hello":"hello ADDR",
// "fingerprint":...} or {"ok":false,"error":"ECONNREFUSED"|"timeout"|...};
// exits 0 on success, 1 otherwise. --tls FINGERPRINT dials TLS and requires
// the server's certificate to have that SHA-256 fingerprint (as p2pchat pins).
//   bun test/net/dial-fixture.ts HOST PORT [--tls FP] [--timeout MS]
import { parseArgs } from "node:util";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { tls: { type: "string" }, timeout: { type: "string", default: "3000" } },
});
const [host, port] = positionals;

interface Result {
  ok: boolean;
  hello?: string;
  fingerprint?: string;
  error?: string;
}

async function dial(): Promise<Result> {
  const { promise, resolve } = Promise.withResolvers<Result>();
  let buf = "";
  let hello = "";
  let fingerprint: string | undefined;
  const timer = setTimeout(() => resolve({ ok: false, error: "timeout" }), Number(values.timeout));
  const onLine = (s: { write(d: string): number; end(): void }, line: string) => {
    if (!hello) {
      hello = line;
      s.write("ping\n");
    } else {
      // resolve before end(): end() runs the close handler at once
      resolve(line === "ping" ? { ok: true, hello, fingerprint } : { ok: false, hello, error: `echoed ${JSON.stringify(line)}` });
      s.end();
    }
  };
  // Not awaited: the timer must be able to end a connect that hangs.
  void Promise.resolve()
    .then(() =>
      Bun.connect({
        hostname: host!,
        port: Number(port),
        tls: values.tls ? { rejectUnauthorized: false } : undefined,
        socket: {
          handshake(s) {
            fingerprint = s.getPeerCertificate()?.fingerprint256;
            if (fingerprint !== values.tls) {
              resolve({ ok: false, fingerprint, error: "certificate mismatch" });
              s.end();
            }
          },
          data(s, d) {
            buf += d.toString();
            let nl: number;
            while ((nl = buf.indexOf("\n")) >= 0) {
              onLine(s, buf.slice(0, nl));
              buf = buf.slice(nl + 1);
            }
          },
          close() {
            resolve({ ok: false, hello, error: "closed" });
          },
          error(_s, e) {
            resolve({ ok: false, error: (e as NodeJS.ErrnoException).code ?? e.message });
          },
        },
      }),
    )
    .catch((e) => resolve({ ok: false, error: (e as NodeJS.ErrnoException).code ?? String(e) }));
  const r = await promise;
  clearTimeout(timer);
  return r;
}

const r = await dial();
await Bun.write(Bun.stdout, JSON.stringify(r) + "\n");
process.exit(r.ok ? 0 : 1);
