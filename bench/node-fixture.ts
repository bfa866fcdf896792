// One p2pchat node in a process of its own, driven by bench/run.ts.
import { SQL } from "bun";
import { join } from "node:path";
import { initHome, isInitialized } from "../src/home/home.ts";
import { openLocal, openLocalStore } from "../src/home/open-local.ts";
import type { PeerId } from "../src/protocol/peer-id.ts";
import { ChatNode } from "../src/node/node.ts";
import { parseRelayUri } from "../src/reach/relay/uri.ts";
import { parseDbUrl } from "../src/store/open.ts";
import { serveFixture, settledMemory } from "./fixture.ts";

let node: ChatNode | null = null;
let dbUrl: string | undefined;
let home = "";
const delivered = new Set<string>();
let deliveredWaiter: { count: number; resolve: () => void } | null = null;
/** Files finished (done, failed, cancelled), by id, with when (this process's clock). */
const filesEnded = new Map<string, { state: string; at: number; error?: string }>();
const fileWaiters = new Set<() => void>();
/** RSS samples while watched (the peak during a transfer). */
let rssPeak = 0;
let rssTimer: ReturnType<typeof setInterval> | null = null;
let cpuAtStart = process.cpuUsage();

function need(): ChatNode {
  if (!node) throw new Error("not started");
  return node;
}

async function query(sql: string): Promise<Record<string, unknown>[]> {
  const target = parseDbUrl(dbUrl ?? `sqlite:${join(home, "p2pchat.db")}`);
  const db = target.dialect === "mysql" ? new SQL(target.url, { max: 1 }) : new SQL({ adapter: "sqlite", filename: target.filename, readonly: true });
  try {
    return await db.unsafe(sql);
  } finally {
    await db.close();
  }
}

