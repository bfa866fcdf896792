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
// behind router B, and alice moves, two ways in each run:
// - router A gets a new WAN address (the old one goes to another host) and
//   bob writes to alice at once: his link breaks, his dials fail, he looks
//   alice up until the DHT has her new address;
// - alice's own LAN address changes (a new DHCP lease): her node notices
//   (within about 3 s), maps her port again from the new address (router
//   A, in miniupnpd's secure mode, keeps the old mapping: a new port) and
//   republishes; bob's node starts just after the move and writes to her at
//   once (a peer still linked to her learns that its link died only at its
//   keepalive deadline: no packet can leave from an address her machine no
//   longer has, so her node cannot tell it).
// From the move to the message shown by alice, the median of each kind; the
// figure is the slower of the two, beside that kind's median time from the
// move to alice's republish, which bob cannot beat. alice's port mapper
// rereads the public address every second here (60 s by default).
//
// Both need root (network namespaces); without, they are skipped with a note.
import { BEACON_INTERVAL_MS } from "../src/reach/lan/lan-beacon.ts";
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
  const moves = { wan: [] as number[], lan: [] as number[] };
  const republished = { wan: [] as number[], lan: [] as number[] };
  /** Times one move: from `move()` to alice's republish with `next` and to her serve printing bob's `text`. */
  const time = async (kind: "wan" | "lan", next: string, text: string, move: () => Promise<void>, write: () => Promise<void>) => {
    const fromOut = aliceServe.lines().length;
    const fromErr = aliceServe.errLines().length;
    const t0 = performance.now();
    await move();
    await write();
    const [shown, out] = await Promise.all([
      aliceServe.waitFor(published(next), { from: fromErr, stream: "stderr", timeoutMs: 60_000 }).then(() => performance.now()),
      aliceServe.waitFor((l) => l.endsWith(`bob: ${text}`), { from: fromOut, timeoutMs: 120_000 }).then(() => performance.now()),
    ]);
    republished[kind].push((shown - t0) / 1000);
    moves[kind].push((out - t0) / 1000);
    if (process.env.P2PCHAT_BENCH_VERBOSE) process.stderr.write(` ${kind} ${((shown - t0) / 1000).toFixed(1)}/${((out - t0) / 1000).toFixed(1)}`);
  };
  for (let i = 0; i < runs; i++) {
    // The ISP gives router A a new address.
    const old = h.routerA.wanAddress;
    const wan = `11.0.0.${50 + i}`;
    const port = (await alice.json<{ reach: { public: { port: number } | null } }>(["status"])).reach.public?.port ?? 7001;
    await time(
      "wan",
      `${wan}:${port}`,
      `after move ${i}`,
      async () => {
        await h.routerA.setWanAddress(wan);
        await reassignAddress(h.tb, old, [h.routerB.wanAddress], `isp${i}`);
      },
      async () => void (await bob.ok(["send", "alice", `after move ${i}`, "--no-wait"])),
    );
    // alice's machine gets a new LAN address; bob's node starts just after.
    await bob.stop();
    await time(
      "lan",
      `${wan}:`,
      `after lan move ${i}`,
      () => h.alice.setAddress(`192.168.1.${100 + i}`),
      async () => {
        await bob.serve(7002, reach);
        await bob.ok(["send", "alice", `after lan move ${i}`, "--no-wait"]);
      },
    );
  }
  const slower = median(moves.lan) > median(moves.wan) ? "lan" : "wan";
  return figure("reach_after_move_s", median(moves[slower]), "s", median(republished[slower]), null);
}
