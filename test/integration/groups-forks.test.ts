// A member that forks its own log: with its own valid key it signs
// "pay to account 111" as its seq 1 for bob and "pay to account 999" as
// the same seq for carol, then goes offline. Neither asks the other for
// that seq (each holds one), yet both find the fork from the log digests
// their vectors carry, keep both versions, and show the post as what it
// is; the proof reaches the other members when they come back.
import { expect, setDefaultTimeout, test } from "bun:test";
import { SQL } from "bun";
import { join } from "node:path";
import { groupMessageUuid } from "../../src/protocol/groups/group-signed.ts";
import { signRow } from "../../src/node/groups/group-keys.ts";
import { formatEntry } from "../../src/ui/format.ts";
import { befriend, eventually, startNode, type TestNode } from "../helpers/nodes.ts";

setDefaultTimeout(60_000);

const WARNING = "⚠ mallory sent different messages to different members";

async function forkRows(n: TestNode, group: string): Promise<string[]> {
  const db = new SQL({ adapter: "sqlite", filename: join(n.home, "p2pchat.db"), readonly: true });
  try {
    const rows: { body: string }[] = await db`SELECT body FROM group_fork WHERE group_id = ${group} ORDER BY body`;
    return rows.map((r) => r.body);
  } finally {
    await db.close();
  }
}

/** How a node shows mallory's seq 1 in the group's history: [text, forked, versions]. */
async function shownAs(n: TestNode, id: string) {
  const e = (await n.node.session.history({ peer: "#club", limit: 100 })).find((x) => x.id === id);
  return e ? { text: e.text, forked: e.forked ?? false, versions: e.versions ? [...e.versions].sort() : [], line: formatEntry(e, { self: n.name, showPeer: false, dates: false }) } : null;
}

test("a member signs seq 1 twice, one version to bob and another to carol: both flag it with no command typed, and so does every other member", async () => {
  const nodes = await Promise.all(["alice", "bob", "carol", "dave", "mallory"].map((n) => startNode(n)));
  const [alice, bob, carol, dave, mallory] = nodes as [TestNode, TestNode, TestNode, TestNode, TestNode];
  try {
    for (let i = 0; i < nodes.length; i++) for (let j = i + 1; j < nodes.length; j++) await befriend(nodes[i]!, nodes[j]!);
    await eventually(() => nodes.every((n) => n.node.groups.registry.peerKeys.size === nodes.length - 1), "every node learned every key");
    const info = await alice.node.groupBook.create("club", ["bob", "carol", "dave", "mallory"]);
    for (const n of [bob, carol, dave, mallory]) await n.until((e) => e.type === "group" && e.change === "joined", `${n.name} joined`);
    // Only bob, carol and mallory are online while it happens.
    await alice.node.stop();
    await dave.node.stop();

    // mallory's two versions of her seq 1, each validly signed, each to one member only; then she is gone.
    const key = mallory.node.groups.key;
    const id = groupMessageUuid(info.id, key.hex, 1);
    const version = (body: string) => signRow(key, { group: info.id, author: key.hex, seq: 1, id, kind: 0, body, created: Date.now(), received: 0, pos: null });
    const a = version("pay to account 111");
    const b = version("pay to account 999");
    mallory.node.peers.adopted.get(bob.node.peerId)!.sendGroupMessages([a]);
    mallory.node.peers.adopted.get(carol.node.peerId)!.sendGroupMessages([b]);
    await bob.until((e) => e.type === "message" && e.entry.text === "pay to account 111", "bob got version A");
    await carol.until((e) => e.type === "message" && e.entry.text === "pay to account 999", "carol got version B");
    await mallory.node.stop();

    // Nobody types anything: bob and carol hold seq 1 already and never ask each other for it; their digests differ.
    for (const n of [bob, carol]) {
      const e = await n.until((x) => x.type === "group-fork", `${n.name} found the fork`);
      expect(e).toMatchObject({ type: "group-fork", group: "#club", id, author: "mallory" });
      expect(e.type === "group-fork" && [...e.versions].sort()).toEqual(["pay to account 111", "pay to account 999"]);
    }
    expect(bob.node.groups.stats.refused).toMatchObject({ "bad-signature": 0, forged: 0 });
    for (const [n, held] of [[bob, "pay to account 111"], [carol, "pay to account 999"]] as const) {
      await eventually(async () => (await shownAs(n, id))?.forked === true, `${n.name} shows it forked`);
      const shown = (await shownAs(n, id))!;
      expect(shown).toMatchObject({ text: held, forked: true, versions: ["pay to account 111", "pay to account 999"] });
      expect(shown.line).toContain(`mallory: ${WARNING}: "${held}" / "`);
      expect(await forkRows(n, info.id)).toEqual(["pay to account 111", "pay to account 999"]);
      expect(n.node.groupBook.members("#club").find((m) => m.name === "mallory")).toMatchObject({ state: "member", forked: true });
    }

    // alice and dave come back with mallory gone: they learn it from whoever they link to, and keep it across a restart.
    await alice.restart();
    await alice.until((e) => e.type === "group-fork", "alice learned of the fork");
    await eventually(async () => (await shownAs(alice, id))?.forked === true, "alice shows it forked");
    await dave.restart();
    await dave.until((e) => e.type === "group-fork", "dave learned of the fork");
    await eventually(async () => (await shownAs(dave, id))?.forked === true, "dave shows it forked");
    await dave.node.stop();
    await dave.restart({ discoverable: false });
    expect((await shownAs(dave, id))!).toMatchObject({ forked: true, versions: ["pay to account 111", "pay to account 999"] });
  } finally {
    for (const n of nodes) await n[Symbol.asyncDispose]();
  }
});

