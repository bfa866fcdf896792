// Messages with nothing to show, sent by a peer whose own node did not
// check them (a raw peer on its own valid link, or a sender whose check was
// bypassed): the receiver stores none of them and refuses each; the
// sender's node keeps such a message as failed, with the reason, and sends
// it no more, while what it wrote after still flows.
import { expect, setDefaultTimeout, test } from "bun:test";
import { signRow } from "../../src/node/groups/group-keys.ts";
import { encodeFrame, encodeMessages } from "../../src/protocol/codec.ts";
import { groupMessageUuid } from "../../src/protocol/groups/group-signed.ts";
import { REFUSE_CAP } from "../../src/protocol/messages.ts";
import { formatEntry } from "../../src/ui/format.ts";
import { dialects } from "../helpers/databases.ts";
import { befriend, eventually, startNode, type TestNode } from "../helpers/nodes.ts";
import { newIdentity, rawPeer } from "../helpers/raw-peer.ts";

setDefaultTimeout(60_000);

/** What the CLI refuses to send: empty, spaces, a tab and a line break, a zero-width space, an ideographic space, a NUL. */
const BLANKS = ["", "   ", "\t\n", "\u200b", "\u3000", "\x00"];

const hello = (name: string, caps: string[]) => encodeFrame({ type: "hello", version: 1, name, port: 0, caps, session: crypto.randomUUID() });
const inbox = async (n: TestNode) => (await n.node.session.history({ limit: 100 })).filter((e) => e.direction === "in").map((e) => `${e.peer}: ${e.text}`);
const statusOf = async (n: TestNode, id: string) => (await n.node.statusOf([id])).get(id);

for (const caps of [[REFUSE_CAP], []]) {
  const older = caps.length === 0;
  test(`a contact's raw link sends ${BLANKS.length} blank bodies: none is stored, each is ${older ? "acked (an older peer knows no refusal)" : "refused with BLANK_MESSAGE"}, and the link stays up`, async () => {
    await using bob = await startNode("bob");
    const eve = await newIdentity("eve");
    await bob.node.book.add("eve", "127.0.0.1:9", { id: eve.peerId });
    await using p = await rawPeer(bob.node.listening!.port, { tls: eve });
    p.write(hello("eve", caps));
    await bob.until((e) => e.type === "link" && e.up && e.peer === "eve", "eve's link up");
    const blanks = BLANKS.map((body) => ({ id: Bun.randomUUIDv7(), created: Date.now(), body }));
    const real = { id: Bun.randomUUIDv7(), created: Date.now(), body: "a real one" };
    p.write(encodeMessages([...blanks, real]));
    await bob.until((e) => e.type === "message" && e.entry.text === "a real one", "bob stored the real one");
    const acked = () => p.frames.flatMap((f) => (f.type === "ack" ? f.ids : []));
    const refused = () => p.frames.flatMap((f) => (f.type === "refuse" ? [f] : []));
    const blankIds = blanks.map((b) => b.id);
    if (older) {
      await eventually(() => acked().length === blanks.length + 1, "every one acked");
      expect(new Set(acked())).toEqual(new Set([...blankIds, real.id]));
      expect(refused()).toEqual([]);
    } else {
      await eventually(() => acked().includes(real.id) && refused().length > 0, "the real one acked, the others refused");
      expect(refused()).toEqual([{ type: "refuse", ids: blankIds, code: "BLANK_MESSAGE", reason: expect.stringContaining("blank") }]);
      expect(acked()).toEqual([real.id]);
    }
    expect(await inbox(bob)).toEqual(["eve: a real one"]);
    expect(p.isClosed()).toBe(false);
  });
}

