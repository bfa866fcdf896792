// A network that goes silent (Wi-Fi lost, an ISP that changes address): no
// reset, no close, just nothing. A message written into the silence is
// "sent" but never acked; when the keep-alive gives the link up, it must go
// back to the queue and be delivered, once, with nobody typing anything.
// (test/net/silent-drop.test.ts does the same across routers with nft.)
import { expect, setDefaultTimeout, test } from "bun:test";
import type { NodeEvent } from "../../src/node/node-events.ts";
import { startBlackholeProxy } from "../helpers/blackhole-proxy.ts";
import { startNode } from "../helpers/nodes.ts";

setDefaultTimeout(60_000);

// Short enough for a test, long enough that the message is marked sent (1 s) before the link is given up.
const LIMITS = { handshakeMs: 1_000, keepaliveMs: 300, idleTimeoutMs: 2_500 };

const statusIs = (id: string, status: string) => (e: NodeEvent) => e.type === "status" && e.status === status && e.ids.includes(id);

test("a message written just before the network goes silent is delivered once the link is given up, with no command typed", async () => {
  await using alice = await startNode("alice", { limits: LIMITS });
  await using bob = await startNode("bob", { limits: LIMITS });
  // Each reaches the other only through the "network".
  await using toAlice = startBlackholeProxy(alice.node.listening!.port);
  await using toBob = startBlackholeProxy(bob.node.listening!.port);
  await bob.node.book.add("alice", `127.0.0.1:${toAlice.port}`, { id: alice.node.peerId });
  await alice.node.book.add("bob", `127.0.0.1:${toBob.port}`, { id: bob.node.peerId });
  const before = await bob.node.send("alice", "before the drop");
  await bob.until(statusIs(before.id, "delivered"), "the first message delivered");

  toAlice.drop();
  toBob.drop();
  const from = bob.events.length;
  const lost = await bob.node.send("alice", "into the silence");
  // Written on the link, never acked: marked sent, then the keep-alive gives the link up.
  await bob.until(statusIs(lost.id, "sent"), "the message marked sent");
  const down = await bob.until((e) => bob.events.indexOf(e) >= from && e.type === "link" && !e.up, "the link given up");
  expect(down).toMatchObject({ peer: "alice", reason: expect.stringContaining("KEEPALIVE_TIMEOUT") });

  toAlice.restore();
  toBob.restore();
  await bob.until(statusIs(lost.id, "delivered"), "the message delivered after the drop");

  expect((await bob.node.statusOf([before.id, lost.id])).get(lost.id)).toBe("delivered");
  const got = await alice.node.session.history({ peer: "bob", limit: 10 });
  expect(got.map((e) => [e.id, e.text])).toEqual([
    [before.id, "before the drop"],
    [lost.id, "into the silence"],
  ]);
  expect(alice.events.filter((e) => e.type === "message" && e.entry.id === lost.id)).toHaveLength(1);
});
