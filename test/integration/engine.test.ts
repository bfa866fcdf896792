// The chat engine with real nodes on loopback: many peers at once, hidden
// and discoverable, blocking, and a node on MariaDB.
import { expect, test, setDefaultTimeout } from "bun:test";
import type { NodeEvent } from "../../src/node/node-events.ts";
import type { TestNode } from "../helpers/nodes.ts";
import { befriend, countRedials, eventually, startNode } from "../helpers/nodes.ts";
import { MYSQL_URL } from "../helpers/databases.ts";

// Processes and TLS links take time on a loaded machine (bun applies a
// preload's default timeout to the first file only, so each file sets it).
setDefaultTimeout(60_000);

async function allDelivered(from: TestNode, ids: string[]): Promise<void> {
  await eventually(async () => {
    const s = await from.node.statusOf(ids);
    return ids.every((id) => s.get(id) === "delivered");
  }, `${ids.length} messages from ${from.name} delivered`);
}

/** What `status` says of `n`'s contact `peer`: enough to tell a dial started, a link, an error. */
async function stateOf(n: TestNode, peer: string) {
  const c = (await n.node.status()).contacts.find((x) => x.name === peer)!;
  return { state: c.state, address: c.address, lastError: c.lastError, pending: c.pending };
}

/** Every event but links coming and going. */
const besidesLinks = (events: NodeEvent[]): NodeEvent[] => events.filter((e) => e.type !== "link");

const pendingEvents = (peer: string, ids: string[]): NodeEvent[] => ids.map((id) => ({ type: "status", peer, ids: [id], status: "pending" }));

const inbox = async (n: TestNode, peer: string) => (await n.node.session.history({ peer, limit: 100_000 })).filter((e) => e.direction === "in").map((e) => e.text);

test("three peers chat with one node at the same time", async () => {
  await using hub = await startNode("hub");
  await using a = await startNode("ann");
  await using b = await startNode("ben");
  await using c = await startNode("cat");
  for (const p of [a, b, c]) await befriend(hub, p);
  const N = 50;
  const sent = await Promise.all(
    [a, b, c].map(async (p) => {
      const ids: string[] = [];
      for (let i = 0; i < N; i++) ids.push((await p.node.send("hub", `${p.name} ${i}`)).id);
      return ids;
    }),
  );
  const replies: string[] = [];
  for (const p of [a, b, c]) replies.push((await hub.node.send(p.name, `hi ${p.name}`)).id);
  await Promise.all([a, b, c].map((p, i) => allDelivered(p, sent[i]!)));
  await allDelivered(hub, replies);
  for (const p of [a, b, c]) {
    expect(await inbox(hub, p.name)).toEqual(Array.from({ length: N }, (_, i) => `${p.name} ${i}`));
    expect(await inbox(p, "hub")).toEqual([`hi ${p.name}`]);
  }
  expect((await hub.node.status()).links.map((l) => l.peer)).toEqual(["ann", "ben", "cat"]);
});

test("a hidden node: messages wait as pending both ways; turning discoverable delivers all, once, in order", async () => {
  const redials = countRedials();
  await using alice = await startNode("alice", { retry: redials.retry });
  await using bob = await startNode("bob");
  await befriend(alice, bob);
  await bob.node.setDiscoverable(false);
  expect(bob.node.listening).toBeNull();
  expect((await bob.node.status()).links).toEqual([]);
  const [aliceFrom, bobFrom] = [alice.events.length, bob.events.length];

  const toBob: string[] = [];
  for (let i = 0; i < 20; i++) toBob.push((await alice.node.send("bob", `a${i}`)).id);
  const toAlice: string[] = [];
  for (let i = 0; i < 5; i++) toAlice.push((await bob.node.send("alice", `b${i}`)).id);
  // alice dials and is refused (bob listens no more), and once more after her backoff.
  await redials.reached(2);
  expect(await stateOf(alice, "bob")).toMatchObject({ lastError: `connection refused at ${bob.address}`, pending: 20 });
  // A send starts its dial before it returns: bob started none, and has no link, no error.
  expect(await stateOf(bob, "alice")).toEqual({ state: "hidden", address: null, lastError: null, pending: 5 });
  // Nothing but the sends happened on either side: no link, no message.
  expect(alice.events.slice(aliceFrom)).toEqual(pendingEvents("bob", toBob));
  expect(bob.events.slice(bobFrom)).toEqual(pendingEvents("alice", toAlice));
  expect([...(await alice.node.statusOf(toBob)).values()].every((s) => s === "pending")).toBe(true);
  expect([...(await bob.node.statusOf(toAlice)).values()].every((s) => s === "pending")).toBe(true);
  expect(await inbox(bob, "alice")).toEqual([]);
  expect((await alice.node.status()).pending).toEqual([{ peer: "bob", pending: 20, sent: 0, legacy: false }]);

  await bob.node.setDiscoverable(true);
  await allDelivered(alice, toBob);
  await allDelivered(bob, toAlice);
  expect(await inbox(bob, "alice")).toEqual(Array.from({ length: 20 }, (_, i) => `a${i}`));
  expect(await inbox(alice, "bob")).toEqual(Array.from({ length: 5 }, (_, i) => `b${i}`));
});

