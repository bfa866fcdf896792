// Two people on one LAN, each running the real CLI in a namespace of their
// own (one bridge, IPv4 and IPv6 link-local): bob is added by invite, they
// chat, `nearby` lists each to the other. bob leaves; while he is away a
// third host forges beacons claiming his peer id (and runs a p2pchat node
// of its own where they point); bob comes back at a new address and port,
// and alice's pending message reaches him through his beacon alone. The
// forged beacons deliver nothing: only the TLS pin decides who bob is.
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { join } from "node:path";
import { TRIGGER_GAP_MS } from "../../src/reach/lan/nearby-peers.ts";
import { MAX_ADDRESSES } from "../../src/store/sql-addresses.ts";
import { ipIn, netnsUnavailable, netPrefix } from "./netns.ts";
import { NetUser, nsEnv } from "./p2p-user.ts";
import { destroyLiveTestbeds, Testbed } from "./testbed.ts";
import { pollUntil } from "../helpers/wait.ts";

setDefaultTimeout(60_000);
const PREFIX = netPrefix("ln");
const why = await netnsUnavailable(PREFIX);
if (why) console.warn(`p2pchat: network namespace tests skipped: ${why}`);
afterAll(destroyLiveTestbeds);

const LAN_FIXTURE = join(import.meta.dir, "lan-fixture.ts");
/** Only the LAN here: no gateway to map a port on, no DHT to ask; --debug shows each dial. */
const LAN_ONLY = ["--no-upnp", "--no-dht", "--debug"];
const FORGED = 200;

interface NearbyJson {
  peerId: string;
  addresses: string[];
  contact: string | null;
}
interface ContactJson {
  name: string;
  addresses: { address: string; source: string; lastWorked: number | null }[];
}
interface StatusJson {
  pending: { peer: string; pending: number; sent: number }[];
  contacts: { name: string; state: string; stateText: string }[];
}

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Polls `nearby --json` until `peerId` is listed with every address wanted (nearby has no event to wait on). */
async function nearbyEntry(u: NetUser, peerId: string, wanted: string[], timeoutMs = 10_000): Promise<NearbyJson> {
  const heard = (list: NearbyJson[]) => list.find((n) => n.peerId === peerId && wanted.every((w) => n.addresses.includes(w)));
  const list = await pollUntil(() => u.json<NearbyJson[]>(["nearby"]), (l) => heard(l) !== undefined, `${u.name} to hear ${peerId} at ${wanted.join(", ")}`, { timeoutMs, everyMs: 200 });
  return heard(list)!;
}

