// Removing a member, on loopback with real nodes: what was written before
// its removal still reaches it when it comes back (from any member), what
// was written after does not, and the delivered counts say so; a removed
// member added again is a member again.
import { expect, test, setDefaultTimeout } from "bun:test";
import { dialects } from "../helpers/databases.ts";
import { befriend, eventually, startNode, type TestNode } from "../helpers/nodes.ts";

// Several nodes (and a MariaDB database each): more than bun's 5 s default on a loaded machine.
setDefaultTimeout(60_000);

const texts = async (n: TestNode, group: string) => (await n.node.session.history({ peer: group, limit: 100 })).filter((e) => !e.event).map((e) => `${e.author}: ${e.text}`);
const deliveredOf = async (n: TestNode, group: string, text: string) => (await n.node.session.history({ peer: group, limit: 100 })).find((e) => e.text === text)?.delivered;

/** alice, bob, carol and dave (on `dialect`); alice knows everyone, and created #rm with the three. */
async function fourInRm(dialect: "sqlite" | "mysql"): Promise<TestNode[]> {
  const nodes = [await startNode("alice"), await startNode("bob"), await startNode("carol"), await startNode("dave", { dialect })];
  const [alice, ...others] = nodes as [TestNode, ...TestNode[]];
  for (const n of others) await befriend(alice, n);
  await eventually(() => alice.node.groups.registry.peerKeys.size === 3, "alice learned every key");
  await alice.node.groupBook.create("rm", ["bob", "carol", "dave"]);
  for (const n of others) await n.until((e) => e.type === "group" && e.change === "joined", `${n.name} joined`);
  return nodes;
}

test.each(dialects)("dave (on %s) removed while offline gets bob's message written before, never the one after; bob's counts follow", async (dialect) => {
  const nodes = await fourInRm(dialect);
  const [alice, bob, carol, dave] = nodes as [TestNode, TestNode, TestNode, TestNode];
  try {
    await dave.node.stop();
    await bob.node.send("#rm", "before the removal");
    for (const n of [alice, carol]) await n.until((e) => e.type === "message" && e.entry.text === "before the removal", `${n.name} got it`);
    await alice.node.groupBook.remove("#rm", "dave");
    await bob.until((e) => e.type === "group-delivery" && e.to === 2 && e.of === 3, "bob: 2 of the 3 who should have it");
    await eventually(async () => (await deliveredOf(bob, "#rm", "before the removal"))?.to === 2, "bob's history counts it");
    await eventually(() => !bob.node.groups.registry.byAlias("rm")!.isMember(dave.node.groups.key.hex), "bob applied the removal");
    expect(await deliveredOf(bob, "#rm", "before the removal")).toEqual({ to: 2, of: 3 });
    await bob.node.send("#rm", "after the removal");
    for (const n of [alice, carol]) await n.until((e) => e.type === "message" && e.entry.text === "after the removal", `${n.name} got it`);
    await eventually(async () => (await deliveredOf(bob, "#rm", "after the removal"))?.to === 2, "after: delivered to both");
    expect(await deliveredOf(bob, "#rm", "after the removal")).toEqual({ to: 2, of: 2 });

    await dave.restart();
    await dave.until((e) => e.type === "group" && e.change === "removed", "dave learned he was removed");
    await eventually(async () => (await texts(dave, "#rm")).includes("bob: before the removal"), "dave got the message written before");
    await eventually(async () => (await deliveredOf(bob, "#rm", "before the removal"))?.to === 3, "bob learned dave holds it");
    expect(await deliveredOf(bob, "#rm", "before the removal")).toEqual({ to: 3, of: 3 });
    // Give what was written after every chance to leak: a round of vectors after the last one.
    await bob.node.send("#rm", "one more");
    await eventually(async () => (await deliveredOf(bob, "#rm", "one more"))?.to === 2, "one more: delivered to both");
    expect(await texts(dave, "#rm")).toEqual(["bob: before the removal"]);
    expect(dave.node.groupBook.list()).toMatchObject([{ name: "#rm", role: "removed" }]);
    // Message counts are chat messages only: alice wrote five events and no text.
    expect(alice.node.groupBook.members("#rm").map((m) => [m.name, m.state, m.messages])).toEqual([
      ["alice", "member", 0],
      ["bob", "member", 3],
      ["carol", "member", 0],
      ["dave", "removed", 0],
    ]);
  } finally {
    for (const n of nodes) await n[Symbol.asyncDispose]();
  }
});

test("a removed member added again: a member once more, it gets what is written after and writes to the others", async () => {
  const nodes = await fourInRm("sqlite");
  const [alice, bob, , dave] = nodes as [TestNode, TestNode, TestNode, TestNode];
  try {
    await alice.node.groupBook.remove("#rm", "dave");
    await dave.until((e) => e.type === "group" && e.change === "removed", "dave removed");
    const back = await alice.node.groupBook.add("#rm", "dave");
    expect(back).toMatchObject({ name: "dave", state: "member" });
    await eventually(() => dave.node.groupBook.list()[0]?.role === "member", "dave is a member again");
    await alice.node.send("#rm", "welcome back");
    await dave.until((e) => e.type === "message" && e.entry.text === "welcome back", "dave got what was written after");
    await dave.node.send("#rm", "glad to be back");
    await bob.until((e) => e.type === "message" && e.entry.text === "glad to be back", "bob got dave's message");
    expect(bob.node.groupBook.members("#rm").map((m) => `${m.name} ${m.state}`)).toEqual(["alice member", "bob member", "carol member", "dave member"]);
    await dave.until((e) => e.type === "group-delivery" && e.to === 3 && e.of === 3, "dave's message delivered to all 3");
  } finally {
    for (const n of nodes) await n[Symbol.asyncDispose]();
  }
});
