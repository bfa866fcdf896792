// Idle links at scale: `links` light peers (10,000 in the full run; its
// contacts, each its own identity) link to one node, say hello, deliver one
// message each and then only keep the link alive. links_Nk_rss_mb is the
// node's resident set with all of them up, beside a bare Bun TLS server
// (our TLS settings) holding the same peers' connections;
// links_Nk_kib_per_link is the growth per link over the second half of them
// (fixed costs, such as the JIT and SQLite's cache, are paid by the first),
// beside the same for the bare server.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { figure, type Figure, type Scale } from "./figure.ts";
import { spawnFixture } from "./fixture.ts";

/**
 * Peers that connect at once: all come from 127.0.0.1, and past 512 links
 * in handshake the node lets one address hold only 64 (transport/budget.ts).
 */
const PARALLEL = 200;
const MB = 2 ** 20;

export async function figureIdleLinks(s: Scale): Promise<Figure[]> {
  const dir = await mkdtemp(join(tmpdir(), "p2pchat-bench-links-"));
  // The peers' identities in memory: two fsyncs each would take minutes for 10,000.
  const ids = await mkdtemp(join("/dev/shm", "p2pchat-bench-links-"));
  try {
    return await measure(s, dir, ids);
  } finally {
    await rm(dir, { recursive: true, force: true });
    await rm(ids, { recursive: true, force: true });
  }
}

async function measure(s: Scale, dir: string, ids: string): Promise<Figure[]> {
  const n = s.links;
  const half = Math.floor(n / 2);
  await using hub = spawnFixture("node-fixture.ts");
  await using peers = spawnFixture("fanin-fixture.ts");
  const { port } = await hub.call<{ port: number }>("start", { home: join(dir, "hub"), name: "hub", discoverable: true });
  const { peerIds } = await peers.call<{ peerIds: string[] }>("identities", { count: n, dir: ids });
  await hub.call("addDialers", { peerIds });
  const first = await peers.call<{ ok: number }>("connect", { port, messages: 1, size: 100, from: 0, to: half, parallel: PARALLEL });
  const mid = await hub.call<{ rss: number }>("rss");
  const second = await peers.call<{ ok: number }>("connect", { port, messages: 1, size: 100, from: half, to: n, parallel: PARALLEL });
  const all = await hub.call<{ rss: number; links: number }>("rss");
  if (first.ok + second.ok !== n || all.links !== n) throw new Error(`idle links: ${first.ok + second.ok} of ${n} peers acked, ${all.links} links up`);
  await peers.call("close");

  // The ceiling: the same peers' bare TLS connections to a bare Bun TLS server.
  await using bare = spawnFixture("ceiling-fixture.ts");
  const tls = await bare.call<{ port: number }>("listenTls", { home: join(dir, "hub") });
  await peers.call("connect", { port: tls.port, messages: 0, from: 0, to: half, parallel: PARALLEL });
  const b0 = await bare.call<{ rss: number }>("rss");
  await peers.call("connect", { port: tls.port, messages: 0, from: half, to: n, parallel: PARALLEL });
  const b1 = await bare.call<{ rss: number }>("rss");
  await peers.call("close");

  const name = `links_${n / 1000}k`;
  const kib = (all.rss - mid.rss) / (n - half) / 1024;
  const bareKib = (b1.rss - b0.rss) / (n - half) / 1024;
  return [figure(`${name}_rss_mb`, all.rss / MB, "MB", b1.rss / MB, null), figure(`${name}_kib_per_link`, kib, "KiB", bareKib, null)];
}
