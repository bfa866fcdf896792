// A node whose own network changes under it, each person running the real
// CLI: alice behind router A (miniupnpd), bob behind router B (no port
// mapping), DHT nodes on the internet. alice's LAN address changes (a new
// DHCP lease): her old mapping must go (where the router lets her), a new
// one must point at her new address, status, invites and her DHT record
// must say where she is now, and bob must reach her directly within
// seconds. And a node started before its network is up ends up mapped,
// published and listed once it comes up.
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { decodeInvite } from "../../src/protocol/invite-line.ts";
import { candidatePorts } from "../../src/reach/nat/portmap.ts";
import { DEFAULT_LIMITS } from "../../src/transport/link.ts";
import { homes } from "./home.ts";
import type { MiniupnpdOptions } from "./miniupnpd.ts";
import { startDhtServers } from "./internet.ts";
import { ipIn, netnsUnavailable, netPrefix } from "./netns.ts";
import { NetUser } from "./p2p-user.ts";
import { destroyLiveTestbeds, Testbed } from "./testbed.ts";

setDefaultTimeout(90_000);
const PREFIX = netPrefix("mv");
const why = await netnsUnavailable(PREFIX, { tools: ["miniupnpd"] });
if (why) console.warn(`p2pchat: network namespace tests skipped: ${why}`);
afterAll(destroyLiveTestbeds);

const HANDSHAKE_MS = DEFAULT_LIMITS.handshakeMs;

interface StatusJson {
  addresses: string[];
  reach: { public: { address: string; port: number; via: string } | null; verdict: { reach: string; lines: string[] } };
}
interface LookupJson {
  found: boolean;
  addresses: string[];
}

const rule = (port: number, to: string, toPort = port) => `iif "wan" @nh,72,8 0x6 th dport ${port} dnat ip to ${to}:${toPort}`;
const publishedWith = (address: string) => (l: string) => l.includes("published our record on the DHT") && l.includes(address);

/**
 * homes() (router A's miniupnpd as `upnp` says), the internet routing no
 * private address (what is sent to one vanishes), three DHT nodes, and
 * alice serving on port 7001; bob's home is made, his node not started.
 */
async function world(prefix: string, upnp: MiniupnpdOptions) {
  const h = await homes(prefix, { upnp });
  const users: NetUser[] = [];
  try {
    await ipIn(h.tb.internet.ns, "route", "add", "blackhole", "192.168.0.0/16");
    const dht = await startDhtServers(h.tb, 3);
    const reach = ["--dht-bootstrap", dht.bootstrap, "--no-lan", "--debug"];
    const alice = await NetUser.create(h.alice, "alice");
    users.push(alice);
    const bob = await NetUser.create(h.bob, "bob");
    users.push(bob);
    const aliceServe = await alice.serve(7001, reach);
    return {
      h,
      dht,
      reach,
      alice,
      bob,
      aliceServe,
      async [Symbol.asyncDispose]() {
        for (const u of users) await u[Symbol.asyncDispose]();
        await h[Symbol.asyncDispose]();
      },
    };
  } catch (e) {
    for (const u of users) await u[Symbol.asyncDispose]();
    await h[Symbol.asyncDispose]();
    throw e;
  }
}

