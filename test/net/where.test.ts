// What a node says about where it can be reached, in namespaces, each line
// as a person copies it (issue 24, "What the node says"; issue 27, "Say
// where you stand"): a machine whose only interface has 10.88.0.2 and no
// carrier yet never offers 127.0.0.1; a node behind a NAT that maps nothing
// says, in serve's first lines, in status and when making an invite, that
// only its own network can reach it and what would help; joined to a relay,
// that it is reachable through it.
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { decodeInvite } from "../../src/protocol/invite-line.ts";
import { tempDir } from "../helpers/tmp.ts";
import { netnsUnavailable, netPrefix } from "./netns.ts";
import { NetUser } from "./p2p-user.ts";
import { NetRelay, RELAY_PORT } from "./relay-net.ts";
import { destroyLiveTestbeds, Testbed } from "./testbed.ts";

setDefaultTimeout(60_000);
const PREFIX = netPrefix("wh");
const why = await netnsUnavailable(PREFIX);
if (why) console.warn(`p2pchat: network namespace tests skipped: ${why}`);
afterAll(destroyLiveTestbeds);

interface StatusJson {
  reach: { verdict: { reach: string; lines: string[] } };
}

describe.skipIf(why !== null)(`where a node says it can be reached${why ? ` (skipped: ${why})` : ""}`, () => {
  test("only interface 10.88.0.2, no carrier yet: id, invite and serve's lines carry 10.88.0.2:20001, never 127.0.0.1", async () => {
    await using tb = await Testbed.create(`${PREFIX}a`);
    const lan = await tb.addLan("lan", { subnet: "10.88.0.0/24" });
    const host = await tb.addHost("solo", lan, { address: "10.88.0.2", unplugged: true });
    await using me = await NetUser.create(host, "solo");
    const at = "10.88.0.2:20001";
    // No node runs: the commands read the machine themselves.
    expect(await me.ok(["id"])).toBe(`solo ${me.peerId} ${at}\n`);
    expect(decodeInvite((await me.ok(["invite"])).trim()).addresses).toEqual([at]);
    const serve = await me.serve(20001, ["--no-dht"]);
    expect(serve.lines()[0]).toBe(`ready: solo ${me.peerId} listening on [::]:20001 (peers dial ${at})`);
    expect(await serve.waitFor(/^a friend adds you with: /)).toBe(`a friend adds you with: p2pchat contacts add solo ${me.peerId} ${at}`);
    expect(await me.ok(["id"])).toBe(`solo ${me.peerId} ${at}\n`);
  });

  test("behind a NAT that maps nothing: serve, status and invite say only your network reaches you, and what would; through a relay, that it does", async () => {
    await using tb = await Testbed.create(`${PREFIX}b`);
    const router = await tb.addRouter("rb");
    const host = await tb.addHost("bob", router);
    await using bob = await NetUser.create(host, "bob");
    const lanOnly = `only people on your network can reach you: add a relay with --relay, or turn on UPnP or NAT-PMP on your router (none answered), or forward TCP port 7002 on your router to ${host.address}:7002`;
    const serve = await bob.serve(7002, ["--no-dht"]);
    // Said once the router has been asked (and did not answer).
    const friend = await serve.waitFor(/^a friend adds you with: /, { timeoutMs: 20_000 });
    // The line after it may come in a later piece: wait for it before reading the whole list.
    await serve.waitFor(/^or with a one-line invite/);
    // The page's line follows the ready line (a namespace of its own: the default port is free).
    expect(serve.lines().slice(1)).toEqual(["web: http://127.0.0.1:20080/ (`p2pchat web` opens it signed in)", lanOnly, friend, "or with a one-line invite, which adds them on your side too: p2pchat invite"]);
    expect(friend).toBe(`a friend adds you with: p2pchat contacts add bob ${bob.peerId} ${host.address}:7002`);
    expect((await bob.json<StatusJson>(["status"])).reach.verdict).toEqual({ reach: "lan", lines: [lanOnly] });
    expect((await bob.ok(["status"])).split("\n")).toContain(lanOnly);
    const invite = await bob.cli(["invite"]);
    expect([invite.exitCode, invite.stderr.trim().split("\n").at(-1)]).toEqual([0, lanOnly]);
    await bob.stop();

    // Joined to a relay on the internet: reachable through it.
    await using keys = await tempDir("p2pchat-relay-");
    const relay = await NetRelay.start(tb, "p2pchat relay", keys.path);
    const withRelay = await bob.serve(7002, ["--no-dht", "--relay", relay.uri]);
    await withRelay.waitFor(/^a friend adds you with: /, { timeoutMs: 20_000 });
    const through = `reachable through ${relay.host.address}:${RELAY_PORT} (relay)`;
    expect(withRelay.lines()[2]).toBe(through); // after the ready and web lines
    expect((await bob.json<StatusJson>(["status"])).reach.verdict.lines[0]).toBe(through);
    expect((await bob.cli(["invite"])).stderr).toContain(`${through}\n`);
  });
});
