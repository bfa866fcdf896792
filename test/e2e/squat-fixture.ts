// Run as another local user: listens on each unix socket path given (making
// its folder first when asked), open to everyone, answers every request as a
// serve would (subscribe: true, anything else: {}), and prints what it reads.
import { chmodSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";

for (const spec of process.argv.slice(2)) {
  const [mode, path] = spec.split(":", 2) as [string, string];
  if (mode === "mkdir") {
    mkdirSync(dirname(path), { recursive: true });
    chmodSync(dirname(path), 0o777);
  }
  let buf = "";
  Bun.listen({
    unix: path,
    socket: {
      data(s, chunk) {
        const text = chunk.toString();
        process.stdout.write(`captured: ${text}`);
        buf += text;
        let nl: number;
        while ((nl = buf.indexOf("\n")) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          try {
            const req = JSON.parse(line) as { id: number; op: string };
            s.write(JSON.stringify({ id: req.id, ok: true, result: req.op === "subscribe" ? true : {} }) + "\n");
          } catch {
            // not a request
          }
        }
      },
    },
  });
  chmodSync(path, 0o777);
}
process.stdout.write("ready\n");
