// From `nearby` to `add`, as a newcomer goes: nearby lists a node that is
// not a contact and says "p2pchat add NB2QLNB... adds it"; those first
// characters add it, named as its node announces itself, and a name is said
// to be taken only when it is, with whose it is. A beginning that several
// nodes share (one of them a forged beacon) lists them; one that nobody has
// says what must be running. Real CLI processes, each host in a namespace.
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { join } from "node:path";
import { parsePeerId, peerIdDigest, peerIdFromDigest } from "../../src/protocol/peer-id.ts";
import { netnsUnavailable, netPrefix } from "./netns.ts";
import { NetUser, nsEnv } from "./p2p-user.ts";
import { destroyLiveTestbeds, Testbed } from "./testbed.ts";
import { pollUntil } from "../helpers/wait.ts";

setDefaultTimeout(90_000);
const PREFIX = netPrefix("na");
const why = await netnsUnavailable(PREFIX);
if (why) console.warn(`p2pchat: network namespace tests skipped: ${why}`);
afterAll(destroyLiveTestbeds);

const LAN_FIXTURE = join(import.meta.dir, "lan-fixture.ts");
const LAN_ONLY = ["--no-upnp", "--no-dht"];
const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

interface NearbyJson {
  peerId: string;
  addresses: string[];
  contact: string | null;
}

/** Polls `nearby --json` until `peerId` is listed (nearby has no event to wait on). */
async function heard(u: NetUser, peerId: string): Promise<NearbyJson> {
  const list = await pollUntil(() => u.json<NearbyJson[]>(["nearby"]), (l) => l.some((n) => n.peerId === peerId), `${u.name} to hear ${peerId}`, { timeoutMs: 15_000, everyMs: 200 });
  return list.find((n) => n.peerId === peerId)!;
}

/** A peer id that shares all but its last digest byte with `id`: its printed form begins as `id`'s does. */
function lookAlikeId(id: string): string {
  const parsed = parsePeerId(id);
  if (!parsed.ok) throw new Error(parsed.reason);
  const digest = Uint8Array.from(peerIdDigest(parsed.id));
  digest[31] = digest[31]! ^ 0xff;
  return peerIdFromDigest(digest);
}

describe.skipIf(why !== null)(`add from nearby${why ? ` (skipped: ${why})` : ""}`, () => {
  test("nearby's short id adds the node under the name it announces; shared beginnings list the nodes; a taken name says whose", async () => {
    await using tb = await Testbed.create(PREFIX);
    const lan = await tb.addLan("lan");
    const aliceHost = await tb.addHost("alice", lan);
    const bobHost = await tb.addHost("bob", lan);
    const malHost = await tb.addHost("mal", lan);
    await using alice = await NetUser.create(aliceHost, "alice");
    await using bob = await NetUser.create(bobHost, "bob");
    // mallory calls herself bob too.
    await using mallory = await NetUser.create(malHost, "bob");
    await Promise.all([alice.serve(7001, LAN_ONLY), bob.serve(7002, LAN_ONLY)]);
    const short = bob.peerId.split("-")[0]!;

    // --- nearby says what to type.
    expect(await heard(alice, bob.peerId)).toMatchObject({ contact: null });
    expect(await alice.ok(["nearby"])).toContain(`${bob.peerId}  `);
    expect(await alice.ok(["nearby"])).toContain(`not a contact (p2pchat add ${short}... adds it)`);

    // --- a beginning nobody has: said, with what must run.
    const none = await alice.cli(["add", "ZZZZZZZ"]);
    expect(none.stderr).toContain('no node heard on the LAN in the last 90 s has an id beginning with "ZZZZZZZ"');
    expect(none.stderr).toContain("running and discoverable");
    expect(none.exitCode).toBe(2);

    // --- a forged beacon whose id begins as bob's: both listed, nothing added.
    const forged = lookAlikeId(bob.peerId);
    expect(forged.slice(0, 20)).toBe(bob.peerId.slice(0, 20));
    const flood = malHost.spawn([process.execPath, LAN_FIXTURE, "--flood", "1", "--claim", forged, "--port", "7009"], {
      env: nsEnv({ P2PCHAT_LAN_NETNS_PREFIX: `${PREFIX}-` }),
    });
    await flood.waitFor(/"event":"flooded"/);
    await heard(alice, forged);
    const both = await alice.cli(["add", short.toLowerCase()]);
    expect(both.stderr).toContain(`2 nodes nearby begin with "${short.toLowerCase()}": give more of the id`);
    expect(both.stderr).toMatch(new RegExp(`${bob.peerId} \\(at [^)]*${esc(bobHost.address)}:7002[,)]`));
    expect(both.stderr).toMatch(new RegExp(`${forged} \\(at [^)]*${esc(malHost.address)}:7009[,)]`));
    expect(both.exitCode).toBe(2);
    expect(await alice.json<unknown[]>(["contacts"])).toEqual([]);

    // --- enough of bob's id: added, and named "bob" when his node answers; nothing said of a taken name.
    let n = 0;
    while (bob.peerId[n] === forged[n]) n++;
    const added = await alice.cli(["add", bob.peerId.slice(0, n + 1)]);
    expect(added.stderr).toBe("");
    expect(added.exitCode).toBe(0);
    const lines = added.stdout.trim().split("\n");
    expect(lines[0]).toMatch(new RegExp(`^added ${bob.peerId}, heard on the LAN at \\S+:7002( and \\d+ more address(es)?)?, as peer-${short.toLowerCase()} until its node answers with its name$`));
    expect(lines.at(-1)).toBe("linked to bob: named as its node announces itself");
    expect(added.stdout).not.toContain("taken");
    expect((await alice.json<{ name: string }[]>(["contacts"])).map((c) => c.name)).toEqual(["bob"]);
    expect(await alice.ok(["send", "bob", "found you nearby"])).toStartWith("delivered to bob");

    // --- mallory also announces "bob": she becomes bob-2, and the line says the name is your contact bob's.
    await mallory.serve(7003, LAN_ONLY);
    await heard(alice, mallory.peerId);
    const second = await alice.cli(["add", mallory.peerId.split("-")[0]!]);
    expect(second.stderr).toBe("");
    expect(second.stdout.trim().split("\n").at(-1)).toBe(
      'linked to bob-2: its node announces "bob", the name of your contact bob, so it is bob-2 (rename it with `p2pchat contacts set bob-2 --rename NAME`)',
    );
    expect((await alice.json<{ name: string }[]>(["contacts"])).map((c) => c.name).sort()).toEqual(["bob", "bob-2"]);
  });
});
