// A device joined elsewhere is at a relay by its own certificate: bob, who
// can reach neither of alice's devices directly, asks her relay for her
// identity (the laptop, which is not there) and then for each device her
// roster named, and reaches the server through it.
import { expect, setDefaultTimeout, test } from "bun:test";
import { formatRelayUri } from "../../src/reach/relay/uri.ts";
import { eventually, startNode } from "../helpers/nodes.ts";
import { startP2pchatRelay } from "../helpers/relays.ts";

setDefaultTimeout(90_000);

test("bob reaches alice's server through the relay it stays joined to, by the device id her roster gave", async () => {
  await using relay = await startP2pchatRelay();
  await using laptop = await startNode("alice");
  await using server = await startNode("alice", { join: laptop.node.addDevice({ name: "server" }).text, reach: { relays: [relay.relay] } });
  await eventually(() => server.node.reach.status().relays[0]?.state === "joined", "the server joined the relay");
  await using bob = await startNode("bob");
  await laptop.node.book.add("bob", bob.address, { id: bob.node.peerId });
  await bob.node.book.add("alice", laptop.address, { id: laptop.node.peerId });
  await eventually(() => laptop.node.listDevices().some((d) => d.name === "server" && d.linked), "the devices linked");
  // Bob hears of the server from the laptop's roster.
  await bob.node.send("alice", "hi");
  await eventually(async () => (await bob.node.opts.store.peerDevices(laptop.node.peerId)).some((d) => d.name === "server"), "bob hears of the server");

  // Neither device can be reached directly from bob now (as behind NAT): only the relay is left.
  await laptop.node.stop();
  for (const a of bob.node.contacts.byName("alice")!.addresses) await bob.node.opts.store.forgetAddress("alice", a.host, a.port);
  await bob.node.opts.store.saveAddresses("alice", [{ host: "127.0.0.1", port: 9, source: "typed" }]); // nothing listens there
  await bob.node.opts.store.updateContact("alice", { relays: [formatRelayUri(relay.relay)] });
  await bob.node.contacts.reload();

  const { id } = await bob.node.send("alice", "through the relay, to the server");
  await eventually(async () => (await bob.node.statusOf([id])).get(id) === "delivered", "delivered through the relay");
  const link = bob.node.peers.linksOf(laptop.node.peerId)[0];
  expect({ via: link?.via, device: link?.deviceId }).toEqual({ via: `relay 127.0.0.1:${relay.port}`, device: server.node.opts.local.identity.deviceId });
});
