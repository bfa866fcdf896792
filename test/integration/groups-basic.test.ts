// Three nodes, one group: created with two contacts, messages both ways,
// delivered-to counts, and a member added later catching up on history.
import { expect, test, setDefaultTimeout } from "bun:test";
import type { NodeEvent } from "../../src/node/node-events.ts";
import { dialects } from "../helpers/databases.ts";
import { befriend, eventually, startNode, type TestNode } from "../helpers/nodes.ts";

// Several nodes (and a MariaDB database each): more than bun's 5 s default on a loaded machine.
setDefaultTimeout(60_000);

const linked = (n: TestNode, peer: string) => n.until((e) => e.type === "link" && e.up && e.peer === peer, `${n.name} linked to ${peer}`);
const groupTexts = async (n: TestNode, group: string) => (await n.node.session.history({ peer: group, limit: 100 })).filter((e) => !e.event).map((e) => `${e.author}: ${e.text}`);

test.each(dialects)("a group of three (carol on %s): created, written to by all, each message shown once with its author", async (dialect) => {
  await using alice = await startNode("alice");
  await using bob = await startNode("bob");
  await using carol = await startNode("carol", { dialect });
  await befriend(alice, bob);
  await befriend(alice, carol);
  await Promise.all([linked(alice, "bob"), linked(alice, "carol")]);
  // The group keys come with the links.
  await eventually(() => alice.node.groups.registry.peerKeys.size === 2, "alice learned both keys");
  const info = await alice.node.groupBook.create("club", ["bob", "carol"]);
  expect(info).toMatchObject({ name: "#club", title: "club", role: "creator", members: 3 });
  await bob.until((e) => e.type === "group" && e.change === "joined", "bob joined");
  await carol.until((e) => e.type === "group" && e.change === "joined", "carol joined");
  expect(bob.node.groupBook.list()).toMatchObject([{ name: "#club", creator: "alice", role: "member", members: 3 }]);

  await alice.node.send("#club", "hello both");
  await bob.node.send("#club", "hi alice");
  // carol is not bob's contact: bob's message reaches her through alice.
  await carol.until((e) => e.type === "message" && e.entry.text === "hi alice", "carol got bob's message");
  await bob.until((e) => e.type === "message" && e.entry.text === "hello both", "bob got alice's");
  expect(await groupTexts(carol, "#club")).toEqual(["alice: hello both", "bob: hi alice"]);
  const fromBob = carol.events.find((e): e is Extract<NodeEvent, { type: "message" }> => e.type === "message" && e.entry.text === "hi alice")!;
  expect(fromBob.entry).toMatchObject({ peer: "#club", author: "bob", direction: "in" });
  // bob's message: delivered to alice and carol, counted by bob from receipts.
  await bob.until((e) => e.type === "group-delivery" && e.to === 2 && e.of === 2, "bob's message delivered to 2 of 2");
  await eventually(async () => (await bob.node.session.history({ peer: "#club", limit: 10 })).some((e) => e.text === "hi alice" && e.delivered?.to === 2), "bob's history says delivered to 2 of 2");
  expect(carol.node.groups.stats.refused).toEqual({ "bad-signature": 0, "unknown-group": 0, "not-member-link": 0, "not-member": 0, removed: 0, ahead: 0, forged: 0 });
});

test("a link that was a stranger's request until accepted: the keys sent before are asked for again", async () => {
  await using alice = await startNode("alice");
  await using bob = await startNode("bob");
  // alice dials bob, who does not know her: a request on his side, which drops her group frames.
  await alice.node.book.add("bob", bob.address, { id: bob.node.peerId });
  await bob.until((e) => e.type === "request", "bob sees alice's request");
  // A message after her key frame, on the same link: once it is acked, bob has read (and dropped) the key.
  const { id } = await alice.node.send("bob", "knock knock");
  await alice.until((e) => e.type === "status" && e.status === "delivered" && e.ids.includes(id), "bob stored alice's message with her request");
  expect(bob.node.groups.registry.peerKeys.has(alice.node.peerId)).toBe(false);
  await bob.node.book.acceptRequest(alice.node.peerId.split("-")[0]!);
  await eventually(() => bob.node.groups.registry.peerKeys.has(alice.node.peerId) && alice.node.groups.registry.peerKeys.has(bob.node.peerId), "both keys known");
  await bob.node.groupBook.create("pair", ["alice"]);
  await alice.until((e) => e.type === "group" && e.change === "joined", "alice joined");
});

test("a member added later gets what was written before, carried by the creator, and its messages reach the others", async () => {
  await using alice = await startNode("alice");
  await using bob = await startNode("bob");
  await using dave = await startNode("dave");
  await befriend(alice, bob);
  await befriend(alice, dave);
  await eventually(() => alice.node.groups.registry.peerKeys.size === 2, "alice learned both keys");
  await alice.node.groupBook.create("club", ["bob"]);
  await bob.until((e) => e.type === "group" && e.change === "joined", "bob joined");
  await bob.node.send("#club", "before dave");
  await alice.until((e) => e.type === "message" && e.entry.text === "before dave", "alice has bob's message");
  const added = await alice.node.groupBook.add("#club", "dave");
  expect(added).toMatchObject({ name: "dave", role: "member", state: "member", you: false });
  await dave.until((e) => e.type === "group" && e.change === "joined", "dave joined");
  await eventually(async () => (await groupTexts(dave, "#club")).length === 1, "dave has the earlier message");
  expect(await groupTexts(dave, "#club")).toEqual(["bob: before dave"]);
  await dave.node.send("#club", "hello, I am new");
  await bob.until((e) => e.type === "message" && e.entry.text === "hello, I am new", "bob got dave's message through alice");
  expect(bob.node.groupBook.members("#club").map((m) => `${m.name} ${m.role}`)).toEqual(["alice creator", "bob member", "dave member"]);
});
