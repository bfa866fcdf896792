// New addresses for a contact are dialed: one typed with `contacts set
// --address`. Real nodes on loopback.
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { eventually, startNode } from "../helpers/nodes.ts";

setDefaultTimeout(30_000);

describe("dialing a contact's addresses", () => {
  test("contacts set --address: the address typed is the one dialed next", async () => {
    await using alice = await startNode("alice");
    await using bob = await startNode("bob");
    await alice.node.book.add("bob", bob.address, { id: bob.node.peerId });
    // bob cannot dial alice: only her dial, to the address she typed, can bring the message.
    await bob.node.book.add("alice", "127.0.0.1:9", { id: alice.node.peerId });
    await bob.node.stop();
    await bob.restart({ port: 0 }); // bob moved to another port
    const moved = bob.node.listening!.port;
    await alice.node.book.set("bob", { address: `127.0.0.1:${moved}` });
    const { id } = await alice.node.send("bob", "found you");
    await eventually(async () => (await alice.node.statusOf([id])).get(id) === "delivered", "delivered at the address typed", 10_000);
    const [c] = await alice.node.book.list();
    expect(c!.addresses[0]).toMatchObject({ host: "127.0.0.1", port: moved, source: "typed" });
  });
});
