// Several p2pchat nodes in one process, for the group figures: up to 100
// members spread over a few processes (two cores), driven by
// bench/figures-groups.ts.
// Times are absolute (performance.timeOrigin + now()), so the driver can
// compare a send in one process with the stores in the others.
import type { Socket } from "bun";
import { initHome } from "../src/home/home.ts";
import { openLocal, openLocalStore } from "../src/home/open-local.ts";
import { ChatNode } from "../src/node/node.ts";
import type { PeerId } from "../src/protocol/peer-id.ts";
import { loadIdentity } from "../src/transport/identity.ts";
import { tlsOptions } from "../src/transport/tls.ts";
import { serveFixture } from "./fixture.ts";

const nodes = new Map<string, ChatNode>();
/** Per text: when each local node stored it. */
const stored = new Map<string, number[]>();
const waiters = new Set<() => void>();
/** Texts shown per node (catch-up), and messages delivered to contacts (the one-to-one flush). */
const shownCount = new Map<string, number>();
const deliveredCount = new Map<string, number>();
/** The raw sinks' arrival times, per marker (the ceiling). */
const sinkArrivals = new Map<string, number[]>();

const now = () => performance.timeOrigin + performance.now();

function need(name: string): ChatNode {
  const n = nodes.get(name);
  if (!n) throw new Error(`no node ${name} here`);
  return n;
}

/** Resolves once `check` holds: looked at on each event here, and every 20 ms for state that has none (keys, joins). */
function until(check: () => boolean): Promise<void> {
  if (check()) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setInterval(() => w(), 20);
    const w = () => {
      if (!check()) return;
      clearInterval(t);
      waiters.delete(w);
      resolve();
    };
    waiters.add(w);
  });
}

const wake = () => {
  for (const w of [...waiters]) w();
};