describe.skipIf(why !== null)(`a node whose network changes${why ? ` (skipped: ${why})` : ""}`, () => {
  test("a new LAN address: the old mapping is removed, a new one made, and bob reaches alice directly at once", async () => {
    await using w = await world(`${PREFIX}a`, { secure: false });
    const { h, dht, reach, alice, bob, aliceServe } = w;
    const mapped = `${h.routerA.wanAddress}:7001`;

    // --- serve's first lines: where she stands, and a friend line with the address her invite leads with.
    expect(await aliceServe.waitFor(/^a friend adds you with: /)).toBe(`a friend adds you with: p2pchat contacts add alice ${alice.peerId} ${mapped}`);
    expect(aliceServe.lines()).toContain(`reachable directly at ${mapped} (upnp)`);
    await aliceServe.waitFor(publishedWith(mapped), { stream: "stderr" });

    // --- her record on the public DHT holds her mapped address, not her LAN one.
    await bob.serve(7002, reach);
    const invite = (await alice.ok(["invite"])).trim();
    expect(decodeInvite(invite).addresses).toEqual([mapped, `${h.alice.address}:7001`]);
    expect(await bob.ok(["add", invite])).toStartWith(`added alice, pinned to ${alice.peerId}, at ${mapped}`);
    expect((await bob.json<LookupJson>(["lookup", "alice", "--dht-bootstrap", dht.bootstrap])).addresses).toEqual([mapped]);
    expect(await bob.ok(["send", "alice", "hello"])).toStartWith("delivered to alice");

    // --- bob's node stops (his link to her goes with it), and her LAN
    // address changes under her node: a new DHCP lease.
    await bob.stop();
    const oldAddress = h.alice.address;
    const fromOut = aliceServe.lines().length;
    const fromErr = aliceServe.errLines().length;
    await h.alice.setAddress("192.168.1.77");
    await aliceServe.waitFor((l) => l.includes(`the network changed (address ${oldAddress} → 192.168.1.77)`), { from: fromErr, stream: "stderr" });
    await aliceServe.waitFor((l) => l.includes(`public address ${mapped} (upnp)`), { from: fromErr, stream: "stderr" });
    // The old mapping is gone from the router, the new one leads to her new address. (Her relay for
    // contacts may have mapped its own port by now, on a loaded machine: it too leads to the new address.)
    const rules = await h.routerA.miniupnpd!.rules();
    expect(rules.filter((r) => r.includes(" dport 7001 "))).toEqual([rule(7001, "192.168.1.77")]);
    expect(rules.filter((r) => r.includes(oldAddress))).toEqual([]);
    for (const other of rules.filter((r) => !r.includes(" dport 7001 "))) expect(other).toBe(rule(7002, "192.168.1.77"));
    expect(aliceServe.errLines().slice(fromErr)).toContainEqual(expect.stringContaining("removed the mapping of port 7001 (upnp)"));
    await aliceServe.waitFor(publishedWith(mapped), { from: fromErr, stream: "stderr" });
    const status = await alice.json<StatusJson>(["status"]);
    expect(status.reach.public).toEqual({ address: h.routerA.wanAddress, port: 7001, via: "upnp" });
    expect(status.reach.verdict.lines[0]).toBe(`reachable directly at ${mapped} (upnp)`);
    expect(status.addresses).toEqual([mapped, "192.168.1.77:7001"]);
    expect(decodeInvite((await alice.ok(["invite"])).trim()).addresses).toEqual([mapped, "192.168.1.77:7001"]);
    expect(await alice.ok(["id"])).toBe(`alice ${alice.peerId} ${mapped}\n`);

    // --- bob's next dial reaches her directly, through the new mapping, at once.
    const bobServe = await bob.serve(7002, reach);
    const sentAt = Date.now();
    expect(await bob.ok(["send", "alice", "after your move", "--wait", "30"])).toStartWith("delivered to alice");
    expect(Date.now() - sentAt).toBeLessThan(HANDSHAKE_MS);
    expect(bobServe.errLines()).toContainEqual(`[debug] [p2pchat:node] link up: alice ${mapped} (out)`);
    await aliceServe.waitFor(/ bob: after your move$/, { from: fromOut });
  });

  test("a router in secure mode keeps the old mapping (only its address may remove it): alice maps another port and says so", async () => {
    await using w = await world(`${PREFIX}b`, {});
    const { h, reach, alice, bob, aliceServe } = w;
    await aliceServe.waitFor(publishedWith(`${h.routerA.wanAddress}:7001`), { stream: "stderr" });
    await bob.serve(7002, reach);
    expect(await bob.ok(["add", (await alice.ok(["invite"])).trim()])).toStartWith("added alice");
    expect(await bob.ok(["send", "alice", "hello"])).toStartWith("delivered to alice");
    await bob.stop();

    const fromErr = aliceServe.errLines().length;
    await h.alice.setAddress("192.168.1.77");
    // 7001 still leads to her old address: the next of her stable fallback ports.
    const port = candidatePorts(7001, alice.peerId, `uuid:${h.routerA.miniupnpd!.uuid}`)[1]!;
    const moved = `${h.routerA.wanAddress}:${port}`;
    // Her relay for contacts' port (the next one) follows, its own fallback port as stable.
    const relayPort = candidatePorts(7002, `${alice.peerId}/relay`, `uuid:${h.routerA.miniupnpd!.uuid}`)[1]!;
    await aliceServe.waitFor((l) => l.includes(`public address ${moved} (upnp)`), { from: fromErr, stream: "stderr" });
    await aliceServe.waitFor((l) => l.includes(`upnp: mapped port ${relayPort} to 192.168.1.77:7002`), { from: fromErr, stream: "stderr" });
    const log = aliceServe.errLines().slice(fromErr);
    expect(log).toContainEqual(expect.stringMatching(/could not remove the mapping of port 7001 \(upnp, this machine's address changed \(192\.168\.1\.10 → 192\.168\.1\.77\)\): .*606.*: it lapses with its lease, within 3600 s$/));
    expect((await h.routerA.miniupnpd!.rules()).sort()).toEqual(
      [rule(7001, "192.168.1.10"), rule(port, "192.168.1.77", 7001), rule(7002, "192.168.1.10"), rule(relayPort, "192.168.1.77", 7002)].sort(),
    );
    await aliceServe.waitFor(publishedWith(moved), { from: fromErr, stream: "stderr" });
    const status = await alice.json<StatusJson>(["status"]);
    expect(status.reach.verdict.lines[0]).toBe(`reachable directly at ${moved} (upnp)`);
    expect(decodeInvite((await alice.ok(["invite"])).trim()).addresses).toEqual([moved, "192.168.1.77:7001"]);

    // bob's saved addresses lead nowhere now (a dial there hangs until the handshake deadline, 2 s here
    // rather than 10: nothing else depends on it); the DHT has her new one.
    const bobServe = await bob.serve(7002, reach, { P2PCHAT_HANDSHAKE_TIMEOUT_S: "2" });
    expect(await bob.ok(["send", "alice", "after your move", "--wait", "60"])).toStartWith("delivered to alice");
    expect(bobServe.errLines()).toContainEqual(`[debug] [p2pchat:node] link up: alice ${moved} (out)`);
  });

  test("started before its network is up: once the cable is in and an address given, alice is mapped, published and listed", async () => {
    await using tb = await Testbed.create(`${PREFIX}c`);
    const dht = await startDhtServers(tb, 3);
    const routerA = await tb.addRouter("ra", { upnp: {} });
    const host = await tb.addHost("alice", routerA, { unplugged: true, unaddressed: true });
    await using alice = await NetUser.create(host, "alice");
    const aliceServe = await alice.serve(7001, ["--dht-bootstrap", dht.bootstrap, "--no-lan", "--debug"]);
    await aliceServe.waitFor(/^a friend adds you with: /);
    expect((await alice.json<StatusJson>(["status"])).reach.verdict.lines[0]).toStartWith("only people on your network can reach you: add a relay with --relay once you are online");

    const from = aliceServe.lines().length;
    await host.plugIn();
    await host.setAddress("192.168.1.10");
    const mapped = `${routerA.wanAddress}:7001`;
    // serve says it as it happens; the record follows.
    await aliceServe.waitFor((l) => l === `* reachable directly at ${mapped} (upnp)`, { from });
    await aliceServe.waitFor(publishedWith(mapped), { stream: "stderr" });
    // Reached directly now, she relays for her contacts on the next port: mapped too.
    await aliceServe.waitFor((l) => l.includes("upnp: mapped port 7002 to 192.168.1.10:7002"), { stream: "stderr" });
    expect((await routerA.miniupnpd!.rules()).sort()).toEqual([rule(7001, "192.168.1.10"), rule(7002, "192.168.1.10")].sort());
    const status = await alice.json<StatusJson>(["status"]);
    expect([status.reach.public, status.addresses]).toEqual([{ address: routerA.wanAddress, port: 7001, via: "upnp" }, [mapped, "192.168.1.10:7001"]]);
    expect(decodeInvite((await alice.ok(["invite"])).trim()).addresses).toEqual([mapped, "192.168.1.10:7001"]);
    // Anyone on the internet finds her there.
    const server = await tb.addServer("server");
    await using carol = await NetUser.create(server, "carol");
    const found = await carol.json<LookupJson>(["lookup", (await alice.json<{ reach: { dkey: string } }>(["status"])).reach.dkey, "--dht-bootstrap", dht.bootstrap]);
    expect(found).toMatchObject({ found: true, addresses: [mapped] });
  });
});
