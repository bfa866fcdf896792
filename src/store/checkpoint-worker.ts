// A thread of its own that checkpoints a SQLite WAL while a node runs.
//
// SQLite's automatic checkpoint runs inside the commit that crosses the WAL
// size limit, on the thread that committed: every hundred messages or so one
// of them waited ~10 ms while pages were copied and the file fsynced. With
// automatic checkpoints off on the node's connection, this thread copies the
// WAL back in PASSIVE mode (it never blocks the writer) on its own connection.
import { SQL } from "bun";
import { statSync } from "node:fs";

declare const self: Worker;

/** How often to look. */
const TICK_MS = 100;
/** Past this size the WAL is checkpointed even while commits keep coming. */
const WAL_MAX_BYTES = 64 * 1024 * 1024;

let db: SQL | null = null;
let timer: ReturnType<typeof setInterval> | null = null;
let busy = false;

/**
 * Checkpoints when the node has been idle for a tick (no commit since the
 * last look: a checkpoint's fsyncs then compete with no commit's), or when
 * the WAL has grown past WAL_MAX_BYTES under a steady stream.
 */
async function tick(wal: string, state: { version: number; clean: boolean }): Promise<void> {
  if (busy || !db) return;
  busy = true;
  try {
    const [row] = await db.unsafe("PRAGMA data_version");
    const version = Number(row?.data_version);
    const idle = version === state.version;
    if (!idle) state.clean = false;
    state.version = version;
    let size = 0;
    try {
      size = statSync(wal).size;
    } catch {
      return; // no WAL (yet)
    }
    if ((idle && !state.clean) || size > WAL_MAX_BYTES) {
      await db.unsafe("PRAGMA wal_checkpoint(PASSIVE)");
      state.clean = idle;
    }
  } catch {
    // busy or closing: the next tick tries again
  } finally {
    busy = false;
  }
}

self.onmessage = async (e: MessageEvent<{ open?: string; stop?: true }>) => {
  if (e.data.open) {
    const filename = e.data.open;
    db = new SQL({ adapter: "sqlite", filename, readwrite: true });
    await db.unsafe("PRAGMA busy_timeout = 10000");
    const state = { version: -1, clean: false };
    timer = setInterval(() => void tick(`${filename}-wal`, state), TICK_MS);
    self.postMessage({ ready: true });
  }
  if (e.data.stop) {
    if (timer) clearInterval(timer);
    timer = null;
    const d = db;
    db = null;
    await d?.close().catch(() => {});
    self.postMessage({ stopped: true });
  }
};