serveFixture({
  async start(a) {
    home = String(a.home);
    dbUrl = a.db ? String(a.db) : undefined;
    if (!isInitialized(home)) await initHome(home, { name: String(a.name), host: "127.0.0.1", port: Number(a.port ?? 0) });
    const local = await openLocal({ home, db: dbUrl });
    const store = await openLocalStore(local);
    // relays: stay joined to these while discoverable (relay://HOST:PORT/?id=...).
    const relays = ((a.relays as string[] | undefined) ?? []).map(parseRelayUri);
    node = await ChatNode.start({ local, store, discoverable: Boolean(a.discoverable), port: Number(a.port ?? 0), reach: { relays } });
    node.on((e) => {
      if (e.type === "file" && ["done", "failed", "cancelled"].includes(e.file.state)) {
        filesEnded.set(e.file.id, { state: e.file.state, at: performance.now(), error: e.file.error });
        for (const w of fileWaiters) w();
      }
      if (e.type !== "status" || e.status !== "delivered") return;
      for (const id of e.ids) delivered.add(id);
      if (deliveredWaiter && delivered.size >= deliveredWaiter.count) deliveredWaiter.resolve();
    });
    return { peerId: node.peerId, port: node.listening?.port ?? null };
  },
  async listen() {
    await need().setDiscoverable(true);
    return { port: need().listening!.port };
  },
  async addContact(a) {
    await need().book.add(String(a.name), String(a.address), { id: String(a.id), relays: a.relays as string[] | undefined });
  },
  /** Resolves once every relay of ours has us joined. */
  async relaysJoined() {
    const n = need();
    const deadline = Date.now() + 20_000;
    while (!n.reach.status().relays.every((r) => r.state === "joined")) {
      if (Date.now() > deadline) throw new Error(`relays not joined: ${JSON.stringify(n.reach.status().relays)}`);
      await Bun.sleep(10);
    }
    return { relays: n.reach.status().relays.length };
  },
  /** Many pinned contacts that dial us (no address to dial back: port 0), in one go. */
  async addDialers(a) {
    const n = need();
    for (const [i, id] of (a.peerIds as string[]).entries()) {
      await n.opts.store.addContact({ name: `peer${i}`, host: "127.0.0.1", port: 0, peerId: id as PeerId });
    }
    await n.contacts.reload();
  },
  async discoverable(a) {
    await need().setDiscoverable(Boolean(a.on));
  },
  /** Writes `count` messages of `size` bytes, `batch` per transaction, as fast as the node takes them. */
  async sendMany(a) {
    const n = need();
    const count = Number(a.count);
    const batch = Number(a.batch ?? 1000);
    const body = "x".repeat(Number(a.size ?? 100));
    const t0 = performance.now();
    const writes: Promise<string[]>[] = [];
    for (let i = 0; i < count; i += batch) writes.push(n.sendMany(String(a.peer), Array.from({ length: Math.min(batch, count - i) }, () => body)));
    await Promise.all(writes);
    return { startedAt: t0, enqueuedMs: performance.now() - t0 };
  },
  /** Resolves once `count` messages (in total) were delivered; the time is this process's clock. */
  async waitDelivered(a) {
    const count = Number(a.count);
    if (delivered.size < count) {
      await new Promise<void>((resolve) => {
        deliveredWaiter = { count, resolve };
      });
    }
    return { at: performance.now(), delivered: delivered.size };
  },
  /** Sends one message at a time and waits for its delivery: latencies in ms, sorted. */
  async latency(a) {
    const n = need();
    const out: number[] = [];
    const body = "y".repeat(Number(a.size ?? 100));
    for (let i = 0; i < Number(a.count); i++) {
      const t0 = performance.now();
      const done = Promise.withResolvers<void>();
      let id = "";
      const off = n.on((e) => {
        if (e.type === "status" && e.status === "delivered" && e.ids.includes(id)) done.resolve();
      });
      id = (await n.send(String(a.peer), body)).id;
      if (!delivered.has(id)) await done.promise;
      off();
      out.push(performance.now() - t0);
    }
    if (process.env.TRACE) process.stderr.write(out.map((x, i) => (x > 5 ? `${i}:${x.toFixed(1)}` : "")).filter(Boolean).join(" ") + "\n");
    return out.sort((x, y) => x - y);
  },
  /** The links up: to whom, and how (via relay HOST:PORT, or null when direct). */
  async links() {
    return (await need().status()).links.map((l) => ({ peer: l.peer, via: l.via ?? null }));
  },
  async counts() {
    const [r] = await query("SELECT COUNT(*) AS n, COUNT(DISTINCT id) AS ids FROM receiver");
    const [s] = await query("SELECT COUNT(*) AS n, SUM(CASE WHEN status = 'delivered' THEN 1 ELSE 0 END) AS delivered FROM sender");
    return { received: Number(r!.n), distinct: Number(r!.ids), sent: Number(s!.n), delivered: Number(s!.delivered ?? 0) };
  },
  /** Offers a file; resolves once it is hashed and offered (this process's clock). */
  async sendFile(a) {
    const f = await need().files.send(String(a.peer), String(a.path));
    return { id: f.id, at: performance.now() };
  },
  /** MiB a contact may send unasked a day, and where received files go. */
  async fileSettings(a) {
    const config = need().opts.local.config;
    config.autoAcceptMiB = Number(a.autoAcceptMiB);
    if (a.downloads) config.downloads = String(a.downloads);
  },
  /** Resolves once the file `id`'s transfer has ended here: its state and when. */
  async waitFile(a) {
    const id = String(a.id);
    const ended = () => filesEnded.get(id);
    while (!ended()) {
      await new Promise<void>((resolve) => {
        const w = () => (fileWaiters.delete(w), resolve());
        fileWaiters.add(w);
      });
    }
    return ended();
  },
  /** Samples RSS every 20 ms until rssStop: the peak during what runs meanwhile. */
  async rssStart() {
    cpuAtStart = process.cpuUsage();
    rssPeak = process.memoryUsage.rss();
    rssTimer = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage.rss())), 20); // rss() alone: the whole memoryUsage() costs the process it watches (heap statistics)
  },
  async rssStop() {
    if (rssTimer) clearInterval(rssTimer);
    rssTimer = null;
    const cpu = process.cpuUsage(cpuAtStart);
    return { peak: rssPeak, cpuMs: (cpu.user + cpu.system) / 1000 };
  },
  async rss() {
    const m = await settledMemory();
    return { rss: m.rss, heap: m.heapUsed, external: m.external, links: (await need().status()).links.length };
  },
  async stop() {
    await node?.stop();
    node = null;
  },
});
