// Group figures, in one group of `groupMembers` members (100 in the full
// run) spread over a few processes (two cores), every member a contact of
// every other (absolute clocks).
//
// group_fanout_ms: one member writes, one message at a time; from the send
// to the last of the other members storing it, beside the same bytes
// written by the author's process to as many bare TLS connections, one per
// receiving member, spread over the same processes.
//
// group_catchup: a member away while `groupCatchup` messages were written
// comes back; messages per second until it shows them all (fetched from any
// member holding them), beside the one-to-one outbox delivering the same
// number to the same peer (the flush that groups extend).
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { figure, type Figure, type Scale } from "./figure.ts";
import { percentile, spawnFixture, type Fixture } from "./fixture.ts";

const SIZE = 100;
const PROCESSES = 4;

type Started = { name: string; peerId: string; port: number };

async function scratch(): Promise<{ dir: string } & AsyncDisposable> {
  const dir = await mkdtemp(join(tmpdir(), "p2pchat-bench-groups-"));
  return { dir, [Symbol.asyncDispose]: () => rm(dir, { recursive: true, force: true }) };
}

async function fixtures(n: number): Promise<Fixture[] & AsyncDisposable> {
  const list = Array.from({ length: n }, () => spawnFixture("group-fixture.ts")) as Fixture[] & AsyncDisposable;
  list[Symbol.asyncDispose] = async () => {
    for (const f of list) {
      await f.call("stop").catch(() => {});
      await f[Symbol.asyncDispose]();
    }
  };
  return list;
}

/** Starts `names` spread over the fixtures; makes each a pinned contact of every other; waits for their keys. */
async function members(fx: Fixture[], dir: string, names: string[]): Promise<Map<string, { f: Fixture } & Started>> {
  const where = new Map<string, { f: Fixture } & Started>();
  const perFixture = fx.map((_, i) => names.filter((_, k) => k % fx.length === i));
  let t0 = performance.now();
  const started = await Promise.all(fx.map((f, i) => f.call<Started[]>("start", { dir, names: perFixture[i] })));
  started.forEach((list, i) => list.forEach((s) => where.set(s.name, { f: fx[i]!, ...s })));
  trace("nodes started", t0);
  t0 = performance.now();
  for (const [name, m] of where) {
    const contacts = [...where.values()].filter((o) => o.name !== name).map((o) => ({ name: o.name, address: `127.0.0.1:${o.port}`, id: o.peerId }));
    await m.f.call("addContacts", { node: name, contacts });
  }
  trace("contacts added", t0);
  // The author (the first) must know every member's key and every member the author's; links
  // between other members may come later (P2PCHAT_BENCH_TRACE says which are missing, and why).
  const author = where.get(names[0]!)!;
  const peers = [...where.values()].map((m) => ({ name: m.name, peerId: m.peerId }));
  const progress = process.env.P2PCHAT_BENCH_TRACE
    ? setInterval(async () => {
        const rows = (await Promise.all(fx.map((f) => f.call<{ name: string; missing: number; why: string[] }[]>("linking", { peers })))).flat();
        const lacking = rows.filter((r) => r.missing > 0);
        trace(`pairs not linked: ${lacking.reduce((n, r) => n + r.missing, 0) / 2}; e.g. ${lacking.slice(0, 3).map((r) => `${r.name}: ${r.why.join("; ")}`).join(" | ")}`, t0);
      }, 10_000)
    : null;
  try {
    await Promise.all(fx.map((f) => f.call("waitKeys", { count: 1, of: author.peerId, except: author.name })));
    await author.f.call("waitKeys", { count: names.length - 1, only: author.name });
  } finally {
    if (progress) clearInterval(progress);
  }
  return where;
}

/** P2PCHAT_BENCH_TRACE=1: each phase's time on stderr. */
const trace = (what: string, t0: number) => process.env.P2PCHAT_BENCH_TRACE && process.stderr.write(`\n  groups: ${what} ${((performance.now() - t0) / 1000).toFixed(1)} s`);

export async function figureGroups(s: Scale): Promise<Figure[]> {
  await using tmp = await scratch();
  await using fx = await fixtures(PROCESSES);
  const names = Array.from({ length: s.groupMembers }, (_, i) => `m${String(i).padStart(3, "0")}`);
  let t0 = performance.now();
  const where = await members(fx, tmp.dir, names);
  trace(`${names.length} members linked`, t0);
  const author = where.get(names[0]!)!;
  t0 = performance.now();
  await author.f.call("create", { node: author.name, group: "bench", members: names.slice(1) });
  await Promise.all(fx.map((f) => f.call("waitJoined", { group: "bench", except: author.name })));
  trace("group joined", t0);
  const world = { fx, where, names, author, dir: tmp.dir };
  return [...(await fanout(s, world)), ...(await catchup(s, world))];
}

