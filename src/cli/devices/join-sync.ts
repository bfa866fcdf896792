// After `devices join`: this home's node runs a moment, links to the
// identity's other devices and catches up from them (contacts, requests,
// groups' memberships stay with later work; history and read marks), with a
// progress line, and says when it is done. A device that cannot be reached
// now is caught up by the next `p2pchat serve` instead.
import { openLocal, openLocalStore } from "../../home/open-local.ts";
import { ChatNode } from "../../node/node.ts";

/** How long the new device waits for one of the others to link. */
export const LINK_WAIT_MS = 30_000;
/** A progress line at most this often. */
const PROGRESS_MS = 500;

export interface CatchUp {
  /** Entries applied from the other devices. */
  entries: number;
  /** False when no other device linked in time. */
  linked: boolean;
  ms: number;
}

export async function catchUpAfterJoin(opts: { home: string; db?: string; say(line: string, final: boolean): void; linkWaitMs?: number }): Promise<CatchUp> {
  const started = Date.now();
  const l = await openLocal({ home: opts.home, db: opts.db });
  const store = await openLocalStore(l);
  let node: ChatNode;
  try {
    node = await ChatNode.start({ local: l, store, command: "devices join", discoverable: true, maintenance: false, transient: true, reach: { lan: false, upnp: false, dht: false } });
  } catch (err) {
    await store.close().catch(() => {});
    throw err;
  }
  const sync = node.devices;
  let shown = "";
  const show = (final: boolean) => {
    const p = sync.progress?.();
    if (!p) return;
    const line = `syncing from your other devices: ${p.have.toLocaleString("en")} of ${p.total.toLocaleString("en")} entries`;
    if (line !== shown || final) opts.say(line, final);
    shown = line;
  };
  const timer = setInterval(() => show(false), PROGRESS_MS);
  try {
    const caughtUp = sync.caughtUp?.() ?? Promise.resolve();
    let linked = true;
    const first = await Promise.race([
      caughtUp.then(() => "done" as const),
      Bun.sleep(opts.linkWaitMs ?? LINK_WAIT_MS).then(() => "waiting" as const),
    ]);
    if (first === "waiting") {
      const p = sync.progress?.();
      if (!p || p.total === 0) linked = false;
      else await caughtUp; // linked and moving: it finishes
    }
    clearInterval(timer);
    show(true);
    return { entries: sync.progress?.().have ?? 0, linked, ms: Date.now() - started };
  } finally {
    clearInterval(timer);
    await node.stop();
  }
}
