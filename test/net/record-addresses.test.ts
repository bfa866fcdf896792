// A contact's own, validly signed DHT record that points at places no peer
// elsewhere can be: alice (behind router A) runs the real CLI; bob (on the
// internet) moved, and a record signed with his own discovery key lists the
// eight addresses of issue 25 before his real new one. Services listen on
// alice's own loopback, on 0.0.0.0 and on 169.254.169.254 (the cloud
// metadata address) in her namespace: none hears from her node, it dials
// none of the eight, keeps none in `contacts`, and her message reaches bob
// at the one real address.
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { startEcho, type Echo } from "./fixtures.ts";
import { startDhtServers } from "./internet.ts";
import { ipIn, netnsUnavailable, netPrefix } from "./netns.ts";
import { NetUser } from "./p2p-user.ts";
import { destroyLiveTestbeds, Testbed } from "./testbed.ts";

setDefaultTimeout(90_000);
const PREFIX = netPrefix("ra");
const why = await netnsUnavailable(PREFIX);
if (why) console.warn(`p2pchat: network namespace tests skipped: ${why}`);
afterAll(destroyLiveTestbeds);

const PUT = `${import.meta.dir}/dht-put-fixture.ts`;
const BAD = ["0.0.0.0:22224", "127.0.0.1:22222", "[::1]:22223", "localhost:22225", "169.254.169.254:80", "224.0.0.1:22226", "255.255.255.255:22227", "[ff02::1]:22228"];

interface ContactJson {
  name: string;
  addresses: { address: string; source: string }[];
}

describe.skipIf(why !== null)("a contact's own signed record naming places no peer can be", () => {
  test("the node dials none of the eight, keeps none, and reaches the contact at its real new address", async () => {
    await using tb = await Testbed.create(PREFIX);
    const dht = await startDhtServers(tb, 2);
    const router = await tb.addRouter("ra");
    const aliceHost = await tb.addHost("alice", router);
    const bobHost = await tb.addServer("bob");
    const reach = ["--dht-bootstrap", dht.bootstrap, "--no-lan", "--no-upnp"];
    await using alice = await NetUser.create(aliceHost, "alice");
    await using bob = await NetUser.create(bobHost, "bob");

    // What listens on alice's own machine where the record points.
    await ipIn(aliceHost.ns, "addr", "add", "169.254.169.254/32", "dev", "lo");
    const listeners: Echo[] = [];
    for (const [host, port] of [["127.0.0.1", 22222], ["::1", 22223], ["0.0.0.0", 22224], ["127.0.0.1", 22225], ["::1", 22225], ["169.254.169.254", 80]] as const) {
      listeners.push(await startEcho(aliceHost, { host, port }));
    }

    await bob.serve(7002, reach);
    const aliceServe = await alice.serve(7001, [...reach, "--debug"]);
    expect(await alice.ok(["add", (await bob.ok(["invite"])).trim()])).toStartWith(`added bob, pinned to ${bob.peerId}`);
    expect(await alice.ok(["send", "bob", "hello", "--wait", "20"])).toStartWith("delivered to bob");

    // bob moves to another port, with no DHT of his own; his record (signed
    // with his key) names the eight, then where he really is.
    await bob.stop();
    await bob.serve(7003, ["--no-dht", "--no-lan", "--no-upnp"]);
    const put = await tb.startServers([{ name: "put", argv: [process.execPath, PUT, "--bootstrap", dht.bootstrap, "--home", bob.home, "--peer-id", bob.peerId, ...[...BAD, `${bobHost.address}:7003`].flatMap((a) => ["--addr", a])], ready: /"published"/ }]);
    expect(JSON.parse(put[0]!.readyLine!).published).toBeGreaterThan(0);

    const from = aliceServe.errLines().length;
    expect(await alice.ok(["send", "bob", "after your move", "--wait", "40"])).toStartWith("delivered to bob");
    const log = aliceServe.errLines().slice(from);
    expect(listeners.flatMap((l) => l.proc.lines().filter((x) => x.startsWith("conn")))).toEqual([]);
    expect(log.filter((l) => BAD.some((bad) => l.includes(`dialing bob at ${bad}`)))).toEqual([]);
    expect(log).toContainEqual(expect.stringMatching(/DHT lookup of bob: 1 address\(es\), 1 new$/));
    expect(log).toContainEqual(expect.stringMatching(new RegExp(`link up: bob ${bobHost.address.replaceAll(".", "\\.")}:7003 \\(out\\)$`)));
    const book = (await alice.json<ContactJson[]>(["contacts"])).find((c) => c.name === "bob")!;
    for (const bad of BAD) expect(book.addresses.map((a) => a.address)).not.toContain(bad);
    expect(book.addresses[0]).toMatchObject({ address: `${bobHost.address}:7003`, source: "dht" });
  });
});