describe.skipIf(why !== null)(`p2pchat on a LAN in network namespaces${why ? ` (skipped: ${why})` : ""}`, () => {
  test("invite, chat, nearby; bob moves and his beacon brings alice's pending message; forged beacons deliver nothing", async () => {
    await using tb = await Testbed.create(PREFIX);
    const lan = await tb.addLan("lan");
    const aliceHost = await tb.addHost("alice", lan);
    const bobHost = await tb.addHost("bob", lan);
    const malHost = await tb.addHost("mal", lan);
    await using alice = await NetUser.create(aliceHost, "alice");
    await using bob = await NetUser.create(bobHost, "bob");
    // mallory calls herself bob too: a name proves nothing either.
    await using mallory = await NetUser.create(malHost, "bob");
    const [aliceLL, bobLL, malLL] = [await aliceHost.linkLocal(), await bobHost.linkLocal(), await malHost.linkLocal()];

    // --- bob invites, alice adds: bob's node takes alice as a contact at once; they chat.
    await Promise.all([alice.serve(7001, LAN_ONLY), bob.serve(7002, LAN_ONLY)]);
    const line = (await bob.ok(["invite"])).trim();
    expect(line).toStartWith("p2pchat:");
    expect(await alice.ok(["add", line])).toStartWith(`added bob, pinned to ${bob.peerId}, at ${bobHost.address}:7002`);
    expect(await alice.ok(["send", "bob", "hello bob"])).toStartWith("delivered to bob");
    await bob.serving!.waitFor(/^\* alice joined with your invite: a contact now/);
    await bob.serving!.waitFor(/ alice: hello bob$/);
    expect(await bob.ok(["send", "alice", "hello alice"])).toStartWith("delivered to alice");
    await alice.serving!.waitFor(/ bob: hello alice$/);

    // --- nearby: each heard the other's beacons over IPv4 and IPv6 link-local, as a contact.
    expect(await nearbyEntry(alice, bob.peerId, [`${bobHost.address}:7002`, `[${bobLL}%eth0]:7002`])).toMatchObject({ contact: "bob" });
    expect(await nearbyEntry(bob, alice.peerId, [`${aliceHost.address}:7001`, `[${aliceLL}%eth0]:7001`])).toMatchObject({ contact: "alice" });
    expect(await alice.ok(["nearby"])).toMatch(new RegExp(`^${bob.peerId}  (\\S+ )*${esc(bobHost.address)}:7002( \\S+)*  bob$`, "m"));
    expect(await bob.ok(["nearby"])).toMatch(new RegExp(`^${alice.peerId}  (\\S+ )*${esc(aliceHost.address)}:7001( \\S+)*  alice$`, "m"));

    // --- bob leaves; alice writes to him meanwhile. Her node restarts on
    // another port, so that bob, when he comes back, cannot reach her at what
    // he knows: only her dial, set off by his beacon, can bring the message.
    await bob.stop();
    await alice.serving!.waitFor(/^\* bob disconnected/);
    expect(await alice.ok(["send", "bob", "while you were away", "--no-wait"])).toStartWith("queued for bob");
    await alice.stop();
    const aliceServe = await alice.serve(7011, LAN_ONLY);

    // --- mallory runs a node where her forged beacons point, and claims bob's id.
    const malServe = await mallory.serve(7002, LAN_ONLY);
    const floodFrom = aliceServe.errLines().length;
    const floodAt = Date.now();
    const flood = malHost.spawn([process.execPath, LAN_FIXTURE, "--flood", String(FORGED), "--claim", bob.peerId, "--port", "7002"], {
      env: nsEnv({ P2PCHAT_LAN_NETNS_PREFIX: `${PREFIX}-` }),
    });
    await flood.waitFor(/"event":"flooded"/);
    // alice dials mallory's node as bob: the pin refuses it.
    const refusedAt = (host: string) => (l: string) => l.includes(`bob: ${host}:7002 (from lan) answered as `);
    await aliceServe.waitFor(refusedAt(malHost.address), { from: floodFrom, stream: "stderr" });
    const status = await alice.json<StatusJson>(["status"]);
    expect(status.pending.find((p) => p.peer === "bob")).toMatchObject({ pending: 1 });
    // A forged beacon is no news that bob changed: alice is not told to re-pin him to mallory.
    expect(status.contacts.find((c) => c.name === "bob")?.state).not.toBe("identity changed");
    expect(aliceServe.lines().join("\n")).not.toContain("MISMATCH");
    expect(aliceServe.lines().join("\n")).not.toContain(mallory.peerId);

    // --- bob comes back at a new address, on another port. Meanwhile alice
    // writes again, and her dial hangs at his old IPv4 address, where nobody
    // answers ARP any more (a dead address holds a dial until the 10 s
    // handshake deadline): his beacon must get her to him before that.
    const hangFrom = aliceServe.errLines().length;
    const oldBob = bobHost.address;
    await bobHost.setAddress("10.1.0.50");
    expect(await alice.ok(["send", "bob", "are you back?", "--no-wait"])).toStartWith("queued for bob");
    await aliceServe.waitFor((l) => l.includes(`dialing bob at ${oldBob}:7002`), { from: hangFrom, stream: "stderr" });
    const startedAt = Date.now();
    const bobServe = await bob.serve(7003, LAN_ONLY);
    const up = await aliceServe.waitFor(/^\* bob connected/, { timeoutMs: 20_000 });
    // Up to one trigger gap held back by mallory's beacons for bob's id, then a dial at once.
    expect(Date.now() - startedAt).toBeLessThan(TRIGGER_GAP_MS + 2_000);
    expect(up).toMatch(new RegExp(`^\\* bob connected \\((10\\.1\\.0\\.50|\\[${esc(bobLL)}%eth0\\]):7003, we dialed\\)$`));
    await bobServe.waitFor(/ alice: while you were away$/);
    await bobServe.waitFor(/ alice: are you back\?$/);
    expect((await alice.json<StatusJson>(["status"])).pending).toEqual([]);

    // The 200 beacons named 1,600 other addresses: none entered alice's
    // address book, only where the beacons came from (and that one is
    // forgotten once mallory answers there, until a beacon tells of it again).
    const book = (await alice.json<ContactJson[]>(["contacts"])).find((c) => c.name === "bob")!;
    expect(book.addresses.length).toBeLessThanOrEqual(MAX_ADDRESSES);
    const real = [`${oldBob}:7002`, `[${bobLL}%eth0]:7002`, "10.1.0.50:7003", `[${bobLL}%eth0]:7003`];
    const forged = [`${malHost.address}:7002`, `[${malLL}%eth0]:7002`];
    const others = book.addresses.map((a) => a.address).filter((a) => !real.includes(a));
    for (const a of others) expect(forged).toContain(a);
    // Beacons set off dials at most once per TRIGGER_GAP_MS, flood or not.
    const triggered = aliceServe.errLines().slice(floodFrom).filter((l) => l.includes("bob is on the LAN: dialing now")).length;
    expect(triggered).toBeLessThanOrEqual(Math.ceil((Date.now() - floodAt) / TRIGGER_GAP_MS) + 1);
    // Nothing reached mallory's node: no request, no message, no contact.
    expect(await mallory.json<unknown[]>(["requests"])).toEqual([]);
    expect(await mallory.json<unknown[]>(["contacts"])).toEqual([]);
    // (serve prints events as "* ...", warnings as "! ...", messages as "[HH:MM] peer: text")
    expect(malServe.lines().filter((l) => /^(\* |! |\[)/.test(l))).toEqual([]);
    expect((await nearbyEntry(alice, bob.peerId, ["10.1.0.50:7003"])).contact).toBe("bob");

    // --- IPv4 goes away on bob's side: they find each other by IPv6 link-local alone.
    await bob.stop();
    await aliceServe.waitFor(/^\* bob disconnected/, { from: aliceServe.lines().indexOf(up) });
    expect(await alice.ok(["send", "bob", "over IPv6", "--no-wait"])).toStartWith("queued for bob");
    await ipIn(bobHost.ns, "-4", "addr", "flush", "dev", "eth0");
    await ipIn(bobHost.ns, "-4", "route", "flush", "table", "main");
    const from = aliceServe.lines().length;
    const v6Serve = await bob.serve(7004, LAN_ONLY);
    // Whoever dials, the link runs between link-local addresses (an incoming one shows no zone).
    const v6 = await aliceServe.waitFor(/^\* bob connected/, { from, timeoutMs: 20_000 });
    expect(v6).toMatch(new RegExp(`^\\* bob connected \\(\\[${esc(bobLL)}(%eth0)?\\]:\\d+, (we|they) dialed\\)$`));
    await v6Serve.waitFor(/ alice: over IPv6$/);
    // A link-local address is kept only with its zone: without one it cannot be dialed.
    const linkLocal = (await alice.json<ContactJson[]>(["contacts"]))[0]!.addresses.filter((a) => a.address.startsWith("[fe80:"));
    for (const a of linkLocal) expect(a.address).toMatch(/^\[fe80::[0-9a-f:]+%eth0\]:\d+$/);
  });
});
