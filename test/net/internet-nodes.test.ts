// Two homes across a small internet, each person running the real CLI: alice
// behind router A (NAT, Debian's miniupnpd), bob behind router B (NAT, no
// port mapping), three BitTorrent DHT nodes on the internet. alice maps her
// port and publishes her record; bob adds her invite and reaches her through
// the mapped port. Then alice's ISP gives router A a new address (and the
// old one to another customer): alice notices, republishes, and bob's next
// message reaches her through a fresh DHT lookup, with no command typed.
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { decodeInvite } from "../../src/protocol/invite-line.ts";
import { DEFAULT_LIMITS } from "../../src/transport/link.ts";
import { homes } from "./home.ts";
import { ipIn, netnsUnavailable, netPrefix } from "./netns.ts";
import { reassignAddress, startDhtLiars, startDhtServers, type DhtServers } from "./internet.ts";
import { NetUser } from "./p2p-user.ts";
import { destroyLiveTestbeds } from "./testbed.ts";

setDefaultTimeout(60_000);
const PREFIX = netPrefix("in");
const why = await netnsUnavailable(PREFIX, { tools: ["miniupnpd"] });
if (why) console.warn(`p2pchat: network namespace tests skipped: ${why}`);
afterAll(destroyLiveTestbeds);

const MOVED = "11.0.0.50";
const HANDSHAKE_MS = DEFAULT_LIMITS.handshakeMs;

interface StatusJson {
  reach: { public: { address: string; port: number; via: string } | null; dht: string; dkey: string | null };
}
interface ContactJson {
  name: string;
  addresses: { address: string; source: string; lastWorked: number | null }[];
}
interface LookupJson {
  found: boolean;
  peerId: string;
  addresses: string[];
  ageSeconds: number;
}

const publishedWith = (address: string) => (l: string) => l.includes("published our record on the DHT") && l.includes(address);

