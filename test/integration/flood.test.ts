// A flood of half-open connections (TCP up, no TLS) must not keep an honest
// peer out: 1,100 of them from one address once locked out new peers, and a
// restarted honest node needed 18 s to link.
import { expect, test, setDefaultTimeout } from "bun:test";
import { connect, type Socket } from "node:net";
import { MAX_HANDSHAKES } from "../../src/transport/transport.ts";
import { sourceOf } from "../../src/transport/budget.ts";
import { eventually, startNode, type TestNode } from "../helpers/nodes.ts";

setDefaultTimeout(60_000);

/** How soon a flooding client reconnects once the node dropped it: an attacker's pace, not a wait. */
const REOPEN_MS = 500;

interface Flood {
  opened: number;
  dropped: number;
  stop(): Promise<void>;
}

/** `perAddress` connections from each local address that connect, say nothing, and reconnect when dropped. */
function flood(port: number, addresses: string[], perAddress: number): Flood {
  const f: Flood = { opened: 0, dropped: 0, stop: async () => {} };
  let stopped = false;
  const live = new Set<Socket>();
  const slot = async (localAddress: string) => {
    while (!stopped) {
      const closed = Promise.withResolvers<void>();
      const s = connect({ host: "127.0.0.1", port, localAddress });
      s.on("connect", () => {
        f.opened++;
        live.add(s);
      });
      s.on("error", () => {});
      s.on("close", () => {
        if (live.delete(s) && !stopped) f.dropped++;
        closed.resolve();
      });
      await closed.promise;
      if (!stopped) await Bun.sleep(REOPEN_MS); // the attacker's pace, not a wait for something to happen
    }
  };
  const slots = addresses.flatMap((a) => Array.from({ length: perAddress }, () => slot(a)));
  f.stop = async () => {
    stopped = true;
    for (const s of live) s.destroy();
    await Promise.all(slots);
  };
  return f;
}

/** Alice dials bob (bob has no address for her, so her link must come in through the flood); resolves with the seconds it took to deliver. */
async function honestDelivery(alice: TestNode, bob: TestNode): Promise<number> {
  const t0 = performance.now();
  await alice.node.setDiscoverable(true);
  await bob.node.book.add("alice", "127.0.0.1:9", { id: alice.node.peerId });
  await alice.node.book.add("bob", bob.address, { id: bob.node.peerId });
  const { id } = await alice.node.send("bob", "through the flood");
  await eventually(async () => (await alice.node.statusOf([id])).get(id) === "delivered", "delivered through the flood", 15_000);
  const seconds = (performance.now() - t0) / 1000;
  expect((await bob.node.session.history({ limit: 5 })).map((e) => e.text)).toEqual(["through the flood"]);
  expect(alice.events.filter((e) => e.type === "link").map((e) => (e as { up: boolean }).up)).toEqual([true]);
  return seconds;
}

for (const [what, addresses, perAddress] of [
  ["1,100 from one address", ["127.0.0.1"], 1_100],
  ["1,200 from 24 addresses (50 each, under any one address's share)", Array.from({ length: 24 }, (_, i) => `127.0.0.${10 + i}`), 50],
] as const) {
  test(`an honest peer links and chats within seconds through half-open connections: ${what}`, async () => {
    expect(addresses.length * perAddress).toBeGreaterThan(MAX_HANDSHAKES);
    await using bob = await startNode("bob");
    await using alice = await startNode("alice", { discoverable: false });
    const f = flood(bob.node.listening!.port, [...addresses], perAddress);
    try {
      await eventually(() => f.opened >= addresses.length * perAddress, "the flood's connections");
      // Before: the node refused every new connection until the flood's timed out (10 s).
      expect(await honestDelivery(alice, bob)).toBeLessThan(5);
      // The node made room by dropping flood connections, never the honest one.
      expect(f.dropped).toBeGreaterThan(0);
    } finally {
      await f.stop();
    }
  });
}

test("a source is an IPv4 address or an IPv6 /64", () => {
  expect(["127.0.0.1", "::ffff:10.0.0.7", "2001:db8:1:2:3:4:5:6", "2001:db8:1:2::9", "2001:DB8:1:2:ffff::", "::1", "fe80::1"].map(sourceOf)).toEqual([
    "127.0.0.1",
    "10.0.0.7",
    "2001:db8:1:2::/64",
    "2001:db8:1:2::/64",
    "2001:db8:1:2::/64",
    "0:0:0:0::/64",
    "fe80:0:0:0::/64",
  ]);
});