type World = { fx: Fixture[]; where: Map<string, { f: Fixture } & Started>; names: string[]; author: { f: Fixture } & Started; dir: string };

async function fanout(s: Scale, w: World): Promise<Figure[]> {
  const { fx, where, names, author } = w;
  const receivers = fx.map((f) => names.slice(1).filter((n) => where.get(n)!.f === f).length);
  const warm = Math.ceil(s.groupFanout / 10);

  const once = async (text: string): Promise<number> => {
    const { at } = await author.f.call<{ at: number }>("sendGroup", { node: author.name, group: "bench", text });
    const done = await Promise.all(fx.map((f, i) => (receivers[i]! > 0 ? f.call<{ at: number }>("waitStored", { text, count: receivers[i] }) : { at: 0 })));
    return Math.max(...done.map((d) => d.at)) - at;
  };
  let t0 = performance.now();
  for (let i = 0; i < warm; i++) await once(`warm${i}`);
  const lat: number[] = [];
  for (let i = 0; i < s.groupFanout; i++) lat.push(await once(`f${i}`));
  lat.sort((a, b) => a - b);
  trace(`${warm + s.groupFanout} posts fanned out`, t0);
  t0 = performance.now();

  // The ceiling: the same bytes from the author's process to one bare TLS connection per receiving member, spread the same way.
  const sinks: number[] = [];
  for (const [i, f] of fx.entries()) for (let k = 0; k < receivers[i]!; k++) sinks.push((await f.call<{ port: number }>("sink", { home: join(w.dir, author.name) })).port);
  await author.f.call("connectSinks", { ports: sinks, home: join(w.dir, author.name) });
  const bare: number[] = [];
  for (let i = 0; i < s.groupFanout + warm; i++) {
    const marker = `s${i}`;
    const { at } = await author.f.call<{ at: number }>("blast", { marker, size: SIZE });
    const done = await Promise.all(fx.map((f, k) => (receivers[k]! > 0 ? f.call<{ at: number }>("waitSink", { marker, size: SIZE, count: receivers[k] }) : { at: 0 })));
    if (i >= warm) bare.push(Math.max(...done.map((d) => d.at)) - at);
  }
  bare.sort((a, b) => a - b);
  trace("bare TLS sends", t0);
  return [
    figure("group_fanout_ms_p50", percentile(lat, 50), "ms", percentile(bare, 50), null),
    figure("group_fanout_ms_p99", percentile(lat, 99), "ms", percentile(bare, 99), null),
  ];
}

async function catchup(s: Scale, w: World): Promise<Figure[]> {
  const { fx, where, names, author } = w;
  // The returning member: the last, in another process than the author's.
  const back = where.get(names.at(-1)!)!;
  const n = s.groupCatchup;

  // The ceiling: the one-to-one outbox, the same number of messages to the same peer, delivered when it comes back.
  await back.f.call("discoverable", { node: back.name, on: false });
  await author.f.call("sendMany", { node: author.name, to: back.name, count: n, size: SIZE });
  let t0 = performance.timeOrigin + performance.now();
  await back.f.call("discoverable", { node: back.name, on: true });
  const flushed = await author.f.call<{ at: number }>("waitDelivered", { node: author.name, count: n });
  const flushRate = n / ((flushed.at - t0) / 1000);
  trace(`${n} flushed one-to-one`, performance.now() - (flushed.at - t0));

  await back.f.call("discoverable", { node: back.name, on: false });
  const shownBefore = async (m: string) => (await where.get(m)!.f.call<{ shown: number }>("shown", { node: m })).shown;
  const base = new Map(await Promise.all(names.slice(1).map(async (m) => [m, await shownBefore(m)] as const)));
  await author.f.call("sendMany", { node: author.name, to: "#bench", count: n, size: SIZE });
  // Every other member holds them before the returning one comes back.
  const t1 = performance.now();
  await Promise.all(names.slice(1, -1).map((m) => where.get(m)!.f.call("waitShown", { node: m, count: base.get(m)! + n })));
  trace(`${n} posts held by ${names.length - 2} members`, t1);
  t0 = performance.timeOrigin + performance.now();
  await back.f.call("discoverable", { node: back.name, on: true });
  const shown = await back.f.call<{ at: number }>("waitShown", { node: back.name, count: base.get(back.name)! + n });
  const rate = n / ((shown.at - t0) / 1000);
  const stats = await back.f.call<{ stored: number; duplicate: number }>("stats", { node: back.name });
  if (stats.stored < n) throw new Error(`group catch-up stored ${stats.stored} of ${n}`);
  return [figure("group_catchup", rate, "msg/s", flushRate, null)];
}
