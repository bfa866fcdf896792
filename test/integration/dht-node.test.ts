// A running node's DHT lookups, on a testnet on loopback: records it cannot
// use (not DNS, cut short, a 255-byte TXT string among more addresses than
// it keeps) are refused and the node carries on; and after a peer moved
// twice, the old addresses others now hold are tried once, forgotten, and
// the fresh record's address is where the message goes.
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import * as dns from "dns-packet";
import { peerIdFromDigest, type PeerId } from "../../src/protocol/peer-id.ts";
import { DhtClient } from "../../src/reach/dht/dht-client.ts";
import { generateDiscoveryKey, loadOrCreateDiscoveryKey, type DiscoveryKey } from "../../src/reach/dht/discovery-key.ts";
import { RECORD_LABEL } from "../../src/reach/dht/record-packet.ts";
import { encodeRecord, nowMicros, signable } from "../../src/reach/dht/record.ts";
import { tlsOptions } from "../../src/transport/tls.ts";
import { befriend, eventually, startNode, type TestNode } from "../helpers/nodes.ts";
import { newIdentity } from "../helpers/raw-peer.ts";
import { startTestnet, type Testnet } from "../net/dht-testnet.ts";

setDefaultTimeout(60_000);

const randomPeer = (): PeerId => peerIdFromDigest(crypto.getRandomValues(new Uint8Array(32)));

function dhtNode(name: string, net: Testnet, port?: number): Promise<TestNode> {
  return startNode(name, { reach: { dht: true, dhtBootstrap: net.bootstrap }, ...(port === undefined ? {} : { port }) });
}

async function dhtUp(n: TestNode): Promise<void> {
  await eventually(() => n.node.reach.status().dht === "on", `${n.name}'s DHT`);
}

/** A record signed with `key` whose value is `value`, whatever it holds. */
function signedValue(key: DiscoveryKey, value: Uint8Array) {
  const seq = nowMicros();
  return { key: key.publicKey, seq, sig: key.sign(signable(seq, value)), value };
}

/** A TLS listener with an identity of its own (someone else now at an old address), counting who dials it. */
async function impostor() {
  const identity = await newIdentity("mallory");
  let dials = 0;
  const server = Bun.listen({ hostname: "127.0.0.1", port: 0, tls: tlsOptions(identity), socket: { open: () => void dials++, data() {} } });
  return { port: server.port, dials: () => dials, [Symbol.dispose]: () => server.stop(true) };
}

