// Nodes that cannot reach each other directly talk through a relay: Debian's
// strelaysrv and `p2pchat relay` alike. Our TLS runs through it (the relay
// copies ciphertext), the pin decides identity, and delivery keeps every
// guarantee across a relay killed mid-stream.
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { formatRelayUri, type RelayAddress } from "../../src/reach/relay/uri.ts";
import { eventually, startNode, type TestNode } from "../helpers/nodes.ts";
import { freePort, RELAYS } from "../helpers/relays.ts";

setDefaultTimeout(120_000);

/**
 * alice and bob, each with only a dead address for the other (nothing listens
 * there: every direct dial fails); alice stays joined to `relay` and bob
 * knows it as hers.
 */
async function unreachablePair(relay: RelayAddress): Promise<{ alice: TestNode; bob: TestNode } & AsyncDisposable> {
  const dead = await freePort();
  const alice = await startNode("alice", { reach: { relays: [relay] } });
  const bob = await startNode("bob");
  await alice.node.book.add("bob", `127.0.0.1:${dead}`, { id: bob.node.peerId });
  await bob.node.book.add("alice", `127.0.0.1:${dead}`, { id: alice.node.peerId });
  await bob.node.opts.store.updateContact("alice", { relays: [formatRelayUri(relay)] });
  await bob.node.contacts.reload();
  await eventually(() => alice.node.reach.status().relays[0]?.state === "joined", "alice joined her relay");
  return {
    alice,
    bob,
    async [Symbol.asyncDispose]() {
      await bob[Symbol.asyncDispose]();
      await alice[Symbol.asyncDispose]();
    },
  };
}

for (const [kind, startRelay] of RELAYS) {
  describe(`through ${kind}`, () => {
    test("unreachable directly: bob dials alice through her relay; both ways, the link says via relay", async () => {
      await using relay = await startRelay();
      await using pair = await unreachablePair(relay.relay);
      const { alice, bob } = pair;
      const { id } = await bob.node.send("alice", "hello through the relay");
      await eventually(async () => (await bob.node.statusOf([id])).get(id) === "delivered", "delivered through the relay");
      const up = await bob.until((e) => e.type === "link" && e.up, "bob's link") as { via?: string };
      expect(up.via).toBe(`relay 127.0.0.1:${relay.port}`);
      const st = await bob.node.status();
      expect(st.links).toEqual([expect.objectContaining({ peer: "alice", via: `relay 127.0.0.1:${relay.port}` })]);
      expect(st.contacts.find((c) => c.name === "alice")?.stateText).toBe(`linked (via relay 127.0.0.1:${relay.port})`);
      const back = await alice.node.send("bob", "and back");
      await eventually(async () => (await alice.node.statusOf([back.id])).get(back.id) === "delivered", "the answer delivered");
      expect((await alice.node.session.history({ peer: "bob", limit: 10 })).map((e) => e.text)).toEqual(["hello through the relay", "and back"]);
    });

    test("2,000 messages through the relay arrive exactly once, in order, across a kill -9 of the relay", async () => {
      await using relay = await startRelay();
      await using pair = await unreachablePair(relay.relay);
      const { alice, bob } = pair;
      const texts = Array.from({ length: 2000 }, (_, i) => `m${i}`);
      const ids = await bob.node.sendMany("alice", texts.slice(0, 1000));
      await eventually(async () => [...(await bob.node.statusOf(ids)).values()].filter((s) => s === "delivered").length > 100, "some delivered");
      await relay.kill();
      ids.push(...(await bob.node.sendMany("alice", texts.slice(1000))));
      await relay.restart();
      await eventually(async () => [...(await bob.node.statusOf(ids)).values()].every((s) => s === "delivered"), "all delivered after the restart", 90_000);
      const got = (await alice.node.session.history({ peer: "bob", limit: 5000 })).map((e) => e.text);
      expect(got).toEqual(texts);
    });
  });
}
