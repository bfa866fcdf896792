// Bob's router starts dropping everything, silently (Wi-Fi lost, an ISP that
// changes address), and a second later bob types a message. His node writes
// it on the link (so it shows as sent), nothing comes back, and the
// keep-alive gives the link up. When the network is back the message must
// arrive, once, with nobody typing anything: it went back to the queue, bob's
// node kept alice as owed and redialed her on its backoff.
import { Database } from "bun:sqlite";
import { join } from "node:path";
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { SQLITE_FILE } from "../../src/home/home.ts";
import { eventually } from "../helpers/nodes.ts";
import { netnsUnavailable, netPrefix } from "./netns.ts";
import { NetUser } from "./p2p-user.ts";
import { destroyLiveTestbeds, Testbed } from "./testbed.ts";

setDefaultTimeout(90_000);
const PREFIX = netPrefix("sd");
const why = await netnsUnavailable(PREFIX);
if (why) console.warn(`p2pchat: network namespace tests skipped: ${why}`);
afterAll(destroyLiveTestbeds);

// A link is given up after 4 s without a word (45 s by default): long enough
// for the message to be marked sent (1 s) first.
const KNOBS = { P2PCHAT_IDLE_TIMEOUT_S: "4" };
const REACH = ["--no-lan", "--no-upnp", "--no-dht", "--debug"];
/** Everything the router forwards, dropped without a word: no reset, no ICMP. */
const SILENCE = "table inet silence {\n  chain forward {\n    type filter hook forward priority -10; policy drop;\n  }\n}\n";

/** What a node's SQLite database holds now (read beside the running node). */
function query<T>(user: NetUser, sql: string, ...params: string[]): T[] {
  const db = new Database(join(user.home, SQLITE_FILE), { readonly: true });
  try {
    return db.query(sql).all(...params) as T[];
  } finally {
    db.close();
  }
}

describe.skipIf(why !== null)(`a network that goes silent${why ? ` (skipped: ${why})` : ""}`, () => {
  test("a message typed just after bob's router starts dropping is delivered once the network is back, with no command typed", async () => {
    await using tb = await Testbed.create(PREFIX);
    const server = await tb.addServer("alice");
    const routerB = await tb.addRouter("rb");
    const home = await tb.addHost("bob", routerB);
    await using alice = await NetUser.create(server, "alice");
    await using bob = await NetUser.create(home, "bob");
    const aliceServe = await alice.serve(7001, REACH, KNOBS);
    const bobServe = await bob.serve(7002, REACH, KNOBS);
    expect(await bob.ok(["add", (await alice.ok(["invite"])).trim()])).toStartWith("added alice");
    expect(await bob.ok(["send", "alice", "before the drop"])).toStartWith("delivered to alice");

    // --- bob's router goes silent; bob types a message into his serve.
    const put = await routerB.exec(["nft", "-f", "-"], { stdin: SILENCE });
    expect(put).toMatchObject({ exitCode: 0, stderr: "" });
    const outFrom = bobServe.lines().length;
    const errFrom = bobServe.errLines().length;
    bobServe.send("@alice into the silence");
    const sentRow = () => query<{ id: string; status: string }>(bob, "SELECT id, status FROM sender WHERE message = ?", "into the silence");
    await eventually(() => sentRow()[0]?.status === "sent", "the message written on the link (sent)");
    const id = sentRow()[0]!.id;

    // --- the keep-alive gives the link up: the message is pending again, alice owed, a redial planned.
    await bobServe.waitFor(/^\* alice disconnected \(KEEPALIVE_TIMEOUT: /, { from: outFrom });
    await bobServe.waitFor((l) => l.includes("alice: messages waiting, redial in"), { from: errFrom, stream: "stderr" });
    expect(sentRow()).toEqual([{ id, status: "pending" }]);
    const status = await bob.json<{ contacts: { name: string; pending: number }[] }>(["status"]);
    expect(status.contacts.find((c) => c.name === "alice")).toMatchObject({ pending: 1 });
    // Nothing went through the silence.
    expect(query(alice, "SELECT id FROM receiver WHERE id = ?", id)).toEqual([]);

    // --- the network is back: nobody types anything.
    const back = await routerB.exec(["nft", "delete", "table", "inet", "silence"]);
    expect(back.exitCode).toBe(0);
    await aliceServe.waitFor(/ bob: into the silence$/);
    await eventually(() => sentRow()[0]?.status === "delivered", "the message marked delivered at bob's");
    expect(query(alice, "SELECT id, message FROM receiver WHERE name = 'bob' ORDER BY seq")).toEqual([
      { id: expect.any(String), message: "before the drop" },
      { id, message: "into the silence" },
    ]);
    expect(query(bob, "SELECT message, status FROM sender ORDER BY seq")).toEqual([
      { message: "before the drop", status: "delivered" },
      { message: "into the silence", status: "delivered" },
    ]);
  });
});
