// Hole punching, in network namespaces (test/net/punch-net.ts), each person
// running the real CLI: carol on the internet relays for alice and bob, who
// sit behind home routers that map no ports.
//
// punch_ms: bob's node starts while alice's runs (both port-preserving
// routers); it reaches alice through carol's relay, and the link becomes a
// direct one through a punched hole. From the relayed link's coming up to
// the direct one's, as bob's node measures it (the number its serve
// prints), the median of the runs.
//
// direct_share: the share of NAT-type pairs in the testbed whose link ends
// up direct, beside the share of pairs where both routers keep source ports
// (the ceiling: a hole can be punched only there). The types: port-preserving
// behind a firewall that drops what the internet sends unasked (most home
// routers), port-mapping at random and fully at random (carrier-grade NAT),
// and (full run) port-preserving whose router answers a stray SYN with a
// reset. Each pair: the routers are set so, bob's node starts, and alice's
// (the end that tries) says whether a hole was punched or a round of three
// attempts failed.
//
// Needs root (network namespaces); without, skipped with a note.
import type { NatMapping, WanInput } from "../test/net/miniupnpd.ts";
import { netnsUnavailable, netPrefix } from "../test/net/netns.ts";
import type { NsProcess } from "../test/net/process.ts";
import { meetThroughCarol, PORT, punchWorld, SERVE_ARGS, type PunchWorld } from "../test/net/punch-net.ts";
import { figure, type Figure, type Scale } from "./figure.ts";
import { median } from "./fixture.ts";

const TYPES: { name: string; nat: NatMapping; input: WanInput }[] = [
  { name: "port-preserving", nat: "preserve", input: "drop" },
  { name: "random", nat: "random", input: "drop" },
  { name: "fully-random", nat: "fully-random", input: "drop" },
  { name: "port-preserving, answering", nat: "preserve", input: "answer" },
];

export async function figurePunch(s: Scale): Promise<Figure[]> {
  const prefix = netPrefix("bp");
  const why = await netnsUnavailable(prefix);
  if (why) {
    process.stderr.write(` skipped (${why})`);
    return [];
  }
  return [await punchMs(prefix, s.punchRuns), await directShare(`${prefix}s`, s.natTypes)];
}

/** bob adds alice's invite; resolves once their link is up (relayed, and then maybe direct). */
async function meet(w: PunchWorld, bobServe: NsProcess): Promise<void> {
  const invite = (JSON.parse(await w.alice.ok(["invite", "--json"])) as { invite: string }).invite;
  await w.bob.ok(["add", invite]);
  await bobServe.waitFor(/^\* alice connected \(via relay /, { timeoutMs: 30_000 });
}

/** The outcome of bob's next start: a hole punched in `ms`, or a round of attempts that failed (null). */
async function restartBob(w: PunchWorld, alice: NsProcess): Promise<number | null> {
  await w.bob.stop();
  const from = alice.lines().length;
  const bob = await w.bob.serve(PORT, SERVE_ARGS);
  // A node goes through relays only for a contact it owes messages (or an invite's token).
  await w.bob.ok(["send", "alice", "back again", "--no-wait"]);
  await bob.waitFor(/^\* alice connected \(via relay /, { timeoutMs: 30_000 });
  const line = await alice.waitFor((l) => /^\* bob connected directly|^\* bob: still through the relay/.test(l), { from, timeoutMs: 90_000 });
  if (!line.includes("connected directly")) return null;
  const mine = await bob.waitFor(/^\* alice connected directly/, { timeoutMs: 10_000 });
  const m = / (\d+) ms after the relayed link/.exec(mine) ?? / ([\d.]+) s after the relayed link/.exec(mine);
  if (!m) throw new Error(`punch_ms: no time in ${JSON.stringify(mine)}`);
  return mine.includes(" ms after") ? Number(m[1]) : Number(m[1]) * 1000;
}

async function punchMs(prefix: string, runs: number): Promise<Figure> {
  await using w = await punchWorld(prefix);
  const { aliceServe, bobServe } = await meetThroughCarol(w);
  await meet(w, bobServe);
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const ms = await restartBob(w, aliceServe);
    if (ms === null) throw new Error(`punch_ms: no hole punched between two port-preserving routers (run ${i + 1})\n${aliceServe.transcript()}`);
    samples.push(ms);
    if (process.env.P2PCHAT_BENCH_VERBOSE) process.stderr.write(` ${ms}`);
  }
  return figure("punch_ms", median(samples), "ms", null, null);
}

async function directShare(prefix: string, types: number): Promise<Figure> {
  await using w = await punchWorld(prefix);
  const { aliceServe, bobServe } = await meetThroughCarol(w);
  await meet(w, bobServe);
  const kinds = TYPES.slice(0, types);
  let pairs = 0;
  let direct = 0;
  let possible = 0;
  for (let i = 0; i < kinds.length; i++) {
    for (let j = i; j < kinds.length; j++) {
      const [a, b] = [kinds[i]!, kinds[j]!];
      await w.routerA.remap(a.nat, a.input);
      await w.routerB.remap(b.nat, b.input);
      const ok = (await restartBob(w, aliceServe)) !== null;
      pairs++;
      if (ok) direct++;
      if (a.nat === "preserve" && b.nat === "preserve") possible++;
      if (process.env.P2PCHAT_BENCH_VERBOSE) process.stderr.write(` [${a.name} / ${b.name}: ${ok ? "direct" : "relayed"}]`);
    }
  }
  return figure("direct_share", Math.round((direct / pairs) * 1000) / 1000, "share", Math.round((possible / pairs) * 1000) / 1000, null);
}