test("rows stored before log digests were kept get their chains at start, equal to every other member's: no fork is seen where there is none", async () => {
  const nodes = await Promise.all(["alice", "bob", "carol"].map((n) => startNode(n)));
  const [alice, bob, carol] = nodes as [TestNode, TestNode, TestNode];
  try {
    for (let i = 0; i < nodes.length; i++) for (let j = i + 1; j < nodes.length; j++) await befriend(nodes[i]!, nodes[j]!);
    await eventually(() => nodes.every((n) => n.node.groups.registry.peerKeys.size === 2), "keys known");
    const info = await alice.node.groupBook.create("club", ["bob", "carol"]);
    for (const n of [bob, carol]) await n.until((e) => e.type === "group" && e.change === "joined", `${n.name} joined`);
    for (const [n, text] of [[alice, "a1"], [bob, "b1"], [carol, "c1"], [bob, "b2"]] as const) await n.node.send("#club", text);
    await eventually(async () => (await carol.node.session.history({ peer: "#club", limit: 50 })).filter((e) => !e.event).length === 4, "carol holds all four");
    const chainsOf = async (n: TestNode) => {
      const db = new SQL({ adapter: "sqlite", filename: join(n.home, "p2pchat.db"), readonly: true });
      try {
        const rows: { author: string; aseq: number; chain: string | null }[] = await db`SELECT author, aseq, chain FROM group_message WHERE group_id = ${info.id} ORDER BY author, aseq`;
        return rows.map((r) => `${r.author.slice(0, 8)} ${r.aseq} ${r.chain}`);
      } finally {
        await db.close();
      }
    };
    const before = await chainsOf(carol);
    expect(before.every((l) => /[0-9a-f]{64}$/.test(l))).toBe(true);
    await eventually(async () => (await chainsOf(bob)).join() === before.join(), "bob's chains equal carol's");

    // carol's database as an older build left it: no chain anywhere. At start she computes them again, the same.
    await carol.node.stop();
    const db = new SQL({ adapter: "sqlite", filename: join(carol.home, "p2pchat.db") });
    await db`UPDATE group_message SET chain = NULL`;
    await db.close();
    await carol.restart();
    expect(await chainsOf(carol)).toEqual(before);
    await alice.node.send("#club", "a2");
    await carol.until((e) => e.type === "message" && e.entry.text === "a2", "carol got a2");
    await bob.until((e) => e.type === "message" && e.entry.text === "a2", "bob got a2");
    await eventually(async () => (await chainsOf(carol)).join() === (await chainsOf(bob)).join(), "the chains agree after a2");
    for (const n of nodes) expect(n.events.filter((e) => e.type === "group-fork")).toEqual([]);
  } finally {
    for (const n of nodes) await n[Symbol.asyncDispose]();
  }
});
