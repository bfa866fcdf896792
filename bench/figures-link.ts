// Figures of the link and the engine: each node in a process of its own.
import { SQL } from "bun";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { figure, type Figure, type Scale } from "./figure.ts";
import { percentile, spawnFixture, type Fixture } from "./fixture.ts";

const SIZE = 100;
let tcpRate = 0;
let tcpLatency: number[] = [];

async function scratch(): Promise<{ dir: string } & AsyncDisposable> {
  const dir = await mkdtemp(join(tmpdir(), "p2pchat-bench-"));
  return { dir, [Symbol.asyncDispose]: () => rm(dir, { recursive: true, force: true }) };
}

/** A port where nothing listens on 127.0.0.1 right now. */
function deadPort(): number {
  const l = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = l.port;
  l.stop(true);
  return port;
}

/**
 * Two nodes in two processes, contacts of each other; `bDb` puts the
 * receiver on MySQL. `relay`: both stay joined to it, and each knows the
 * other only at an address where nothing listens, so the relay alone
 * connects them.
 */
export async function pair(dir: string, opts: { bDb?: string; bHidden?: boolean; relay?: string } = {}) {
  const a = spawnFixture("node-fixture.ts");
  const b = spawnFixture("node-fixture.ts");
  const relays = opts.relay ? [opts.relay] : undefined;
  const ia = await a.call<{ peerId: string; port: number }>("start", { home: join(dir, "a"), name: "alice", discoverable: true, relays });
  const ib = await b.call<{ peerId: string; port: number }>("start", { home: join(dir, "b"), name: "bob", discoverable: true, db: opts.bDb, relays });
  // Hidden while they learn of each other, so neither meets the other as a stranger first.
  await a.call("discoverable", { on: false });
  await b.call("discoverable", { on: false });
  const at = (port: number) => `127.0.0.1:${opts.relay ? deadPort() : port}`;
  await a.call("addContact", { name: "bob", address: at(ib.port), id: ib.peerId, relays });
  await b.call("addContact", { name: "alice", address: at(ia.port), id: ia.peerId, relays });
  await a.call("discoverable", { on: true });
  if (!opts.bHidden) await b.call("discoverable", { on: true });
  if (opts.relay) await Promise.all([a.call("relaysJoined"), b.call("relaysJoined")]);
  return {
    a,
    b,
    async [Symbol.asyncDispose]() {
      for (const f of [a, b]) {
        await f.call("stop").catch(() => {});
        await f[Symbol.asyncDispose]();
      }
    },
  };
}

async function freshMysql(url: string): Promise<{ url: string } & AsyncDisposable> {
  const name = `p2pchat_bench_${process.pid}_${Date.now().toString(36)}`;
  const root = new SQL(url, { max: 1 });
  await root.unsafe(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4`);
  const u = new URL(url);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    async [Symbol.asyncDispose]() {
      await root.unsafe(`DROP DATABASE IF EXISTS \`${name}\``);
      await root.close();
    },
  };
}

export async function figureTcpCeiling(s: Scale): Promise<Figure[]> {
  await using rx = spawnFixture("ceiling-fixture.ts");
  await using tx = spawnFixture("ceiling-fixture.ts");
  // Count the bytes first, then ask the receiver to wait for exactly that many.
  const probe = await tx.call<{ bytes: number }>("blast", { port: (await rx.call<{ port: number }>("listen", { expect: 1 })).port, count: s.messages, size: SIZE });
  const { port } = await rx.call<{ port: number }>("listen", { expect: probe.bytes });
  const { ms } = await tx.call<{ ms: number }>("blast", { port, count: s.messages, size: SIZE });
  tcpRate = s.messages / (ms / 1000);
  const echo = await rx.call<{ port: number }>("listen", { echo: true });
  tcpLatency = await tx.call<number[]>("pingpong", { port: echo.port, count: s.latency, size: SIZE });
  return [figure("tcp_ceiling", tcpRate, "msg/s", null, null)];
}

/** The same rows into the same schema (SQLite), batched as they arrive, one process, no network: msg/s. */
async function storeCeiling(s: Scale, dir: string): Promise<Figure> {
  await using f = spawnFixture("store-fixture.ts");
  const { ms } = await f.call<{ ms: number }>("insertBatched", { dir, count: s.messages, size: SIZE, batch: 1000 });
  return figure("store_ceiling", s.messages / (ms / 1000), "msg/s", null, null);
}

