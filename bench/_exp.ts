import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pair } from "./figures-link.ts";
process.env.P2PCHAT_DISCOVERY = "off";
const n = Number(process.argv[2] ?? 100000);
for (let r = 0; r < Number(process.argv[3] ?? 2); r++) {
  const dir = await mkdtemp(join(tmpdir(), "pf-exp-"));
  await using p = await pair(dir);
  await p.a.call("sendMany", { peer: "bob", count: 1, size: 100, batch: 1 });
  await p.a.call("waitDelivered", { count: 1 });
  await Promise.all([p.a.call("rssStart"), p.b.call("rssStart")]);
  const sent = await p.a.call<{ startedAt: number; enqueuedMs: number }>("sendMany", { peer: "bob", count: n, size: 100, batch: 1000 });
  const done = await p.a.call<{ at: number }>("waitDelivered", { count: n + 1 });
  const [ra, rb] = await Promise.all([p.a.call<{ cpuMs: number }>("rssStop"), p.b.call<{ cpuMs: number }>("rssStop")]);
  const ms = done.at - sent.startedAt;
  console.log(`rate ${(n / ms * 1000).toFixed(0)} msg/s; ${ms.toFixed(0)} ms; enqueued ${sent.enqueuedMs.toFixed(0)} ms; cpu a ${(ra.cpuMs * 1000 / n).toFixed(1)} µs/msg b ${(rb.cpuMs * 1000 / n).toFixed(1)} µs/msg`);
}
