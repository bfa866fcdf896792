// The identity's DHT record points to its other devices: bob knows only
// alice's laptop (a dead address now) and her discovery key; while the
// laptop is stopped, the record it published leads bob to her server, a
// device he never heard of, which takes his message. A DHT testnet on loopback.
import { expect, setDefaultTimeout, test } from "bun:test";
import { DhtClient } from "../../src/reach/dht/dht-client.ts";
import { parseDiscoveryKey } from "../../src/reach/dht/discovery-key.ts";
import { startTestnet } from "../net/dht-testnet.ts";
import { eventually, startNode } from "../helpers/nodes.ts";
import { freePort } from "../helpers/ports.ts";

setDefaultTimeout(60_000);

test("bob, who knows only alice's laptop, reaches her server through the record the laptop published", async () => {
  await using net = await startTestnet({ size: 4 });
  const dht = { reach: { dht: true, dhtBootstrap: net.bootstrap } };
  await using laptop = await startNode("alice", dht);
  await using server = await startNode("alice", { ...dht, join: laptop.node.addDevice({ name: "server" }).text });
  await eventually(() => laptop.node.listDevices().some((d) => d.name === "server" && d.linked), "the devices linked");

  // The laptop's record lists the server's address beside its own.
  const dkey = laptop.node.reach.dkey!;
  await using reader = await DhtClient.start({ bootstrap: net.bootstrap, host: "127.0.0.1" });
  await eventually(async () => Boolean((await reader.resolve(parseDiscoveryKey(dkey)).catch(() => null))?.addresses.includes(server.address)), "the record points to the server");

  await using bob = await startNode("bob", dht);
  await eventually(() => bob.node.reach.status().dht === "on", "bob's DHT");
  await bob.node.book.add("alice", `127.0.0.1:${await freePort()}`, { id: laptop.node.peerId, dkey });
  await laptop.node.stop();
  const { id } = await bob.node.send("alice", "found you");
  await eventually(async () => (await bob.node.statusOf([id])).get(id) === "delivered", "delivered to the server");
  expect((await server.node.book.requests()).map((r) => [r.peerId, r.waiting])).toEqual([[bob.node.peerId, 1]]);
});
