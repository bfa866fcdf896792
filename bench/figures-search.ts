// Search and history on a large SQLite database (1,000,000 messages in the
// full run), through the store as `p2pchat search` and `history` use it.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PeerId } from "../src/protocol/peer-id.ts";
import { SqliteStore } from "../src/store/sqlite.ts";
import type { IncomingMessage, OutgoingMessage } from "../src/store/store.ts";
import { figure, type Figure, type Scale } from "./figure.ts";
import { percentile } from "./fixture.ts";

const PEERS = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi"];
const WORDS = (
  "the a to and of in is it you that was for on are with as be at have this from or one had by word but not what all were we when your can said " +
  "there use an each which she do how their if will up other about out many then them these so some her would make like him into time has look two more " +
  "write go see number no way could people my than first water been call who oil its now find long down day did get come made may part café crème " +
  "naïve résumé garçon über straße señor"
).split(" ");
const JAPANESE = ["これは日本語のテキストです", "東京で会いましょう", "明日の天気はどうですか"];
const RARE = "zanzibarquokka";

/** Deterministic text: mostly common words, some accents and Japanese, one rare word in 10,000. */
function text(i: number): string {
  let x = (i * 2654435761) >>> 0;
  const next = () => (x = (x * 1103515245 + 12345) >>> 0);
  const n = 6 + (next() % 10);
  const words: string[] = [];
  for (let k = 0; k < n; k++) words.push(WORDS[next() % WORDS.length]!);
  if (i % 50 === 0) words.push(JAPANESE[i % JAPANESE.length]!);
  if (i % 10_000 === 7) words.push(RARE);
  return words.join(" ");
}

/** Returns the ids of bob's first message and of one in the middle of the history, for paging. */
async function build(store: SqliteStore, rows: number): Promise<{ first: string; middle: string }> {
  let first = "";
  let middle = "";
  const peerIds = new Map(PEERS.map((p) => [p, `${p.toUpperCase().padEnd(7, "X").slice(0, 7)}-AAAAAAA-AAAAAAA-AAAAAAA-AAAAAAA-AAAAAAA-AAAAAAA-AAAAAAA` as PeerId]));
  for (const p of PEERS) await store.addContact({ name: p, host: "127.0.0.1", port: 20001, peerId: peerIds.get(p)! });
  const t0 = Date.now() - rows * 1000; // one message a second, ending now
  const BATCH = 10_000;
  for (let i = 0; i < rows; i += BATCH) {
    const outgoing: OutgoingMessage[] = [];
    const incoming: IncomingMessage[] = [];
    for (let k = i; k < Math.min(rows, i + BATCH); k++) {
      const peer = PEERS[k % PEERS.length]!;
      const at = t0 + k * 1000;
      const id = Bun.randomUUIDv7("hex", at);
      if (peer === "bob" && !first) first = id;
      if (peer === "bob" && !middle && k >= rows / 2) middle = id;
      if (k % 2 === 0) outgoing.push({ id, peer, host: "127.0.0.1", port: 20001, body: text(k), created: at });
      else incoming.push({ id, peerId: peerIds.get(peer)!, peer, host: "127.0.0.1", port: 20001, body: text(k), created: at, received: at });
    }
    await store.write({ outgoing, incoming, delivered: outgoing.map((m) => m.id), at: Date.now() });
  }
  return { first, middle };
}

async function timed(runs: number, fn: (i: number) => Promise<unknown>): Promise<number[]> {
  await fn(0); // warm the statement cache
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn(i);
    out.push(performance.now() - t);
  }
  return out;
}

export async function figureSearch(s: Scale): Promise<Figure[]> {
  const dir = await mkdtemp(join(tmpdir(), "p2pchat-bench-search-"));
  try {
    const store = await SqliteStore.open(join(dir, "search.db"));
    await store.migrate();
    const t0 = performance.now();
    const ids = await build(store, s.searchRows);
    process.stderr.write(` (built ${s.searchRows.toLocaleString("en-US")} messages in ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
    const runs = 30;
    const queries = ["water", RARE, '"could people"', "go", "日本語", "cafe", "time word"];
    const search: number[] = [];
    for (const q of queries) search.push(...(await timed(runs, () => store.search({ text: q, limit: 50 }))));
    search.push(...(await timed(runs, () => store.search({ text: "water", peer: "carol", limit: 50 }))));
    const pages: number[] = [];
    pages.push(...(await timed(runs, () => store.history({ peer: "bob", limit: 50 }))));
    pages.push(...(await timed(runs, () => store.history({ limit: 50 }))));
    pages.push(...(await timed(runs, () => store.history({ peer: "bob", limit: 50, before: ids.middle }))));
    pages.push(...(await timed(runs, () => store.history({ limit: 50, before: ids.middle }))));
    pages.push(...(await timed(runs, () => store.history({ peer: "bob", limit: 50, before: ids.first }))));
    // The floor: the cheapest indexed read through the same store.
    const floor = await timed(runs * 4, () => store.statusOf([ids.middle]));
    await store.close();
    search.sort((a, b) => a - b);
    pages.sort((a, b) => a - b);
    floor.sort((a, b) => a - b);
    const f50 = percentile(floor, 50);
    return [
      figure("search_p50", percentile(search, 50), "ms", f50, "< 20"),
      figure("search_p99", percentile(search, 99), "ms", percentile(floor, 99), null),
      figure("history_page_p50", percentile(pages, 50), "ms", f50, "< 20"),
    ];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