describe("a running node and the DHT", () => {
  test("records it cannot use are refused: not DNS, cut short, a 255-byte TXT string among 27 addresses; the node carries on", async () => {
    await using net = await startTestnet({ size: 4 });
    await using alice = await dhtNode("alice", net);
    await dhtUp(alice);
    await using publisher = await DhtClient.start({ bootstrap: net.bootstrap, host: "127.0.0.1" });

    const contacts = ["garbage", "truncated", "huge", "fine"].map((name) => ({ name, key: generateDiscoveryKey(), peerId: randomPeer() }));
    for (const c of contacts) await alice.node.opts.store.addContact({ name: c.name, host: "127.0.0.1", port: 9, peerId: c.peerId, dkey: c.key.z32 });
    await alice.node.contacts.reload();
    const [garbage, truncated, huge, fine] = contacts as [(typeof contacts)[0], (typeof contacts)[0], (typeof contacts)[0], (typeof contacts)[0]];

    await publisher.publish(signedValue(garbage.key, crypto.getRandomValues(new Uint8Array(600))));
    const whole = encodeRecord({ peerId: truncated.peerId, addresses: ["127.0.0.1:20001"], relays: [] }, truncated.key).value;
    await publisher.publish(signedValue(truncated.key, whole.subarray(0, whole.length - 7)));
    const strings = [`id=${huge.peerId}`, `addr=${"9".repeat(250)}`];
    for (let i = 0; i < 27; i++) strings.push(`addr=127.0.0.1:${20100 + i}`);
    const packet = dns.encode({ type: "response", id: 0, flags: 0, answers: [{ type: "TXT", name: `${RECORD_LABEL}.${huge.key.z32}`, class: "IN", ttl: 300, data: strings }] });
    expect(packet.length).toBeLessThan(1000);
    await publisher.publish(signedValue(huge.key, new Uint8Array(packet)));
    await publisher.publish(encodeRecord({ peerId: fine.peerId, addresses: ["127.0.0.1:20002"], relays: [] }, fine.key));

    expect(await alice.node.reach.lookup("garbage")).toBeNull();
    expect(await alice.node.reach.lookup("truncated")).toBeNull();
    // The 255 bytes are no address; of the rest, the node keeps what one record may give.
    const many = await alice.node.reach.lookup("huge");
    expect(many?.map((a) => a.port)).toEqual(Array.from({ length: 16 }, (_, i) => 20100 + i));
    // The node carries on: a good record reads, the address book is as it was.
    expect(await alice.node.reach.lookup("fine")).toEqual([{ host: "127.0.0.1", port: 20002, source: "dht" }]);
    expect((await alice.node.book.list()).map((c) => [c.name, c.addresses.map((a) => `${a.host}:${a.port}`)])).toEqual(contacts.map((c) => [c.name, ["127.0.0.1:9"]]).sort());
    expect((await alice.node.status()).reach?.dht ?? alice.node.reach.status().dht).toBe("on");
  });

  test("after a peer moved twice, the old addresses others hold now are dialed once, forgotten, and its fresh record is where the message goes", async () => {
    await using net = await startTestnet({ size: 4 });
    await using alice = await dhtNode("alice", net);
    await using bob = await dhtNode("bob", net);
    await Promise.all([dhtUp(alice), dhtUp(bob)]);
    await befriend(alice, bob);
    const { id: first } = await alice.node.send("bob", "before you moved");
    await eventually(async () => (await alice.node.statusOf([first])).get(first) === "delivered", "first message delivered");
    await eventually(() => alice.node.contacts.byName("bob")?.dkey !== null, "bob's discovery key from his hello");

    // bob was at two addresses since (learned from his hellos and his record), both held by others now.
    using old1 = await impostor();
    using old2 = await impostor();
    await alice.node.opts.store.saveAddresses(
      "bob",
      [
        { host: "127.0.0.1", port: old2.port, source: "dht" },
        { host: "127.0.0.1", port: old1.port, source: "hello" },
      ],
      { preferred: true },
    );
    await alice.node.contacts.refresh("bob");

    // bob moves a third time and publishes his record with the new address.
    // (He forgets alice, so that it is her dial that must find him, not his.)
    const key = await loadOrCreateDiscoveryKey(bob.home);
    await bob.node.book.remove("alice");
    await bob.node.stop();
    await bob.restart({ port: 0 });
    const moved = bob.node.listening!.port;
    await using reader = await DhtClient.start({ bootstrap: net.bootstrap, host: "127.0.0.1" });
    await eventually(async () => (await reader.resolve(key.publicKey).catch(() => null))?.addresses.includes(`127.0.0.1:${moved}`) === true, "bob's new record");

    const { id } = await alice.node.send("bob", "after two moves");
    await eventually(async () => (await alice.node.statusOf([id])).get(id) === "delivered", "delivered at bob's new address");
    expect([old1.dials(), old2.dials()]).toEqual([1, 1]);
    const book = (await alice.node.book.list()).find((c) => c.name === "bob")!;
    expect(book.addresses.map((a) => a.port)).not.toContain(old1.port);
    expect(book.addresses.map((a) => a.port)).not.toContain(old2.port);
    expect(book.addresses[0]).toMatchObject({ host: "127.0.0.1", port: moved, source: "dht" });
    expect(alice.events.filter((e) => e.type === "warning")).toEqual([]);
  });
});