/** One row per durable commit (synchronous=FULL, as the receiver commits): ms each, sorted. */
async function commitCeiling(s: Scale, dir: string): Promise<number[]> {
  await using f = spawnFixture("store-fixture.ts");
  return await f.call<number[]>("commitEach", { dir, count: s.latency, size: SIZE });
}

/**
 * Messages from alice to bob over TLS, stored once on bob's side and
 * delivered on alice's, counted from the databases. SQLite's is printed
 * beside its ceiling, the same rows stored by SQLite alone (the bare socket
 * carries them two orders of magnitude faster).
 */
export async function figureThroughput(s: Scale, mysqlUrl: string | null): Promise<Figure[]> {
  await using tmp = await scratch();
  const ceiling = mysqlUrl ? null : await storeCeiling(s, tmp.dir);
  await using db = mysqlUrl ? await freshMysql(mysqlUrl) : null;
  await using p = await pair(tmp.dir, { bDb: db?.url });
  const rate = await deliveryRate(p, mysqlUrl ? s.mysqlMessages : s.messages);
  if (!ceiling) return [figure("throughput_mysql", rate, "msg/s", "tcp_ceiling", ">= 20000")];
  return [ceiling, figure("throughput_sqlite", rate, "msg/s", "store_ceiling", ">= 50000")];
}

/** After a warm-up message (which also brings the link up), `n` messages from alice to bob: per second, from the first write to the last delivery, each checked stored once. */
export async function deliveryRate(p: { a: Fixture; b: Fixture }, n: number): Promise<number> {
  await warmUp(p.a);
  const sent = await p.a.call<{ startedAt: number }>("sendMany", { peer: "bob", count: n, size: SIZE, batch: 1000 });
  const done = await p.a.call<{ at: number }>("waitDelivered", { count: n + 1 });
  const rate = n / ((done.at - sent.startedAt) / 1000);
  const rx = await p.b.call<{ received: number; distinct: number }>("counts");
  const txc = await p.a.call<{ delivered: number }>("counts");
  if (rx.received !== n + 1 || rx.distinct !== n + 1 || txc.delivered !== n + 1) {
    throw new Error(`stored ${rx.received} (${rx.distinct} distinct), delivered ${txc.delivered}; expected ${n + 1} each`);
  }
  return rate;
}

async function warmUp(a: Fixture): Promise<void> {
  await a.call("sendMany", { peer: "bob", count: 1, size: SIZE, batch: 1 });
  await a.call("waitDelivered", { count: 1 });
}

/** The original program's way: a new database connection and one autocommit insert per message. */
export async function figureOriginal(s: Scale, mysqlUrl: string): Promise<Figure[]> {
  await using db = await freshMysql(mysqlUrl);
  const setup = new SQL(db.url, { max: 1 });
  await setup.unsafe("CREATE TABLE receiver (ip VARCHAR(40), port VARCHAR(20), name VARCHAR(40), message TEXT, status VARCHAR(20), time VARCHAR(40))");
  await setup.close();
  const body = "x".repeat(SIZE);
  const t0 = performance.now();
  for (let i = 0; i < s.original; i++) {
    const conn = new SQL(db.url, { max: 1 });
    await conn`INSERT INTO receiver (ip, port, name, message, status, time) VALUES (${"127.0.0.1"}, ${"20001"}, ${"alice"}, ${body}, ${"received"}, ${"2024/01/01 00:00:00"})`;
    await conn.close();
  }
  const rate = s.original / ((performance.now() - t0) / 1000);
  return [figure("original_design", rate, "msg/s", "throughput_mysql", null)];
}

/**
 * One message at a time, written, carried, stored durably and acknowledged.
 * Its ceiling: a bare round trip plus one durable single-row commit
 * (commit_ceiling, printed beside it), the least that any delivery needs.
 */