serveFixture({
  /** Starts a node per name, each with a home under `dir`; their ids and ports. */
  async start(a) {
    const out: { name: string; peerId: PeerId; port: number }[] = [];
    for (const name of a.names as string[]) {
      const home = `${a.dir}/${name}`;
      await initHome(home, { name, host: "127.0.0.1", port: 0 });
      const local = await openLocal({ home });
      const node = await ChatNode.start({ local, store: await openLocalStore(local), discoverable: true, port: 0 });
      node.on((e) => {
        if (e.type !== "message" || !e.entry.peer.startsWith("#") || e.entry.event) return;
        let t = stored.get(e.entry.text);
        if (!t) stored.set(e.entry.text, (t = []));
        t.push(now());
        shownCount.set(name, (shownCount.get(name) ?? 0) + 1);
        wake();
      });
      node.on((e) => {
        if (e.type !== "status" || e.status !== "delivered" || e.peer.startsWith("#")) return;
        deliveredCount.set(name, (deliveredCount.get(name) ?? 0) + e.ids.length);
        wake();
      });
      nodes.set(name, node);
      out.push({ name, peerId: node.peerId, port: node.listening!.port });
    }
    return out;
  },
  /** Pinned contacts for one node, added in one go (then dialed). */
  async addContacts(a) {
    const n = need(String(a.node));
    for (const c of a.contacts as { name: string; address: string; id: string }[]) await n.book.add(c.name, c.address, { id: c.id });
  },
  /** Resolves once every local node (or `only` that one, or all but `except`) has proven keys from `count` peers, `of` among them if given. */
  async waitKeys(a) {
    const which = [...nodes].filter(([name]) => (a.only === undefined || name === a.only) && name !== a.except).map(([, n]) => n);
    const has = (n: ChatNode) => n.groups.registry.peerKeys.size >= Number(a.count) && (a.of === undefined || n.groups.registry.peerKeys.has(a.of as PeerId));
    await until(() => which.every(has));
    return null;
  },
  async create(a) {
    return need(String(a.node)).groupBook.create(String(a.group), a.members as string[]);
  },
  /** Resolves once every local node but `except` is a member of '#group'. */
  async waitJoined(a) {
    await until(() => [...nodes].every(([name, n]) => name === a.except || n.groupBook.has(`#${a.group}`)));
    return null;
  },
  async discoverable(a) {
    await need(String(a.node)).setDiscoverable(Boolean(a.on));
  },
  /** Sends one text; the absolute time just before. */
  async sendGroup(a) {
    const t = now();
    await need(String(a.node)).sendMany(`#${a.group}`, [String(a.text)]);
    return { at: t };
  },
  /** Resolves once `count` local nodes stored `text`; the latest of their times. */
  async waitStored(a) {
    const text = String(a.text);
    await until(() => (stored.get(text)?.length ?? 0) >= Number(a.count));
    return { at: Math.max(...stored.get(text)!) };
  },
  /** Writes `count` texts of `size` bytes to a group or a contact, `batch` per transaction. */
  async sendMany(a) {
    const n = need(String(a.node));
    const body = "x".repeat(Number(a.size ?? 100));
    const batch = Number(a.batch ?? 1000);
    for (let i = 0; i < Number(a.count); i += batch) await n.sendMany(String(a.to), Array.from({ length: Math.min(batch, Number(a.count) - i) }, (_, k) => `${body}${i + k}`));
    return null;
  },
  /** Resolves once `node` has been shown `count` group texts; the absolute time then. */
  async waitShown(a) {
    await until(() => (shownCount.get(String(a.node)) ?? 0) >= Number(a.count));
    return { at: now() };
  },
  /** Resolves once `node` has had `count` messages delivered to contacts since it started (the one-to-one flush). */
  async waitDelivered(a) {
    await until(() => (deliveredCount.get(String(a.node)) ?? 0) >= Number(a.count));
    return { at: now() };
  },
  /** Per local node: how many peers' keys it holds, and why the first few it lacks are not linked (P2PCHAT_BENCH_TRACE). */
  async linking(a) {
    const all = a.peers as { name: string; peerId: PeerId }[];
    return Promise.all(
      [...nodes].map(async ([name, n]) => {
        const missing = all.filter((p) => p.name !== name && !n.groups.registry.peerKeys.has(p.peerId)).map((p) => p.name);
        const states = (await n.status()).contacts.filter((c) => missing.slice(0, 2).includes(c.name));
        return { name, missing: missing.length, why: states.map((c) => `${c.name} ${c.state} ${c.lastError ?? ""} retry ${c.nextRetryAt ? c.nextRetryAt - Date.now() : "-"}`) };
      }),
    );
  },
  async stats(a) {
    return need(String(a.node)).groups.stats;
  },
  /** Group texts `node` has been shown so far. */
  shown(a) {
    return { shown: shownCount.get(String(a.node)) ?? 0 };
  },
  /** A bare TLS sink with our TLS settings and `home`'s identity (the fan-out ceiling): records when each marker line first arrives. */
  async sink(a) {
    const server = Bun.listen<{ buf: string }>({
      hostname: "127.0.0.1",
      port: 0,
      tls: tlsOptions(await loadIdentity(String(a.home))),
      socket: {
        open(s) {
          s.data = { buf: "" };
        },
        data(s, d) {
          s.data.buf += d.toString();
          let nl: number;
          while ((nl = s.data.buf.indexOf("\n")) >= 0) {
            const marker = s.data.buf.slice(0, nl);
            s.data.buf = s.data.buf.slice(nl + 1);
            let t = sinkArrivals.get(marker);
            if (!t) sinkArrivals.set(marker, (t = []));
            t.push(now());
            wake();
          }
        },
      },
    });
    return { port: server.port };
  },
  /** Connects to every sink once over TLS (as `home`), handshakes done; then `blast` writes a marker of `size` bytes to all of them. */
  async connectSinks(a) {
    sockets = [];
    const tls = tlsOptions(await loadIdentity(String(a.home)));
    for (const port of a.ports as number[]) {
      const shook = Promise.withResolvers<void>();
      sockets.push(await Bun.connect({ hostname: "127.0.0.1", port, tls, socket: { data() {}, handshake: () => shook.resolve() } }));
      await shook.promise;
    }
    return null;
  },
  blast(a) {
    const line = `${a.marker}${" ".repeat(Math.max(0, Number(a.size ?? 100) - String(a.marker).length))}\n`;
    const t = now();
    for (const s of sockets) s.write(line);
    return { at: t };
  },
  async waitSink(a) {
    const m = `${a.marker}${" ".repeat(Math.max(0, Number(a.size ?? 100) - String(a.marker).length))}`;
    await until(() => (sinkArrivals.get(m)?.length ?? 0) >= Number(a.count));
    return { at: Math.max(...sinkArrivals.get(m)!) };
  },
  async stop() {
    for (const n of nodes.values()) await n.stop();
    nodes.clear();
    return null;
  },
});

let sockets: Socket<undefined>[] = [];
