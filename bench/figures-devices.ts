// Devices of one person (issue 26), real nodes in this process over TLS on
// loopback, SQLite files in temporary homes.
//
// device_sync: alice's server is stopped while her laptop stores N messages
// (received from bob); the server starts again and catches up from the
// laptop: messages per second from its start to holding them all. Its
// ceiling is the laptop writing the same messages (its journal, its log
// beside each row), so the ratio is what catching up costs against writing.
//
// device_join_s: a laptop with a history of M messages from before it had
// devices (so its log starts with them: the backfill); from `devices join`
// on a fresh home (its key, the proof, the home written) through its catch-up
// (the code `p2pchat devices join` runs) to the new device holding them all.
import { joinDevice } from "../src/node/devices/join-device.ts";
import { catchUpAfterJoin } from "../src/cli/devices/join-sync.ts";
import { peerIdFromDigest, type PeerId } from "../src/protocol/peer-id.ts";
import { openLocal, openLocalStore } from "../src/home/open-local.ts";
import type { IncomingMessage, Store } from "../src/store/store.ts";
import { startNode, type TestNode } from "../test/helpers/nodes.ts";
import { freePort } from "../test/helpers/ports.ts";
import { tempDir } from "../test/helpers/tmp.ts";
import { figure, type Figure, type Scale } from "./figure.ts";

const SIZE = 100;
const BATCH = 10_000;

async function receive(laptop: TestNode, bob: PeerId, n: number, from: number): Promise<number> {
  const body = "x".repeat(SIZE);
  const t0 = performance.now();
  for (let i = 0; i < n; i += BATCH) {
    const ms: IncomingMessage[] = [];
    for (let j = i; j < Math.min(n, i + BATCH); j++) {
      const t = 1_700_000_000_000 + from + j;
      ms.push({ id: Bun.randomUUIDv7("hex", t), peerId: bob, peer: "bob", host: "127.0.0.1", port: 9, body, created: t, received: t });
    }
    await laptop.node.journal.incoming(ms);
  }
  return performance.now() - t0;
}

/** Messages from bob a home holds (no read mark is ever set here: each one counts as unread). */
async function held(store: Store): Promise<number> {
  return (await store.unreadCounts()).get("bob") ?? 0;
}

export async function figureDevices(s: Scale): Promise<Figure[]> {
  const bob = peerIdFromDigest(crypto.getRandomValues(new Uint8Array(32)));
  const figures: Figure[] = [];

  // device_join_s: a history from before devices, then a join timed to its end.
  {
    await using laptop = await startNode("alice");
    await laptop.node.book.add("bob", "127.0.0.1:9", { id: bob });
    await receive(laptop, bob, s.deviceJoinMessages, 0);
    await using home = await tempDir("p2pchat-bench-server-");
    const line = laptop.node.addDevice({ name: "server" }).text;
    const t0 = performance.now();
    await joinDevice({ line, home: home.path, name: "server", host: "127.0.0.1", port: await freePort() });
    const done = await catchUpAfterJoin({ home: home.path, say: () => {} });
    const seconds = (performance.now() - t0) / 1000;
    if (!done.linked) throw new Error("device_join: the new device never linked to the laptop");
    const local = await openLocal({ home: home.path });
    const store = await openLocalStore(local);
    const got = await held(store).finally(() => store.close());
    if (got < s.deviceJoinMessages) throw new Error(`device_join: the new device holds ${got} of ${s.deviceJoinMessages} messages`);
    figures.push(figure("device_join_s", seconds, "s", null, null));
  }

  // device_sync: the server away while the laptop stores N; then it catches up.
  {
    await using laptop = await startNode("alice");
    await laptop.node.book.add("bob", "127.0.0.1:9", { id: bob });
    await using server = await startNode("alice", { join: laptop.node.addDevice({ name: "server" }).text });
    await server.node.devices.caughtUp!();
    await server.node.stop();
    const n = s.deviceSync;
    const writeMs = await receive(laptop, bob, n, 0);
    const t0 = performance.now();
    await server.restart();
    await server.node.devices.caughtUp!();
    const ms = performance.now() - t0;
    const got = await held(server.node.opts.store);
    if (got < n) throw new Error(`device_sync: the server holds ${got} of ${n} messages`);
    figures.push(figure("device_sync", n / (ms / 1000), "msg/s", n / (writeMs / 1000), null));
  }
  return figures;
}
