// Reach with no router help and no relay operator: alice and bob behind
// their own home routers (no UPnP anywhere), both contacts of carol, who is
// on the internet and relays for her contacts without being asked. bob adds
// alice's invite and they chat through carol; between two port-preserving
// routers the link then becomes direct through a punched hole, and stays
// relayed (and working) when bob's router maps ports at random. A kill -9
// of carol mid-conversation costs the direct link nothing: every message
// arrives once.
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { netnsUnavailable, netPrefix } from "./netns.ts";
import { meetThroughCarol, punchWorld, untilStatus } from "./punch-net.ts";
import { destroyLiveTestbeds } from "./testbed.ts";

setDefaultTimeout(180_000);
const PREFIX = netPrefix("hp");
const why = await netnsUnavailable(PREFIX);
if (why) console.warn(`p2pchat: network namespace tests skipped: ${why}`);
afterAll(destroyLiveTestbeds);

const STREAM = 2_000;

describe.skipIf(why !== null)("alice and bob behind NAT with no port mapping, both carol's contacts", () => {
  test("bob adds alice's invite: they chat through carol at once, then directly through a punched hole; a kill -9 of carol loses nothing", async () => {
    await using w = await punchWorld(`${PREFIX}p`);
    const { aliceServe, bobServe, carolRelay } = await meetThroughCarol(w);
    // carol can be reached: she relays for her contacts, unasked, within the default caps.
    expect(await w.carol.ok(["status"])).toContain(`relaying for contacts at ${carolRelay}: 0 of 16 sessions, 128 KiB/s each, 2 contacts joined`);
    const invite = JSON.parse(await w.alice.ok(["invite", "--json"])) as { invite: string; relays: string[]; reach: { lines: string[] } };
    expect(invite.relays).toEqual([`relay://${carolRelay}/?id=${w.carol.peerId}`]);
    expect(invite.reach.lines[0]).toBe("reachable through carol (relay)");

    const punched = [aliceServe, bobServe].map((p) => p.waitFor(/ connected directly \(.*a hole punched through both NATs/, { timeoutMs: 60_000 }));
    await w.bob.ok(["add", invite.invite]);
    await aliceServe.waitFor(/^\* bob joined with your invite: a contact now/, { timeoutMs: 30_000 });
    // Through carol first (nothing else reaches alice), then straight, without anyone asking.
    expect(await bobServe.waitFor(/^\* alice connected \(via relay /)).toContain(`via relay ${carolRelay}`);
    const [aliceSaw, bobSaw] = await Promise.all(punched);
    expect(aliceSaw).toStartWith(`* bob connected directly (${w.routerB.wanAddress}:`);
    expect(bobSaw).toStartWith(`* alice connected directly (${w.routerA.wanAddress}:`);
    expect(await w.bob.ok(["send", "alice", "hello through the hole"])).toStartWith("delivered to alice");
    expect(await w.alice.ok(["send", "bob", "and back"])).toStartWith("delivered to bob");
    const bobStatus = await w.bob.ok(["status"]);
    expect(bobStatus).toMatch(/^ {2}alice +linked \(direct, punched\)$/m);
    expect(bobStatus).toMatch(new RegExp(`^  alice +${w.routerA.wanAddress.replaceAll(".", "\\.")}:\\d+ \\(direct, punched\\) +both dialed +since `, "m"));
    expect(await w.alice.ok(["status"])).toMatch(/^ {2}bob +linked \(direct, punched\)$/m);
    expect(await w.carol.ok(["status"])).toMatch(/^relaying for contacts at .*: 0 of 16 sessions/m);

    // A stream from bob, and carol killed in the middle of it: the direct link does not notice.
    const texts = Array.from({ length: STREAM }, (_, i) => `stream ${i}`);
    const chat = w.bob.cli(["chat", "alice", "--wait", "60"], {}, texts.join("\n") + "\n");
    await aliceServe.waitFor((l) => l.endsWith(`: stream ${STREAM / 4}`), { timeoutMs: 60_000 });
    const aliceAtKill = aliceServe.lines().length;
    await w.carol.serving!.stop("SIGKILL");
    const done = await chat;
    expect({ exitCode: done.exitCode, stderr: done.stderr }).toEqual({ exitCode: 0, stderr: "" });
    expect(aliceServe.lines().slice(aliceAtKill).filter((l) => l.startsWith("* bob disconnected"))).toEqual([]);
    const rows = JSON.parse(await w.alice.ok(["history", "bob", "--json", "--limit", String(STREAM + 10)])) as { direction: string; text: string; id: string }[];
    const inbound = rows.filter((e) => e.direction === "in");
    expect(inbound.map((e) => e.text)).toEqual(["hello through the hole", ...texts]);
    expect(new Set(inbound.map((e) => e.id)).size).toBe(inbound.length);
    expect(await w.bob.ok(["status"])).toContain("pending: none");
  });

  test("bob's router maps ports at random: no hole can be punched, and the link stays relayed through carol, and working", async () => {
    await using w = await punchWorld(`${PREFIX}r`, "random");
    const { aliceServe, bobServe, carolRelay } = await meetThroughCarol(w);
    const invite = JSON.parse(await w.alice.ok(["invite", "--json"])) as { invite: string };
    await w.bob.ok(["add", invite.invite]);
    await aliceServe.waitFor(/^\* bob joined with your invite: a contact now/, { timeoutMs: 30_000 });
    await bobServe.waitFor(/^\* alice connected \(via relay /);
    // Three attempts (about 5 s each at most) come to nothing; the relayed link carries on meanwhile and after.
    const gaveUp = aliceServe.waitFor(/^\* bob: still through the relay: no hole could be punched/, { timeoutMs: 60_000 });
    for (let i = 0; i < 5; i++) expect(await w.bob.ok(["send", "alice", `relayed ${i}`])).toStartWith("delivered to alice");
    expect(await gaveUp).toMatch(/\(no direct connection to 11\.0\.0\.3:\d+ from port \d+ within 5 s \(.*\)\); trying again in 60 s$/);
    await untilStatus(w.carol, /^relaying for contacts at .*: 1 of 16 sessions/m);
    expect(await w.alice.ok(["send", "bob", "still via carol"])).toStartWith("delivered to bob");
    expect(await w.bob.ok(["status"])).toMatch(new RegExp(`^  alice +linked \\(via relay ${carolRelay.replaceAll(".", "\\.")}\\)`, "m"));
    expect([...aliceServe.lines(), ...bobServe.lines()].filter((l) => l.includes("connected directly"))).toEqual([]);
  });

  test("a conversation going on through carol when a hole can be punched at last: it moves to the direct link mid-stream, nothing lost, nothing twice", async () => {
    await using w = await punchWorld(`${PREFIX}m`, "random");
    const { aliceServe, bobServe } = await meetThroughCarol(w, { P2PCHAT_PUNCH_RETRY_S: "1" });
    const invite = JSON.parse(await w.alice.ok(["invite", "--json"])) as { invite: string };
    await w.bob.ok(["add", invite.invite]);
    await bobServe.waitFor(/^\* alice connected \(via relay /, { timeoutMs: 30_000 });
    const punched = aliceServe.waitFor(/^\* bob connected directly/, { timeoutMs: 90_000 });
    let switched = false;
    void punched.then(() => (switched = true), () => {});
    // bob types without pause (serve's stdin), keeping up to WINDOW messages on their way, until well after the switch.
    const WINDOW = 40;
    const shown = () => aliceServe.lines().filter((l) => / bob: trickle \d+$/.test(l)).length;
    let sent = 0;
    let after = -1;
    while (after < 0 || sent < after) {
      if (sent === 200) await w.routerB.remap("preserve", "drop"); // the way opens: the next round of punching gets through
      if (switched && after < 0) after = sent + 300;
      bobServe.send(`@alice trickle ${sent++}`);
      if (sent - shown() >= WINDOW) await aliceServe.waitFor((l) => l.endsWith(`: trickle ${sent - WINDOW}`), { timeoutMs: 30_000 });
      if (sent > 20_000) throw new Error(`no hole punched while 20,000 messages went through carol:\n${bobServe.transcript()}`);
    }
    await aliceServe.waitFor((l) => l.endsWith(`: trickle ${sent - 1}`), { timeoutMs: 30_000 });
    // The switch came while messages were on their way: some were shown before it, some after.
    const lines = aliceServe.lines();
    const at = lines.findIndex((l) => l.startsWith("* bob connected directly"));
    expect(lines.slice(0, at).some((l) => l.includes(": trickle "))).toBe(true);
    expect(lines.slice(at).some((l) => l.includes(": trickle "))).toBe(true);
    const rows = JSON.parse(await w.alice.ok(["history", "bob", "--json", "--limit", String(sent + 10)])) as { direction: string; text: string; id: string }[];
    const inbound = rows.filter((e) => e.direction === "in");
    expect(inbound.map((e) => e.text)).toEqual(Array.from({ length: sent }, (_, i) => `trickle ${i}`));
    expect(new Set(inbound.map((e) => e.id)).size).toBe(sent);
    await untilStatus(w.bob, /^pending: none$/m);
    expect(await w.bob.ok(["status"])).toMatch(/^ {2}alice +linked \(direct, punched\)$/m);
  });
});
