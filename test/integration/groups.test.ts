// Five members on loopback, real nodes, real SQLite: members who were
// offline catch up from whoever is online (not only from the authors), each
// message once and in its author's order; forged messages are refused and
// not stored; a removed member is sent nothing written after its removal.
import { describe, expect, test } from "bun:test";
import { SQL } from "bun";
import { join } from "node:path";
import { groupMessageUuid } from "../../src/protocol/groups/group-signed.ts";
import { GROUP_KIND, encodeGroupEvent } from "../../src/protocol/groups/group-events.ts";
import { signRow } from "../../src/node/groups/group-keys.ts";
import type { GroupMessageRow } from "../../src/store/store.ts";
import type { Link } from "../../src/transport/link.ts";
import { befriend, eventually, startNode, type TestNode } from "../helpers/nodes.ts";

const NAMES = ["alice", "bob", "carol", "dave", "erin"] as const;

/** Each pair of nodes are contacts, and linked. */
async function mesh(nodes: TestNode[]): Promise<void> {
  for (let i = 0; i < nodes.length; i++) for (let j = i + 1; j < nodes.length; j++) await befriend(nodes[i]!, nodes[j]!);
  await eventually(() => nodes.every((n) => n.node.groups.registry.peerKeys.size === nodes.length - 1), "every node learned every key");
}

/** Group rows in a node's database, in the order it stored them: [author name, seq, body]. */
async function stored(n: TestNode, group: string): Promise<{ author: string; seq: number; kind: number; body: string; pos: number | null }[]> {
  const db = new SQL({ adapter: "sqlite", filename: join(n.home, "p2pchat.db"), readonly: true });
  try {
    const rows: { author: string; aseq: number; kind: number; body: string; pos: number | null }[] = await db`SELECT author, aseq, kind, body, pos FROM group_message WHERE group_id = ${group} ORDER BY seq`;
    return rows.map((r) => ({ author: r.author, seq: Number(r.aseq), kind: Number(r.kind), body: r.body, pos: r.pos === null ? null : Number(r.pos) }));
  } finally {
    await db.close();
  }
}

/** The text messages a node shows for the group, in order: "author: text". */
async function shown(n: TestNode, alias = "#club"): Promise<string[]> {
  return (await n.node.session.history({ peer: alias, limit: 1000 })).filter((e) => !e.event).map((e) => `${e.author}: ${e.text}`);
}

function linkBetween(from: TestNode, to: TestNode): Link {
  const link = from.node.peers.adopted.get(to.node.peerId);
  if (!link) throw new Error(`${from.name} has no link to ${to.name}`);
  return link;
}

