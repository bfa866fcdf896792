// Groups on every device of one person (issue 26): alice's laptop and her
// server (joined with a device line), bob and carol, real nodes on loopback.
// A group bob makes with alice shows on both her devices; what either device
// writes reaches bob and carol as alice's and shows on the other device; no
// fork is flagged (each device signs under its own author key).
//
// Each device signs under its own author key; the device that is a member
// names the other's key in the group (a `device` event carrying that key's
// signature over alice's peer id), and her devices sync groups with each
// other as members do (node/groups/own-keys.ts).
import { expect, setDefaultTimeout, test } from "bun:test";
import { encodeGroupEvent } from "../../src/protocol/groups/group-events.ts";
import { groupMessageUuid } from "../../src/protocol/groups/group-signed.ts";
import { authorKey, keyFrame, signRow } from "../../src/node/groups/group-keys.ts";
import { generateDiscoveryKey } from "../../src/reach/dht/discovery-key.ts";
import { befriend, eventually, type TestNode, startNode } from "../helpers/nodes.ts";

setDefaultTimeout(120_000);

const groupTexts = async (n: TestNode, group: string) =>
  (await n.node.session.history({ peer: group, limit: 100 })).filter((e) => !e.event).map((e) => `${e.author}: ${e.text}`);
const hasGroup = (n: TestNode, name: string) => n.node.groupBook.list().some((g) => g.name === name);
const linkedDevices = (n: TestNode) => n.node.listDevices().filter((d) => d.linked).map((d) => d.name);

test("a group bob makes with alice shows on her laptop and her server; a post from either reaches bob and carol as alice's and shows on the other device; no fork", async () => {
  await using laptop = await startNode("alice");
  await using bob = await startNode("bob");
  await using carol = await startNode("carol");
  await befriend(laptop, bob);
  await befriend(bob, carol);
  await using server = await startNode("alice", { join: laptop.node.addDevice({ name: "server" }).text });
  await laptop.until((e) => e.type === "device" && e.change === "joined", "the join");
  await eventually(() => linkedDevices(laptop).includes("server"), "the laptop linked to the server");
  // Device sync brings bob to the server; it dials him, so bob links to both of alice's devices.
  await eventually(() => server.node.contacts.byName("bob") !== undefined, "device sync brought bob to the server");
  server.node.peers.dial(server.node.contacts.byName("bob")!);
  await eventually(() => bob.node.peers.linksOf(laptop.node.peerId).length === 2, "bob linked to both devices");
  await eventually(() => bob.node.groups.registry.peerKeys.size === 2, "bob knows alice's and carol's group keys");

  await bob.node.groupBook.create("club", ["alice", "carol"]);
  await carol.until((e) => e.type === "group" && e.change === "joined", "carol joined");
  await eventually(() => hasGroup(laptop, "#club"), "the laptop shows #club");
  await eventually(() => hasGroup(server, "#club"), "the server shows #club");
  expect(server.node.groupBook.list()).toMatchObject([{ name: "#club", creator: "bob", role: "member", members: 3 }]);
  expect(laptop.node.groupBook.list()).toMatchObject([{ name: "#club", creator: "bob", role: "member", members: 3 }]);

  await server.node.send("#club", "from the server");
  await carol.until((e) => e.type === "message" && e.entry.text === "from the server", "carol got the server's post");
  await bob.until((e) => e.type === "message" && e.entry.text === "from the server", "bob got the server's post");
  await eventually(async () => (await groupTexts(laptop, "#club")).includes("alice: from the server"), "the laptop shows the server's post");

  await laptop.node.send("#club", "from the laptop");
  await carol.until((e) => e.type === "message" && e.entry.text === "from the laptop", "carol got the laptop's post");
  await eventually(async () => (await groupTexts(server, "#club")).includes("alice: from the laptop"), "the server shows the laptop's post");

  expect(await groupTexts(bob, "#club")).toEqual(["alice: from the server", "alice: from the laptop"]);
  // Two keys, one per device, both alice's in bob's group: one member, her two messages.
  const g = bob.node.groupBook.resolve("#club");
  expect(server.node.groups.key.hex).not.toBe(laptop.node.groups.key.hex);
  expect([laptop, server].map((n) => g.members.get(n.node.groups.key.hex)?.peerId)).toEqual([laptop.node.peerId, laptop.node.peerId]);
  expect(bob.node.groupBook.members("#club").map((m) => `${m.name} ${m.role} ${m.messages}`)).toEqual(["bob creator 0", "alice member 2", "carol member 0"]);
  expect(bob.node.groupBook.list()).toMatchObject([{ name: "#club", members: 3 }]);
  expect(await groupTexts(carol, "#club")).toEqual(["alice: from the server", "alice: from the laptop"]);
  for (const n of [laptop, server, bob, carol]) {
    expect(n.events.filter((e) => e.type === "group-fork")).toEqual([]);
    expect(n.node.groups.stats.refused).toEqual({ "bad-signature": 0, "unknown-group": 0, "not-member-link": 0, "not-member": 0, removed: 0, ahead: 0, forged: 0 });
  }
});

