// `bun run bench [--quick]`: throughput, latency, pending flush, fan-in,
// idle links at scale (10,000 to one node), relayed links, search, startup, DHT lookup, finding a peer that moved
// (LAN, internet), hole punching (relayed to direct, the NAT pairs that end
// up direct), groups of 100 (fan-out, catch-up) and files (throughput, memory, chat meanwhile), each printed beside a ceiling measured in the same
// run (the machine is shared and noisy: ratios, not absolutes, compare).
// Writes bench/results.json (--quick: bench/results-quick.json; --only=...: nothing).
import { cpus, release, totalmem, platform, arch } from "node:os";
import { join } from "node:path";
import { figureFanin, figureFlush, figureLatency, figureOriginal, figureTcpCeiling, figureThroughput } from "./figures-link.ts";
import { figureStartup } from "./figures-startup.ts";
import type { Figure, Scale } from "./figure.ts";

// The benchmark runs outside any network namespace: nothing it starts may
// reach beyond loopback (no LAN beacons, port mapping or public DHT).
process.env.P2PCHAT_DISCOVERY = "off";

const quick = process.argv.includes("--quick");
const only = process.argv.find((a) => a.startsWith("--only="))?.slice(7).split(",");
const scale: Scale = quick
  ? { messages: 10_000, mysqlMessages: 10_000, original: 1_000, latency: 200, flush: 10_000, fanin: 100, faninMessages: 20, links: 2_000, searchRows: 100_000, startupRuns: 10, dhtNodes: 10, lanFindRuns: 3, moveRuns: 1, punchRuns: 3, natTypes: 3, groupMembers: 20, groupFanout: 50, groupCatchup: 1_000, fileMiB: 256, fileChatMessages: 100, deviceSync: 10_000, deviceJoinMessages: 1_000 }
  : { messages: 100_000, mysqlMessages: 100_000, original: 10_000, latency: 2_000, flush: 100_000, fanin: 1_000, faninMessages: 20, links: 10_000, searchRows: 1_000_000, startupRuns: 30, dhtNodes: 30, lanFindRuns: 10, moveRuns: 3, punchRuns: 10, natTypes: 4, groupMembers: Number(process.env.P2PCHAT_BENCH_MEMBERS ?? 100), groupFanout: 50, groupCatchup: 1_000, fileMiB: 1024, fileChatMessages: 300, deviceSync: 100_000, deviceJoinMessages: 10_000 };
const mysqlUrl = process.env.P2PCHAT_BENCH_MYSQL ?? process.env.P2PCHAT_TEST_MYSQL ?? "mysql://root@127.0.0.1:3306/test";

const steps: [string, () => Promise<Figure[]>][] = [
  ["tcp", () => figureTcpCeiling(scale)],
  ["throughput", () => figureThroughput(scale, null)],
  ["mysql", () => figureThroughput(scale, mysqlUrl)],
  ["original", () => figureOriginal(scale, mysqlUrl)],
  ["latency", () => figureLatency(scale)],
  ["flush", () => figureFlush(scale)],
  ["fanin", () => figureFanin(scale)],
  ["links", () => import("./figures-idle-links.ts").then((m) => m.figureIdleLinks(scale))],
  ["relay", () => import("./figures-relay.ts").then((m) => m.figureRelay(scale))],
  ["search", () => import("./figures-search.ts").then((m) => m.figureSearch(scale))],
  ["startup", () => figureStartup(scale)],
  ["dht", () => import("./figures-dht.ts").then((m) => m.figureDht(scale))],
  ["groups", () => import("./figures-groups.ts").then((m) => m.figureGroups(scale))],
  ["files", () => import("./figures-files.ts").then((m) => m.figureFiles(scale))],
  ["devices", () => import("./figures-devices.ts").then((m) => m.figureDevices(scale))],
  // In network namespaces of their own (root only; skipped with a note otherwise).
  ["reach", () => import("./figures-reach.ts").then((m) => m.figureReach(scale))],
  ["punch", () => import("./figures-punch.ts").then((m) => m.figurePunch(scale))],
];

// Figures printed beside another step's figure need it measured in the same
// run, even when --only names just them: the bare-socket ceiling, and the
// direct throughput the relayed one is printed beside.
const needs: Record<string, string[]> = { tcp: ["throughput", "mysql", "latency", "flush", "relay"], throughput: ["relay"], latency: ["files"] };
const wanted = (name: string) => !only || only.includes(name) || (needs[name] ?? []).some((n) => only.includes(n));

const figures: Figure[] = [];
const started = performance.now();
for (const [name, step] of steps) {
  if (!wanted(name)) continue;
  const t0 = performance.now();
  process.stderr.write(`bench: ${name}...`);
  try {
    figures.push(...(await step()));
    process.stderr.write(` ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
  } catch (err) {
    process.stderr.write(` failed\n`);
    throw err;
  }
}
// Ratios against ceilings measured by other steps.
const byName = new Map(figures.map((f) => [f.name, f]));
for (const f of figures) {
  if (typeof f.ceiling === "string") {
    const c = byName.get(f.ceiling)?.value;
    f.ceiling = c ?? null;
  }
  if (typeof f.ceiling === "number" && f.ceiling !== 0) f.ratio = round(f.value / f.ceiling, 3);
  f.met = f.target === null ? null : meets(f.value, f.target);
}

const machine = {
  cpus: cpus().length,
  model: cpus()[0]?.model ?? "unknown",
  memoryGiB: round(totalmem() / 2 ** 30, 1),
  os: `${platform()} ${release()} ${arch()}`,
};
const result = { machine, bun: Bun.version, quick, seconds: round((performance.now() - started) / 1000, 1), figures };
// The full run is the record (README, bench/results.json); a quick or partial
// run must not overwrite it.
const out = only ? null : join(import.meta.dir, quick ? "results-quick.json" : "results.json");
if (out) await Bun.write(out, JSON.stringify(result, null, 2) + "\n");
printTable(result);

function meets(value: number, target: string): boolean {
  const m = /^(<=|>=|<|>)\s*([\d.]+)$/.exec(target);
  if (!m) return false;
  const t = Number(m[2]);
  return m[1] === "<" ? value < t : m[1] === "<=" ? value <= t : m[1] === ">" ? value > t : value >= t;
}

function round(n: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

function printTable(r: typeof result): void {
  const rows = [["figure", "value", "unit", "ceiling", "ratio", "target", "met"]];
  for (const f of r.figures) {
    rows.push([f.name, fmt(f.value), f.unit, f.ceiling === null ? "-" : fmt(f.ceiling as number), f.ratio === null ? "-" : String(f.ratio), f.target ?? "-", f.met === null ? "-" : f.met ? "yes" : "NO"]);
  }
  const w = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  const line = (row: string[]) => "| " + row.map((c, i) => c.padEnd(w[i]!)).join(" | ") + " |";
  console.log(`\n${r.quick ? "quick run (a tenth of the sizes)" : "full run"} on ${r.machine.cpus} × ${r.machine.model}, ${r.machine.memoryGiB} GiB, ${r.machine.os}; bun ${r.bun}; ${r.seconds} s\n`);
  console.log(line(rows[0]!));
  console.log("|" + w.map((n) => "-".repeat(n + 2)).join("|") + "|");
  for (const row of rows.slice(1)) console.log(line(row));
}

function fmt(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (Math.abs(n) >= 1000) return Math.round(n).toLocaleString("en-US");
  return String(round(n, n < 10 ? 2 : 1));
}