describe("groups of five", () => {
  test("two members offline while three write ten messages: each comes back and gets every message once, in order, partly relayed", async () => {
    const nodes = await Promise.all(NAMES.map((n) => startNode(n)));
    const [alice, bob, carol, dave, erin] = nodes as [TestNode, TestNode, TestNode, TestNode, TestNode];
    try {
      await mesh(nodes);
      const info = await alice.node.groupBook.create("club", ["bob", "carol", "dave", "erin"]);
      for (const n of nodes.slice(1)) await n.until((e) => e.type === "group" && e.change === "joined", `${n.name} joined`);

      await dave.node.stop();
      await erin.node.stop();
      const plan: [TestNode, string][] = [
        [alice, "a1"], [bob, "b1"], [carol, "c1"], [alice, "a2"], [bob, "b2"],
        [alice, "a3"], [carol, "c2"], [bob, "b3"], [carol, "c3"], [alice, "a4"],
      ];
      for (const [n, text] of plan) await n.node.send("#club", text);
      const all = plan.map(([n, t]) => `${n.name}: ${t}`);
      for (const n of [alice, bob, carol]) await eventually(async () => (await shown(n)).length === 10, `${n.name} holds all ten`);

      // alice, who wrote four of them, goes offline too: her messages can only come from bob or carol.
      await alice.node.stop();

      const perAuthorInOrder = (lines: string[]) => {
        for (const who of ["alice", "bob", "carol"]) {
          const mine = lines.filter((l) => l.startsWith(`${who}: `));
          expect(mine).toEqual(all.filter((l) => l.startsWith(`${who}: `)));
        }
      };

      for (const back of [dave, erin]) {
        // erin comes back when only dave is online: everything reaches her through him, who wrote none of it.
        if (back === erin) await Promise.all([bob.node.stop(), carol.node.stop()]);
        await back.restart();
        await eventually(async () => (await shown(back)).length === 10, `${back.name} caught up`);
        const lines = await shown(back);
        expect([...lines].sort()).toEqual([...all].sort());
        perAuthorInOrder(lines);
        // Stored once each, every row shown (no gap left).
        const rows = (await stored(back, info.id)).filter((r) => r.kind === GROUP_KIND.text);
        expect(rows).toHaveLength(10);
        expect(new Set(rows.map((r) => `${r.author} ${r.seq}`)).size).toBe(10);
        expect(rows.every((r) => r.pos !== null)).toBe(true);
        // alice was offline: her four (and her events) came through others.
        expect(back.node.groups.stats.relayed).toBeGreaterThanOrEqual(back === erin ? 10 : 4);
        expect(back.node.groups.stats.refused).toEqual({ "bad-signature": 0, "unknown-group": 0, "not-member-link": 0, "not-member": 0, removed: 0, ahead: 0, forged: 0 });
      }
      expect(dave.node.groups.stats.served).toBeGreaterThanOrEqual(10);
    } finally {
      for (const n of nodes) await n[Symbol.asyncDispose]();
    }
  });

  test("membership events signed by a member who is not the creator (an add, a remove, a create that would rename) are refused by every member and change nothing", async () => {
    const nodes = await Promise.all(["alice", "bob", "carol", "dave", "mallory"].map((n) => startNode(n)));
    const [alice, bob, carol, dave, mallory] = nodes as [TestNode, TestNode, TestNode, TestNode, TestNode];
    try {
      await mesh(nodes);
      const info = await alice.node.groupBook.create("club", ["bob", "carol", "dave"]);
      for (const n of [bob, carol, dave]) await n.until((e) => e.type === "group" && e.change === "joined", `${n.name} joined`);
      const others = [alice, carol, dave];
      const before = await Promise.all(others.map((n) => stored(n, info.id)));
      const roster = (n: TestNode) => n.node.groupBook.members("#club").map((m) => `${m.name} ${m.state}`);
      const expected = ["alice member", "bob member", "carol member", "dave member"];
      for (const n of others) expect(roster(n)).toEqual(expected);

      // bob signs, with his own valid key, events only the creator may write, each as his next seq (1: he wrote nothing yet).
      const bobKey = bob.node.groups.key;
      const forge = (seq: number, ev: Parameters<typeof encodeGroupEvent>[0]) => {
        const { kind, body } = encodeGroupEvent(ev);
        return signRow(bobKey, { group: info.id, author: bobKey.hex, seq, id: groupMessageUuid(info.id, bobKey.hex, seq), kind, body, created: Date.now(), received: 0, pos: null });
      };
      const forged = [
        forge(1, { kind: "add", key: mallory.node.groups.key.hex, peer: mallory.node.peerId, name: "mallory" }),
        forge(1, { kind: "remove", key: carol.node.groups.key.hex, until: 0 }),
        forge(1, { kind: "remove", key: alice.node.groups.key.hex, until: 1 }),
        forge(1, { kind: "create", name: "bobs-club", nonce: "ab".repeat(16), peer: bob.node.peerId, owner: "bob" }),
      ];
      for (const n of others) for (const row of forged) linkBetween(bob, n).sendGroupMessages([row]);
      for (const n of others) await eventually(() => n.node.groups.stats.refused.forged === forged.length, `${n.name} refused all ${forged.length}`);

      // Nothing changed anywhere: no row stored, the same members, the same name; mallory was offered nothing.
      for (const [i, n] of others.entries()) {
        expect(await stored(n, info.id)).toEqual(before[i]!);
        expect(roster(n)).toEqual(expected);
        expect(n.node.groupBook.list()).toMatchObject([{ name: "#club", title: "club", members: 4 }]);
      }
      expect(mallory.node.groupBook.list()).toEqual([]);
      // bob's seq 1 is still free: his real first message takes it, and every member shows it.
      await bob.node.send("#club", "my real first message");
      for (const n of others) await eventually(async () => (await shown(n)).includes("bob: my real first message"), `${n.name} shows bob's real message`);
      expect(bob.node.groups.stats.refused.forged).toBe(0);
    } finally {
      for (const n of nodes) await n[Symbol.asyncDispose]();
    }
  });

  test("forged messages are refused and not stored: bad signature, an author not a member (or a link not a member's), a removed member, an event by a non-creator", async () => {
    const nodes = await Promise.all(["alice", "bob", "carol", "erin", "mallory"].map((n) => startNode(n)));
    const [alice, bob, carol, erin, mallory] = nodes as [TestNode, TestNode, TestNode, TestNode, TestNode];
    try {
      await mesh(nodes);
      const info = await alice.node.groupBook.create("club", ["bob", "carol", "erin"]);
      for (const n of [bob, carol, erin]) await n.until((e) => e.type === "group" && e.change === "joined", `${n.name} joined`);
      await bob.node.send("#club", "a real one");
      await carol.until((e) => e.type === "message" && e.entry.text === "a real one", "carol got bob's message");
      const before = await stored(carol, info.id);
      const refused = () => carol.node.groups.stats.refused;
      const draft = (n: TestNode, seq: number, body: string, kind = 0): Omit<GroupMessageRow, "sig"> => ({
        group: info.id,
        author: n.node.groups.key.hex,
        seq,
        id: groupMessageUuid(info.id, n.node.groups.key.hex, seq),
        kind,
        body,
        created: Date.now(),
        received: 0,
        pos: null,
      });

      // 1. bob's next message, altered after signing, carried by bob.
      const signed = signRow(bob.node.groups.key, draft(bob, 2, "I owe you nothing"));
      linkBetween(bob, carol).sendGroupMessages([{ ...signed, body: "I owe you 1000 euros" }]);
      await eventually(() => refused()["bad-signature"] === 1, "carol refused the altered message");

      // 2. mallory, a contact of carol's but no member, signs a message of her own for the group:
      // carried by her own link (no member's), and carried by bob's (a member's, but she is none).
      const intruder = signRow(mallory.node.groups.key, draft(mallory, 1, "let me in"));
      linkBetween(mallory, carol).sendGroupMessages([intruder]);
      await eventually(() => refused()["not-member-link"] === 1, "carol refused what mallory's link carried");
      linkBetween(bob, carol).sendGroupMessages([intruder]);
      await eventually(() => refused()["not-member"] === 1, "carol refused mallory's message from bob's link");

      // 3. bob signs an add of mallory: only the creator adds.
      const add = encodeGroupEvent({ kind: "add", key: mallory.node.groups.key.hex, peer: mallory.node.peerId, name: "mallory" });
      linkBetween(bob, carol).sendGroupMessages([signRow(bob.node.groups.key, draft(bob, 2, add.body, add.kind))]);
      await eventually(() => refused().forged === 1, "carol refused bob's add");

      // 4. alice removes erin; what erin signs after her last seq is refused.
      await alice.node.groupBook.remove("#club", "erin");
      await erin.until((e) => e.type === "group" && e.change === "removed", "erin learned she was removed");
      await eventually(() => !carol.node.groups.registry.byAlias("club")!.isMember(erin.node.groups.key.hex), "carol applied the removal");
      const late = signRow(erin.node.groups.key, draft(erin, 1, "still here"));
      linkBetween(erin, carol).sendGroupMessages([late]);
      await eventually(() => refused()["not-member-link"] === 2, "carol refused what erin's link carried");
      linkBetween(bob, carol).sendGroupMessages([late]);
      await eventually(() => refused().removed === 1, "carol refused erin's message from bob's link");

      const after = await stored(carol, info.id);
      const texts = after.filter((r) => r.kind === 0).map((r) => r.body);
      expect(texts).toEqual(["a real one"]);
      expect(after.length).toBe(before.length + 1); // the removal, and nothing else
      expect(await shown(carol)).toEqual(["bob: a real one"]);
      expect(carol.node.groupBook.members("#club").map((m) => [m.name, m.state])).toEqual([
        ["alice", "member"],
        ["bob", "member"],
        ["carol", "member"],
        ["erin", "removed"],
      ]);

      // Written after the removal: erin is sent nothing of it, though she is linked to every member.
      await bob.node.send("#club", "after erin left");
      await carol.until((e) => e.type === "message" && e.entry.text === "after erin left", "carol got it");
      await alice.until((e) => e.type === "message" && e.entry.text === "after erin left", "alice got it");
      // bob hears that both hold it: his vectors to them went out after his push, and erin's link carried neither.
      await bob.until((e) => e.type === "group-delivery" && e.to === 2 && e.of === 2, "bob's message delivered to 2 of 2");
      expect((await stored(erin, info.id)).some((r) => r.body === "after erin left")).toBe(false);
      expect(await erin.node.groupBook.send("#club", ["me?"]).catch((e) => e.code)).toBe("NOT_A_MEMBER");
    } finally {
      for (const n of nodes) await n[Symbol.asyncDispose]();
    }
  });
});
