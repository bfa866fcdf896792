// Two and more real nodes on loopback: delivery, order, acks, statuses.
import { expect, test, setDefaultTimeout } from "bun:test";
import { befriend, eventually, startNode } from "../helpers/nodes.ts";

// Processes and TLS links take time on a loaded machine (bun applies a
// preload's default timeout to the first file only, so each file sets it).
setDefaultTimeout(60_000);

test("alice's messages reach bob once, in order, and become delivered", async () => {
  await using alice = await startNode("alice");
  await using bob = await startNode("bob");
  await befriend(alice, bob);
  const texts = ["hello bob", "how are you?", "🎉 café 日本語"];
  const ids: string[] = [];
  for (const t of texts) ids.push((await alice.node.send("bob", t)).id);
  await eventually(async () => {
    const s = await alice.node.statusOf(ids);
    return ids.every((id) => s.get(id) === "delivered");
  }, "all delivered");
  const got = await bob.node.session.history({ peer: "alice", limit: 10 });
  expect(got.map((e) => [e.direction, e.text, e.id])).toEqual(texts.map((t, i) => ["in", t, ids[i]!]));
  const mine = await alice.node.session.history({ peer: "bob", limit: 10 });
  expect(mine.map((e) => [e.direction, e.text, e.status])).toEqual(texts.map((t) => ["out", t, "delivered"]));
  const statuses = alice.events.filter((e) => e.type === "status").map((e) => (e as { status: string }).status);
  expect(statuses[0]).toBe("pending");
  expect(statuses).toContain("delivered");
  const received = bob.events.filter((e) => e.type === "message").map((e) => (e as { entry: { text: string } }).entry.text);
  expect(received).toEqual(texts);
});