test("blocking holds messages both ways and refuses the peer's links; unblocking releases them", async () => {
  const redials = countRedials();
  await using alice = await startNode("alice", { retry: redials.retry });
  await using bob = await startNode("bob");
  await befriend(alice, bob);
  const first = (await alice.node.send("bob", "before the block")).id;
  await allDelivered(alice, [first]);

  const bobFrom = bob.events.length;
  await bob.node.book.setBlocked("alice", true);
  await alice.until((e) => e.type === "link" && !e.up, "alice's link dropped");
  await bob.until((e) => e.type === "link" && !e.up, "bob's link closed");
  const [aliceFrom, before] = [alice.events.length, redials.count];
  const held = (await alice.node.send("bob", "while blocked")).id;
  const mine = (await bob.node.send("alice", "bob wrote this while blocking")).id;
  // alice redials and is refused (as by a node that stops), and again after her backoff:
  // two redials planned since the block, the second after a dial made with "while blocked" waiting.
  await redials.reached(before + 2);
  expect(await stateOf(alice, "bob")).toMatchObject({ lastError: "they stopped their node", pending: 1 });
  // bob dials no blocked contact: no dial started, no link.
  expect(await stateOf(bob, "alice")).toEqual({ state: "blocked", address: null, lastError: null, pending: 1 });
  // Each of alice's dials gets as far as bob's hello and closes as a stopping node's does: no message, no mark.
  const since = alice.events.slice(aliceFrom);
  expect(besidesLinks(since)).toEqual(pendingEvents("bob", [held]));
  // No link was up for alice in between: not even for a moment (a connected/disconnected pair per redial).
  expect(since.filter((e) => e.type === "link")).toEqual([]);
  // bob closed the link he had, and took none since.
  const bobSince = bob.events.slice(bobFrom);
  expect(besidesLinks(bobSince)).toEqual(pendingEvents("alice", [mine]));
  expect(bobSince.flatMap((e) => (e.type === "link" ? [[e.up, e.reason]] : []))).toEqual([[false, "blocked"]]);
  expect((await alice.node.statusOf([held])).get(held)).toBe("pending");
  expect((await bob.node.statusOf([mine])).get(mine)).toBe("pending");
  expect(await inbox(bob, "alice")).toEqual(["before the block"]);

  await bob.node.book.setBlocked("alice", false);
  await allDelivered(alice, [held]);
  await allDelivered(bob, [mine]);
  expect(await inbox(bob, "alice")).toEqual(["before the block", "while blocked"]);
  expect(await inbox(alice, "bob")).toEqual(["bob wrote this while blocking"]);
});

test("messages written while the peer is offline are delivered when it comes back", async () => {
  const redials = countRedials();
  await using alice = await startNode("alice", { retry: redials.retry });
  const bob = await startNode("bob");
  await befriend(alice, bob);
  await bob.node.stop();
  const ids: string[] = [];
  for (let i = 0; i < 10; i++) ids.push((await alice.node.send("bob", `offline ${i}`)).id);
  // alice's dial is refused while bob is offline: they wait for a redial.
  await redials.reached(1);
  await bob.restart();
  try {
    await allDelivered(alice, ids);
    expect(await inbox(bob, "alice")).toEqual(Array.from({ length: 10 }, (_, i) => `offline ${i}`));
  } finally {
    await bob[Symbol.asyncDispose]();
  }
});

test.skipIf(!MYSQL_URL)("one side on MariaDB: the same delivery, once and in order", async () => {
  await using alice = await startNode("alice");
  await using bob = await startNode("bob", { dialect: "mysql" });
  await befriend(alice, bob);
  const ids: string[] = [];
  for (let i = 0; i < 200; i++) ids.push((await alice.node.send("bob", `to mariadb ${i} é 🎉`)).id);
  const back = (await bob.node.send("alice", "from mariadb")).id;
  await allDelivered(alice, ids);
  await allDelivered(bob, [back]);
  expect(await inbox(bob, "alice")).toEqual(Array.from({ length: 200 }, (_, i) => `to mariadb ${i} é 🎉`));
  expect(await inbox(alice, "bob")).toEqual(["from mariadb"]);
});