describe.skipIf(why !== null)(`p2pchat across NAT, port mapping and the DHT${why ? ` (skipped: ${why})` : ""}`, () => {
  test("bob reaches alice at her mapped port; after her address changes, through a fresh DHT lookup", async () => {
    await using h = await homes(PREFIX);
    // The internet routes no private address: what is sent to one vanishes
    // (as at most borders), so a dial to alice's LAN address from afar hangs.
    await ipIn(h.tb.internet.ns, "route", "add", "blackhole", "192.168.0.0/16");
    const dht: DhtServers = await startDhtServers(h.tb, 3);
    // Two lying nodes among them: one replays old records, one forges new ones.
    const forgedAt = `${h.server.address}:7001`;
    const liars = await startDhtLiars(h.tb, dht.bootstrap.split(",")[0]!, forgedAt);
    const reach = ["--dht-bootstrap", dht.bootstrap, "--no-lan", "--debug"];
    await using alice = await NetUser.create(h.alice, "alice");
    await using bob = await NetUser.create(h.bob, "bob");

    // --- alice maps her port on router A and publishes her record with it.
    // Her port mapper rereads the public address every second (a minute by default).
    const aliceServe = await alice.serve(7001, reach, { P2PCHAT_PORTMAP_CHECK_S: "1" });
    const mapped = `${h.routerA.wanAddress}:7001`;
    await aliceServe.waitFor((l) => l.includes(`public address ${mapped} (upnp)`), { stream: "stderr" });
    expect(await h.routerA.miniupnpd!.rules()).toEqual([`iif "wan" @nh,72,8 0x6 th dport 7001 dnat ip to ${h.alice.address}:7001`]);
    await aliceServe.waitFor(publishedWith(mapped), { stream: "stderr" });
    const status = await alice.json<StatusJson>(["status"]);
    expect(status.reach).toMatchObject({ public: { address: h.routerA.wanAddress, port: 7001, via: "upnp" }, dht: "on" });

    // --- her invite carries her discovery key and her public address, first.
    const line = (await alice.ok(["invite"])).trim();
    const invite = decodeInvite(line);
    expect(invite.dkey).toBe(status.reach.dkey!);
    expect(invite.addresses).toEqual([mapped, `${h.alice.address}:7001`]);

    // --- bob, behind his own NAT, reaches her through the mapped port.
    await bob.serve(7002, reach);
    expect(await bob.ok(["add", line])).toStartWith(`added alice, pinned to ${alice.peerId}, at ${mapped} and 1 more address`);
    expect(await bob.ok(["send", "alice", "hello through your router"])).toStartWith("delivered to alice");
    await aliceServe.waitFor(/^\* bob joined with your invite: a contact now/);
    // DNAT only: alice sees bob's router, the address bob's link came from.
    await aliceServe.waitFor(new RegExp(`^\\* bob connected \\(\\[::ffff:${h.routerB.wanAddress.replaceAll(".", "\\.")}\\]:\\d+, they dialed\\)$`));
    await aliceServe.waitFor(/ bob: hello through your router$/);

    // --- lookup on bob's side shows her record and its age: her mapped
    // address only (her LAN address is no use to anyone on the internet).
    const text = await bob.ok(["lookup", "alice", "--dht-bootstrap", dht.bootstrap]);
    expect(text).toContain(`peer id: ${alice.peerId}\naddress: ${mapped}\npublished: `);
    expect(text).toMatch(/^published: \S+ \(\d+ s ago\)$/m);

    // --- alice's ISP gives router A a new address, and the old one to
    // another customer; bob writes to her at once. His link and her old
    // address answer with resets, her LAN address is out of his reach (a dial
    // there hangs until the 10 s handshake deadline). She notices (her mapper
    // rereads the gateway's address) and republishes; his lookups, every 5 s
    // while his dials fail, find her new address.
    const oldWan = h.routerA.wanAddress;
    const liesBefore = [liars.replay, liars.forge].map((l) => l.proc.lines().length);
    const bobFrom = bob.serving!.errLines().length;
    await h.routerA.setWanAddress(MOVED);
    await reassignAddress(h.tb, oldWan, [h.routerB.wanAddress]);
    const sentAt = Date.now();
    expect(await bob.ok(["send", "alice", "after your move", "--wait", "30"])).toStartWith("delivered to alice");
    expect(Date.now() - sentAt).toBeLessThan(HANDSHAKE_MS);
    await aliceServe.waitFor((l) => l.includes(`public address ${MOVED}:7001 (upnp)`), { stream: "stderr" });
    await aliceServe.waitFor(publishedWith(`${MOVED}:7001`), { stream: "stderr" });
    await aliceServe.waitFor(/ bob: after your move$/);
    const bobLog = bob.serving!.errLines().slice(bobFrom);
    expect(bobLog).toContainEqual(expect.stringMatching(/DHT lookup of alice: \d+ address\(es\), 1 new$/));
    expect(bobLog).toContainEqual(`[debug] [p2pchat:node] link up: alice ${MOVED}:7001 (out)`);
    const book = (await bob.json<ContactJson[]>(["contacts"])).find((c) => c.name === "alice")!;
    expect(book.addresses[0]).toMatchObject({ address: `${MOVED}:7001`, source: "dht", lastWorked: expect.any(Number) });

    const found = await bob.json<LookupJson>(["lookup", "alice", "--dht-bootstrap", dht.bootstrap]);
    expect(found).toMatchObject({ found: true, peerId: alice.peerId, addresses: [`${MOVED}:7001`] });
    expect(found.ageSeconds).toBeLessThan(30);

    // The liars told bob their lies (an old record, a forged newer one), to
    // his lookups from the command line and from his node: neither lie was
    // taken (both lookups printed alice's newest record, his node found her
    // new address), and the forged address was never dialed.
    const toBob = new RegExp(`^served (replay|forge) seq \\d+ to ${h.routerB.wanAddress.replaceAll(".", "\\.")}$`);
    for (const liar of [liars.replay, liars.forge]) expect(liar.proc.lines()).toContainEqual(expect.stringMatching(toBob));
    const afterMove = [liars.replay, liars.forge].flatMap((l, i) => l.proc.lines().slice(liesBefore[i]));
    expect(afterMove.some((l) => toBob.test(l))).toBe(true);
    expect(bob.serving!.errLines().filter((l) => l.includes(forgedAt))).toEqual([]);
  });
});