export async function figureLatency(s: Scale): Promise<Figure[]> {
  await using tmp = await scratch();
  const commits = await commitCeiling(s, tmp.dir);
  await using p = await pair(tmp.dir);
  await warmUp(p.a);
  // A tenth as many again first, not counted: the first round trips run
  // before the JIT has compiled the path (the TCP ceiling is warm too).
  await p.a.call<number[]>("latency", { peer: "bob", count: Math.ceil(s.latency / 10), size: SIZE });
  const lat = await p.a.call<number[]>("latency", { peer: "bob", count: s.latency, size: SIZE });
  const floor = (p: number) => percentile(tcpLatency, p) + percentile(commits, p);
  return [
    figure("commit_ceiling_p50", percentile(commits, 50), "ms", null, null),
    figure("latency_p50", percentile(lat, 50), "ms", floor(50), null),
    figure("commit_ceiling_p99", percentile(commits, 99), "ms", null, null),
    figure("latency_p99", percentile(lat, 99), "ms", floor(99), "< 5"),
  ];
}

/** Pending messages, then the peer turns discoverable: seconds until all are delivered. */
export async function figureFlush(s: Scale): Promise<Figure[]> {
  await using tmp = await scratch();
  await using p = await pair(tmp.dir, { bHidden: true });
  await p.a.call("sendMany", { peer: "bob", count: s.flush, size: SIZE, batch: 10_000 });
  const t0 = performance.now();
  await p.b.call("discoverable", { on: true });
  await p.a.call("waitDelivered", { count: s.flush });
  const seconds = (performance.now() - t0) / 1000;
  const rx = await p.b.call<{ received: number; distinct: number }>("counts");
  if (rx.received !== s.flush || rx.distinct !== s.flush) throw new Error(`flush stored ${rx.received} (${rx.distinct} distinct) of ${s.flush}`);
  const name = s.flush >= 100_000 ? "flush_100k" : `flush_${s.flush / 1000}k`;
  return [figure(name, seconds, "s", s.flush / tcpRate, s.flush >= 100_000 ? "< 3" : null)];
}

/**
 * One serve, many light peers at once, each sending some messages: all
 * stored once. Memory per link is the growth from the first half of the
 * links to all of them (fixed costs such as the JIT and SQLite's cache are
 * paid by the first half), beside the same for bare TLS connections.
 */
export async function figureFanin(s: Scale): Promise<Figure[]> {
  await using tmp = await scratch();
  await using hub = spawnFixture("node-fixture.ts");
  await using peers = spawnFixture("fanin-fixture.ts");
  const { port } = await hub.call<{ port: number }>("start", { home: join(tmp.dir, "hub"), name: "hub", discoverable: true });
  const { peerIds } = await peers.call<{ peerIds: string[] }>("identities", { count: s.fanin, dir: join(tmp.dir, "peers") });
  // They are contacts of the hub (strangers would be requests, at most 100 of them).
  await hub.call("addDialers", { peerIds });
  const half = Math.floor(s.fanin / 2);
  const first = await peers.call<{ ok: number }>("connect", { port, messages: s.faninMessages, size: SIZE, from: 0, to: half });
  const mid = await hub.call<{ rss: number }>("rss");
  const second = await peers.call<{ ok: number }>("connect", { port, messages: s.faninMessages, size: SIZE, from: half, to: s.fanin });
  const after = await hub.call<{ rss: number; links: number }>("rss");
  const counts = await hub.call<{ received: number; distinct: number }>("counts");
  const want = s.fanin * s.faninMessages;
  const ok = first.ok + second.ok;
  if (ok !== s.fanin || counts.received !== want || counts.distinct !== want) {
    throw new Error(`fan-in: ${ok} of ${s.fanin} peers acked, ${counts.received} stored (${counts.distinct} distinct) of ${want}`);
  }
  await peers.call("close");
  // The ceiling: the same peers' bare TLS connections to a bare Bun TLS server.
  await using bare = spawnFixture("ceiling-fixture.ts");
  const tls = await bare.call<{ port: number }>("listenTls", { home: join(tmp.dir, "hub") });
  await peers.call("connect", { port: tls.port, messages: 0, from: 0, to: half });
  const b0 = await bare.call<{ rss: number }>("rss");
  await peers.call("connect", { port: tls.port, messages: 0, from: half, to: s.fanin });
  const b1 = await bare.call<{ rss: number }>("rss");
  await peers.call("close");
  const n = s.fanin - half;
  const kib = (after.rss - mid.rss) / n / 1024;
  const bareKib = (b1.rss - b0.rss) / n / 1024;
  return [figure("fanin_links", after.links, "links", s.fanin, `>= ${s.fanin}`), figure("fanin_kib_per_link", kib, "KiB", bareKib, "< 64")];
}