test("bob removes alice: both her devices are out; alice leaving on one device leaves on the other", async () => {
  await using laptop = await startNode("alice");
  await using bob = await startNode("bob");
  await befriend(laptop, bob);
  await using server = await startNode("alice", { join: laptop.node.addDevice({ name: "server" }).text });
  await eventually(() => linkedDevices(laptop).includes("server"), "the laptop linked to the server");
  await eventually(() => bob.node.groups.registry.peerKeys.size === 1, "bob knows alice's group key");

  await bob.node.groupBook.create("one", ["alice"]);
  await bob.node.groupBook.create("two", ["alice"]);
  await eventually(() => ["#one", "#two"].every((n) => hasGroup(server, n)), "the server shows both groups");
  const serverKey = server.node.groups.key.hex;
  await eventually(() => bob.node.groupBook.resolve("#one").isMember(serverKey), "bob takes the server's key in #one");

  // Removed as a person: under each of her keys, and each device hears it.
  await bob.node.groupBook.remove("#one", "alice");
  for (const n of [laptop, server]) await n.until((e) => e.type === "group" && e.group === "#one" && e.change === "removed", `${n.name} removed from #one`);
  expect(bob.node.groupBook.members("#one").map((m) => `${m.name} ${m.state}`)).toEqual(["bob member", "alice removed"]);

  // Left on the server: the laptop leaves too, and bob sees alice gone.
  await server.node.groupBook.leave("#two");
  await laptop.until((e) => e.type === "group" && e.group === "#two" && e.change === "left", "the laptop left #two");
  await eventually(() => bob.node.groupBook.members("#two").map((m) => `${m.name} ${m.state}`).join() === "bob member,alice left", "bob sees alice gone from #two");
});

test("a device event whose key did not sign for that peer id is refused as forged; one it signed makes the key the member's", async () => {
  await using alice = await startNode("alice");
  await using bob = await startNode("bob");
  await befriend(alice, bob);
  await eventually(() => alice.node.groups.registry.peerKeys.size === 1, "alice knows bob's key");
  const info = await alice.node.groupBook.create("club", ["bob"]);
  await bob.until((e) => e.type === "group" && e.change === "joined", "bob joined");
  const bobKey = bob.node.groups.key;
  const other = authorKey(generateDiscoveryKey());
  const device = (seq: number, sig: string) => {
    const { kind, body } = encodeGroupEvent({ kind: "device", key: other.hex, peer: bob.node.peerId, sig });
    return signRow(bobKey, { group: info.id, author: bobKey.hex, seq, id: groupMessageUuid(info.id, bobKey.hex, seq), kind, body, created: Date.now(), received: 0, pos: null });
  };
  const link = bob.node.peers.adopted.get(alice.node.peerId)!;
  // bob's own signature over his peer id, not the other key's: a claim anyone who saw bob's key frame could make.
  link.sendGroupMessages([device(1, keyFrame(bobKey, bob.node.peerId).sig)]);
  await eventually(() => alice.node.groups.stats.refused.forged === 1, "alice refused the forged device event");
  expect(alice.node.groupBook.resolve("#club").members.has(other.hex)).toBe(false);
  // Signed by that key for bob's peer id: taken, and the key is bob's (one member, bob).
  link.sendGroupMessages([device(1, keyFrame(other, bob.node.peerId).sig)]);
  await eventually(() => alice.node.groupBook.resolve("#club").isMember(other.hex), "alice takes the other key as bob's");
  expect(alice.node.groupBook.members("#club").map((m) => `${m.name} ${m.state}`)).toEqual(["alice member", "bob member"]);
  expect(alice.node.groups.stats.refused.forged).toBe(1);
});
