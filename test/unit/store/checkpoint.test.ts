// A running node's SQLite WAL is checkpointed on a thread of its own: it
// stops growing once the node is idle, and the node's own commits never
// run a checkpoint (automatic checkpoints are off on its connection).
import { expect, test } from "bun:test";
import { statSync } from "node:fs";
import { join } from "node:path";
import { SqliteStore } from "../../../src/store/sqlite.ts";
import { tempDir } from "../../helpers/tmp.ts";
import { pollUntil } from "../../helpers/wait.ts";

const walSize = (file: string) => statSync(`${file}-wal`).size;

test("the WAL is checkpointed in the background when the node is idle, and cut back", async () => {
  await using dir = await tempDir();
  const file = join(dir.path, "p2pchat.db");
  const store = await SqliteStore.open(file);
  try {
    await store.migrate();
    expect(await store.startMaintenance()).toBe("checkpoints on their own thread");
    const body = "z".repeat(2000);
    // Enough commits to pass SQLite's own checkpoint threshold (1000 pages) many times over.
    for (let batch = 0; batch < 20; batch++) {
      const outgoing = Array.from({ length: 200 }, (_, i) => {
        const created = Date.now() + batch * 1000 + i;
        return { id: Bun.randomUUIDv7("hex", created), peer: "bob", host: "127.0.0.1", port: 1, body, created };
      });
      await store.write({ outgoing, at: Date.now() });
    }
    const grown = walSize(file);
    expect(grown).toBeGreaterThan(8 * 1024 * 1024); // nothing checkpointed it inside the commits
    // Idle now: the thread copies the WAL back; the next commit restarts it, cut to 4 MiB. The thread
    // calls the store idle after a tick (100 ms) without a commit and tells no one: 200 ms between commits.
    const tick = async () => {
      const created = Date.now();
      await store.write({ outgoing: [{ id: Bun.randomUUIDv7("hex", created), peer: "carol", host: "127.0.0.1", port: 1, body: "tick", created }], at: created });
      return walSize(file);
    };
    await pollUntil(tick, (size) => size <= 4 * 1024 * 1024, "the WAL cut back", { timeoutMs: 10_000, everyMs: 200 });
    expect(walSize(file)).toBeLessThanOrEqual(4 * 1024 * 1024);
    expect((await store.history({ peer: "bob", limit: 5000 })).length).toBe(4000);
  } finally {
    await store.close();
  }
});
