// Real nodes for integration tests: each with a home of its own, TLS on
// loopback, a real SQLite file (or a MariaDB database), tiny backoffs.
import type { NodeEvent } from "../../src/node/node-events.ts";
import { initHome } from "../../src/home/home.ts";
import { openLocal, openLocalStore } from "../../src/home/open-local.ts";
import { ChatNode, type NodeOptions } from "../../src/node/node.ts";
import { joinDevice } from "../../src/node/devices/join-device.ts";
import type { RetryOptions } from "../../src/node/dial/retry.ts";
import type { LinkLimits } from "../../src/transport/link.ts";
import type { ReachOptions } from "../../src/reach/reach-service.ts";
import type { FetchLimits } from "../../src/node/files/fetch.ts";
import { formatHostPort } from "../../src/domain/host-port.ts";
import { createTestDb, type TestDb } from "./databases.ts";
import { freePort } from "./ports.ts";
import { tempDir, type TempDir } from "./tmp.ts";

export interface TestNode extends AsyncDisposable {
  node: ChatNode;
  /** The node's MariaDB database, when it runs on one. */
  db: TestDb | null;
  home: string;
  name: string;
  events: NodeEvent[];
  /** host:port peers dial. */
  address: string;
  /** Restart on the same home and database (after stop() or a crash). */
  restart(opts?: Partial<StartOptions>): Promise<ChatNode>;
  /** Resolves when `pred` holds for an event (past events included). */
  until(pred: (e: NodeEvent) => boolean, what?: string, timeoutMs?: number): Promise<NodeEvent>;
}

export interface StartOptions {
  discoverable: boolean;
  contactsOnly: boolean;
  dialect: "sqlite" | "mysql";
  limits: Partial<LinkLimits>;
  port: number;
  /** Accept the original program's plaintext connections on this port (0: any free one). */
  legacyPort: number;
  /** Redial backoff (default FAST_RETRY). */
  retry: Partial<RetryOptions>;
  /** Finding and being found (relays, DHT); LAN and port mapping stay off under P2PCHAT_DISCOVERY=off. */
  reach: ReachOptions;
  /** File fetching's windows and deadlines (a short stall). */
  fileLimits: Partial<FetchLimits>;
  /** A device line (`devices add`): the home is made by joining that identity, not by init. */
  join: string;
  /** How often our devices not linked are dialed again. */
  ownRedialMs: number;
}

export const FAST_RETRY = { baseMs: 50, maxMs: 400, jitter: 0 };

export async function startNode(name: string, opts: Partial<StartOptions> = {}): Promise<TestNode> {
  const dir: TempDir = await tempDir(`p2pchat-${name}-`);
  const db: TestDb | null = opts.dialect === "mysql" ? await createTestDb("mysql") : null;
  // A port known up front (not 0): a restart binds it again, and one from the
  // ephemeral range might be some outgoing connection's by then (ports.ts).
  let port = opts.port ?? (await freePort());
  if (opts.join) await joinDevice({ line: opts.join, home: dir.path, name, host: "127.0.0.1", port, db: db?.url });
  else await initHome(dir.path, { name, host: "127.0.0.1", port });
  const events: NodeEvent[] = [];
  const waiters = new Set<() => void>();
  let node: ChatNode;
  let current = opts;

  const start = async (o: Partial<StartOptions>) => {
    const local = await openLocal({ home: dir.path, db: db?.url });
    const store = await openLocalStore(local);
    const options: NodeOptions = {
      local,
      store,
      discoverable: o.discoverable ?? true,
      contactsOnly: o.contactsOnly ?? false,
      port: o.port ?? port,
      limits: o.limits,
      retry: o.retry ?? FAST_RETRY,
      legacyPort: o.legacyPort,
      reach: o.reach,
      fileLimits: o.fileLimits,
      ownRedialMs: o.ownRedialMs ?? 200,
    };
    const n = await ChatNode.start(options);
    n.on((e) => {
      events.push(e);
      for (const w of waiters) w();
    });
    // Keep the port across restarts so contacts stay valid.
    if (n.listening) port = n.listening.port;
    return n;
  };
  node = await start(opts);

  const handle: TestNode = {
    get node() {
      return node;
    },
    home: dir.path,
    db,
    name,
    events,
    get address() {
      return formatHostPort("127.0.0.1", node.listening?.port ?? port);
    },
    async restart(o = {}) {
      current = { ...current, ...o };
      node = await start(current);
      return node;
    },
    until(pred, what = "event", timeoutMs = 20_000) {
      const found = events.find(pred);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const check = () => {
          const f = events.find(pred);
          if (f) {
            waiters.delete(check);
            clearTimeout(t);
            resolve(f);
          }
        };
        const t = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`${name}: timed out waiting for ${what}; events: ${JSON.stringify(events.slice(-10))}`));
        }, timeoutMs);
        waiters.add(check);
      });
    },
    async [Symbol.asyncDispose]() {
      await node.stop().catch(() => {});
      await db?.[Symbol.asyncDispose]();
      await dir[Symbol.asyncDispose]();
    },
  } as TestNode;
  return handle;
}

/** Makes each node a pinned contact of the other. */
export async function befriend(a: TestNode, b: TestNode): Promise<void> {
  await a.node.book.add(b.name, b.address, { id: b.node.peerId });
  await b.node.book.add(a.name, a.address, { id: a.node.peerId });
}

export { eventually } from "./wait.ts";

export interface RedialCount {
  /** FAST_RETRY, counting each redial the node schedules. */
  retry: Partial<RetryOptions>;
  /** Redials scheduled so far. */
  readonly count: number;
  /** Resolves once `n` redials have been scheduled in all. */
  reached(n: number, timeoutMs?: number): Promise<void>;
}

/**
 * A node's redials as events: each one scheduled (after a dial that failed,
 * or a link lost while messages wait) draws the backoff's random factor once
 * (RetryTimer.delay), so a random source that counts is an event a test can
 * wait on: "alice dialed bob and was refused" without sleeping. jitter 0
 * keeps the delays FAST_RETRY's.
 */
export function countRedials(): RedialCount {
  let count = 0;
  const waiters = new Set<() => void>();
  return {
    retry: {
      ...FAST_RETRY,
      random: () => {
        count++;
        for (const w of waiters) w();
        return 0.5;
      },
    },
    get count() {
      return count;
    },
    reached(n, timeoutMs = 20_000) {
      if (count >= n) return Promise.resolve();
      const { promise, resolve, reject } = Promise.withResolvers<void>();
      const check = () => {
        if (count < n) return;
        waiters.delete(check);
        clearTimeout(t);
        resolve();
      };
      const t = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`timed out waiting for redial ${n} (${count} so far)`));
      }, timeoutMs);
      waiters.add(check);
      return promise;
    },
  };
}