test.each(dialects)("a sender whose check was bypassed (on %s): its blank message ends failed with the reason, is not sent again after a restart, and does not hold back the next", async (dialect) => {
  await using alice = await startNode("alice", { dialect });
  await using bob = await startNode("bob");
  await befriend(alice, bob);
  await alice.until((e) => e.type === "link" && e.up && e.peer === "bob", "linked");
  // Straight into alice's outbox, past the checks `send` makes.
  const id = Bun.randomUUIDv7();
  const bobContact = alice.node.contacts.byName("bob")!;
  await alice.node.journal.outgoingMany([{ id, peer: "bob", peerId: bob.node.peerId, host: bobContact.host, port: bobContact.port, body: "\u200b\u3000", created: Date.now() }]);
  const next = await alice.node.send("bob", "the next one");
  await eventually(async () => (await statusOf(alice, next.id)) === "delivered", "the next one delivered");
  await eventually(async () => (await statusOf(alice, id)) === "failed", "the blank one failed");
  const failedEvent = await alice.until((e) => e.type === "status" && e.status === "failed", "alice told it failed");
  expect(failedEvent).toMatchObject({ type: "status", peer: "bob", ids: [id], status: "failed", reason: "refused by the receiver: a blank message (only spaces or invisible characters)" });
  expect(await inbox(bob)).toEqual(["alice: the next one"]);

  const history = await alice.node.session.history({ peer: "bob", limit: 10 });
  const entry = history.find((e) => e.id === id)!;
  expect(entry).toMatchObject({ status: "failed", reason: "refused by the receiver: a blank message (only spaces or invisible characters)" });
  expect(formatEntry(entry, { self: "alice", showPeer: false, dates: false })).toEndWith("  ✗ failed: refused by the receiver: a blank message (only spaces or invisible characters)");
  expect((await alice.node.status()).pending).toEqual([]);

  // A restart puts what was in flight back to pending: a failed message stays failed, and bob gets nothing more.
  await alice.node.stop();
  await alice.restart();
  await alice.until((e) => e.type === "link" && e.up && e.peer === "bob" && alice.events.filter((x) => x.type === "link" && x.up).length > 1, "linked again");
  const after = await alice.node.send("bob", "after the restart");
  await eventually(async () => (await statusOf(alice, after.id)) === "delivered", "delivered after the restart");
  expect(await statusOf(alice, id)).toBe("failed");
  expect(await inbox(bob)).toEqual(["alice: the next one", "alice: after the restart"]);
});

test("a member's blank group posts (signed by a node that skipped the check) hold their place in its log but are never shown; what it writes after them shows", async () => {
  const nodes = await Promise.all(["alice", "bob", "mallory"].map((n) => startNode(n)));
  const [alice, bob, mallory] = nodes as [TestNode, TestNode, TestNode];
  try {
    for (let i = 0; i < nodes.length; i++) for (let j = i + 1; j < nodes.length; j++) await befriend(nodes[i]!, nodes[j]!);
    await eventually(() => nodes.every((n) => n.node.groups.registry.peerKeys.size === 2), "keys known");
    const info = await alice.node.groupBook.create("club", ["bob", "mallory"]);
    for (const n of [bob, mallory]) await n.until((e) => e.type === "group" && e.change === "joined", `${n.name} joined`);
    const key = mallory.node.groups.key;
    const rows = [...BLANKS, "after the blanks"].map((body, i) =>
      signRow(key, { group: info.id, author: key.hex, seq: i + 1, id: groupMessageUuid(info.id, key.hex, i + 1), kind: 0, body, created: Date.now(), received: 0, pos: null }),
    );
    mallory.node.peers.adopted.get(bob.node.peerId)!.sendGroupMessages(rows);
    await bob.until((e) => e.type === "message" && e.entry.text === "after the blanks", "bob shows the one after");
    // alice gets them from bob (mallory pushed only to him): the log holds, so she gets what follows too.
    await alice.until((e) => e.type === "message" && e.entry.text === "after the blanks", "alice shows the one after");
    for (const n of [alice, bob]) {
      const texts = (await n.node.session.history({ peer: "#club", limit: 100 })).filter((e) => !e.event).map((e) => `${e.author}: ${e.text}`);
      expect(texts).toEqual(["mallory: after the blanks"]);
      expect(n.events.filter((e) => e.type === "message" && e.entry.author === "mallory").map((e) => e.type === "message" && e.entry.text)).toEqual(["after the blanks"]);
      expect(n.node.groups.registry.byAlias("club")!.contig(key.hex)).toBe(BLANKS.length + 1);
      // Unread: mallory's one that shows (and, for bob, alice's create and two adds); the blanks count for nothing.
      expect((await n.node.opts.store.unreadCounts()).get("#club")).toBe(n === alice ? 1 : 4);
    }
  } finally {
    for (const n of nodes) await n[Symbol.asyncDispose]();
  }
});
