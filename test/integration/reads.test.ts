// Unread counts and read marks on real nodes: what the chat's list shows,
// the same through the control socket, a `read` event for every attached
// terminal, and counts that survive a restart.
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { ControlClient } from "../../src/control/client.ts";
import { ControlServer } from "../../src/control/server.ts";
import type { NodeEvent } from "../../src/node/node-events.ts";
import { befriend, eventually, startNode } from "../helpers/nodes.ts";

setDefaultTimeout(60_000);

describe("read marks", () => {
  test("conversations list unread and last message; markRead through the control socket tells subscribers; counts survive a restart", async () => {
    await using alice = await startNode("alice");
    await using bob = await startNode("bob");
    await using carol = await startNode("carol");
    await befriend(alice, bob);
    await befriend(alice, carol);
    for (const text of ["one", "two", "three"]) await bob.node.send("alice", text);
    await alice.node.send("carol", "hi carol");
    await eventually(async () => (await alice.node.session.history({ peer: "bob", limit: 10 })).length === 3, "bob's three messages");
    // Settled first: a mark that moves between the two lists below would tell nothing about them.
    await eventually(async () => (await alice.node.session.history({ peer: "carol", limit: 1 }))[0]?.status === "delivered", "carol's ack");

    const list = await alice.node.reads.conversations();
    expect(list.map((c) => [c.name, c.unread, c.last?.direction, c.last?.text])).toEqual([
      ["bob", 3, "in", "three"],
      ["carol", 0, "out", "hi carol"],
    ]);

    const control = await ControlServer.start(alice.home, alice.node);
    const client = (await ControlClient.connect(alice.home))!;
    try {
      const events: NodeEvent[] = [];
      await client.subscribe((e) => events.push(e));
      expect(await client.conversations()).toEqual(list);
      const [first, second] = await alice.node.session.history({ peer: "bob", limit: 3 });
      expect(await client.markRead("bob", second!.id)).toBe(1);
      // Reading an older one again moves nothing back.
      expect(await client.markRead("bob", first!.id)).toBe(1);
      await eventually(() => events.filter((e) => e.type === "read").length === 2, "two read events");
      expect(events.filter((e) => e.type === "read")).toEqual([
        { type: "read", peer: "bob", unread: 1 },
        { type: "read", peer: "bob", unread: 1 },
      ]);
      const refused = await client.markRead("nobody").catch((e) => e);
      expect(refused.code).toBe("NOT_A_CONTACT");
    } finally {
      await client.close();
      control.stop();
    }

    await alice.node.stop();
    await alice.restart();
    expect((await alice.node.reads.conversations()).map((c) => [c.name, c.unread])).toEqual([
      ["bob", 1],
      ["carol", 0],
    ]);
    expect(await alice.node.reads.markRead("bob")).toBe(0);
  });
});
