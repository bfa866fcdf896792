// A contact just added whose first dial timed out: the peer is there, only
// too busy to finish TLS in time (a hundred nodes adding each other at once).
// We owe it nothing yet, and a dial once made was never made again, so a
// pair whose two first dials both timed out stayed unlinked for good (5% of
// the pairs in a group of 100). A round that only timed out is dialed again,
// a few times (BUSY_ROUNDS), owed or not.
import { expect, test } from "bun:test";
import { startBlackholeProxy } from "../helpers/blackhole-proxy.ts";
import { countRedials, startNode } from "../helpers/nodes.ts";

test("a contact whose first dial timed out is dialed again, though nothing is owed to it, and links", async () => {
  const redials = countRedials();
  await using alice = await startNode("alice", { limits: { handshakeMs: 300 }, retry: redials.retry });
  await using bob = await startNode("bob");
  // bob answers only through a network that drops everything for now: alice's dial hangs until its deadline.
  await using net = startBlackholeProxy(Number(bob.address.split(":").at(-1)));
  net.drop();
  await alice.node.book.add("bob", `127.0.0.1:${net.port}`, { id: bob.node.peerId });
  // Nothing was sent to bob: only the timeout makes alice dial again.
  await redials.reached(1, 10_000);
  net.restore();
  const up = await alice.until((e) => e.type === "link" && e.up && e.peer === "bob", "alice linked to bob", 10_000);
  expect(up).toMatchObject({ type: "link", peer: "bob", up: true, direction: "out" });
  expect(net.accepted).toBeGreaterThanOrEqual(2);
});
