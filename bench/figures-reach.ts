// Finding a peer that moved, in network namespaces (test/net), each person
// running the real CLI:
//
// lan_find_ms: bob stops, moves to a new address on the LAN and starts on
// another port while alice holds a message for him; from bob's start (the
// spawn of his serve) to alice's link to him being up. The median of the
// runs, beside the beacon interval (30 s): without the answer a beacon gets
// from a node that hears a new instance, that is how long it could take.
// alice restarts on another port before each run (so bob cannot dial her:
// her dial, set off by his beacon, is what is measured), and her dial to his
// old address hangs when he comes back, as it would.
//
// reach_after_move_s: alice sits behind router A with a mapped port, bob
// behind router B; router A gets a new WAN address (the old one goes to
// another host) and bob writes to alice at once. From the move to the
// message shown by alice: bob's link breaks, his dials fail, he looks alice
// up until the DHT has her new address. Beside it, in the same run, the time
// from the move to alice's republish, which bob cannot beat. alice's port
// mapper rereads the public address every second here (60 s by default).
//
// Both need root (network namespaces); without, they are skipped with a note.
import { BEACON_INTERVAL_MS } from "../src/reach/lan-beacon.ts";
import { homes } from "../test/net/home.ts";
import { reassignAddress, startDhtServers } from "../test/net/internet.ts";
import { ipIn, netnsUnavailable, netPrefix } from "../test/net/netns.ts";
import { NetUser } from "../test/net/p2p-user.ts";
import { Testbed } from "../test/net/testbed.ts";
import { figure, type Figure, type Scale } from "./figure.ts";
import { median } from "./fixture.ts";

const LAN_ONLY = ["--no-upnp", "--no-dht"];

export async function figureReach(s: Scale): Promise<Figure[]> {
  const prefix = netPrefix("bn");
  const why = await netnsUnavailable(prefix, { tools: ["miniupnpd"] });
  if (why) {
    process.stderr.write(` skipped (${why})`);
    return [];
  }
  return [await lanFind(prefix, s.lanFindRuns), await reachAfterMove(`${prefix}m`, s.moveRuns)];
}

async function lanFind(prefix: string, runs: number): Promise<Figure> {
  await using tb = await Testbed.create(prefix);
  const lan = await tb.addLan("lan");
  const bobHost = await tb.addHost("bob", lan);
  await using alice = await NetUser.create(await tb.addHost("alice", lan), "alice");
  await using bob = await NetUser.create(bobHost, "bob");
  await alice.serve(7001, LAN_ONLY);
  await bob.serve(7002, LAN_ONLY);
  await alice.ok(["add", (await bob.ok(["invite"])).trim()]);
  await alice.ok(["send", "bob", "hello"]);
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    await bob.stop();
    await alice.ok(["send", "bob", `run ${i}`, "--no-wait"]);
    // alice restarts on another port: bob cannot reach her at what he knows,
    // so only her dial, set off by his beacon, brings the link up.
    await alice.stop();
    const aliceServe = await alice.serve(7101 + i, LAN_ONLY);
    await bobHost.setAddress(`10.1.0.${100 + i}`);
    const from = aliceServe.lines().length;
    const t0 = performance.now();
    await bob.serve(7003 + i, LAN_ONLY);
    const up = await aliceServe.waitFor(/^\* bob connected/, { from, timeoutMs: 30_000 });
    samples.push(performance.now() - t0);
    if (process.env.P2PCHAT_BENCH_VERBOSE) process.stderr.write(` ${Math.round(samples.at(-1)!)}`);
    if (!up.includes("we dialed")) throw new Error(`lan_find_ms: bob dialed alice, not the other way: ${up}`);
  }
  return figure("lan_find_ms", median(samples), "ms", BEACON_INTERVAL_MS, null);
}

async function reachAfterMove(prefix: string, runs: number): Promise<Figure> {
  await using h = await homes(prefix);
  // As in test/net/internet-nodes.test.ts: private addresses vanish on the internet.
  await ipIn(h.tb.internet.ns, "route", "add", "blackhole", "192.168.0.0/16");
  const dht = await startDhtServers(h.tb, 3);
  const reach = ["--dht-bootstrap", dht.bootstrap, "--no-lan"];
  await using alice = await NetUser.create(h.alice, "alice");
  await using bob = await NetUser.create(h.bob, "bob");
  const aliceServe = await alice.serve(7001, [...reach, "--debug"], { P2PCHAT_PORTMAP_CHECK_S: "1" });
  const published = (address: string) => (l: string) => l.includes("published our record on the DHT") && l.includes(address);
  await aliceServe.waitFor(published(`${h.routerA.wanAddress}:7001`), { stream: "stderr", timeoutMs: 30_000 });
  await bob.serve(7002, reach);
  await bob.ok(["add", (await alice.ok(["invite"])).trim()]);
  await bob.ok(["send", "alice", "hello"]);
  const moves: number[] = [];
  const republished: number[] = [];
  for (let i = 0; i < runs; i++) {
    const old = h.routerA.wanAddress;
    const next = `11.0.0.${50 + i}`;
    const fromOut = aliceServe.lines().length;
    const fromErr = aliceServe.errLines().length;
    const t0 = performance.now();
    await h.routerA.setWanAddress(next);
    await reassignAddress(h.tb, old, [h.routerB.wanAddress], `isp${i}`);
    await bob.ok(["send", "alice", `after move ${i}`, "--no-wait"]);
    const [shown, out] = await Promise.all([
      aliceServe.waitFor(published(`${next}:7001`), { from: fromErr, stream: "stderr", timeoutMs: 60_000 }).then(() => performance.now()),
      aliceServe.waitFor((l) => l.endsWith(`bob: after move ${i}`), { from: fromOut, timeoutMs: 120_000 }).then(() => performance.now()),
    ]);
    republished.push((shown - t0) / 1000);
    moves.push((out - t0) / 1000);
    if (process.env.P2PCHAT_BENCH_VERBOSE) process.stderr.write(` ${((shown - t0) / 1000).toFixed(1)}/${((out - t0) / 1000).toFixed(1)}`);
  }
  return figure("reach_after_move_s", median(moves), "s", median(republished), null);
}
