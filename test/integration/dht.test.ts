// The DHT client on a testnet of bittorrent-dht nodes on loopback: publish
// and resolve, forged and replayed records, republishing, timeouts, stop.
import { describe, expect, test, setDefaultTimeout } from "bun:test";
import { createHash } from "node:crypto";
import { createSocket } from "node:dgram";
import type DHT from "bittorrent-dht";
import type { PeerId } from "../../src/protocol/peer-id.ts";
import { DhtClient } from "../../src/reach/dht/dht-client.ts";
import { DhtFinder } from "../../src/reach/dht/dht-finder.ts";
import { DhtPublisher } from "../../src/reach/dht/dht-publisher.ts";
import { generateDiscoveryKey, parseDiscoveryKey, type DiscoveryKey } from "../../src/reach/dht/discovery-key.ts";
import { encodeRecord, type SignedRecord } from "../../src/reach/dht/record.ts";
import { startTestnet } from "../net/dht-testnet.ts";
import { startNode } from "../helpers/nodes.ts";

setDefaultTimeout(60_000);

const ALICE = "P56IOI7-MZJNU2Y-IQGDREY-DM2MGTI-MGL3BXN-PQ6W5BM-TBBZ4TJ-XZWICQ2" as PeerId;
const MALLORY = "MFZWI3D-BONSGYC-YLTMRWG-C43ENR5-QXGZDMM-FZWI3DP-BONSGYY-LTMRWAD" as PeerId;

async function client(bootstrap: { host: string; port: number }[], timeoutMs?: number): Promise<DhtClient> {
  return DhtClient.start({ bootstrap, host: "127.0.0.1", timeoutMs });
}

/**
 * Makes `node` a liar: it answers gets for `r.key` with `r` as if it had
 * stored it, skipping the checks an honest node makes on put (reaching into
 * bittorrent-dht's store is the point: this is what a hostile node does).
 */
function plant(node: DHT, r: SignedRecord): void {
  const target = createHash("sha1").update(r.key).digest("hex");
  const store = (node as unknown as { _values: { set(k: string, v: unknown): void } })._values;
  store.set(target, { v: Buffer.from(r.value), k: Buffer.from(r.key), sig: Buffer.from(r.sig), seq: Number(r.seq), id: node.nodeId });
}

const record = (key: DiscoveryKey, addresses: string[], seq: bigint, peerId = ALICE) => encodeRecord({ peerId, addresses, relays: [] }, key, seq);

describe("dht", () => {
  test.concurrent("a record published from one node is resolved from another", async () => {
    await using net = await startTestnet({ size: 5 });
    await using a = await client(net.bootstrap);
    await using b = await client(net.bootstrap);
    const alice = generateDiscoveryKey();
    const r = encodeRecord({ peerId: ALICE, addresses: ["127.0.0.1:20001", "[::1]:20001"], relays: ["relay://127.0.0.1:22067/?id=R"] }, alice);
    // Stored by every node: each checked our signature with bittorrent-dht's own bencoding.
    expect(await a.publish(r)).toBeGreaterThanOrEqual(5);
    const got = await b.resolve(alice.publicKey);
    expect(got && { peerId: got.peerId, addresses: got.addresses, relays: got.relays, seq: got.seq }).toEqual({
      peerId: ALICE,
      addresses: ["127.0.0.1:20001", "[::1]:20001"],
      relays: ["relay://127.0.0.1:22067/?id=R"],
      seq: r.seq,
    });
    // The publisher finds its own record on the others too.
    expect((await a.resolve(alice.publicKey))?.seq).toBe(r.seq);
  });

  test.concurrent("a key with no record resolves to null, quickly", async () => {
    await using net = await startTestnet({ size: 5 });
    await using b = await client(net.bootstrap);
    const t0 = performance.now();
    expect(await b.resolve(generateDiscoveryKey().publicKey)).toBeNull();
    expect(performance.now() - t0).toBeLessThan(5_000);
  });

  test.concurrent("records signed by another key are ignored, whoever serves them", async () => {
    await using net = await startTestnet({ size: 5 });
    await using a = await client(net.bootstrap);
    await using b = await client(net.bootstrap);
    const [alice, mallory] = [generateDiscoveryKey(), generateDiscoveryKey()];
    // A liar serves mallory's record (mallory's peer id) under alice's key, with a newer seq.
    const forged = record(mallory, ["192.0.2.66:20001"], 9_000_000_000_000_000n, MALLORY);
    plant(net.nodes[2]!, { ...forged, key: alice.publicKey });
    expect(await b.resolve(alice.publicKey)).toBeNull();
    // Honest nodes refuse to store it at all.
    const put = await a.publish({ ...forged, key: alice.publicKey }).catch((e) => e);
    expect(put.code).toBe("BAD_SIGNATURE");
    // Alice's own record wins over the liar's.
    const genuine = record(alice, ["127.0.0.1:20001"], 1_000_000n);
    await a.publish(genuine);
    const got = await b.resolve(alice.publicKey);
    expect([got?.peerId, got?.seq]).toEqual([ALICE, 1_000_000n]);
    // Mallory's record under her own key is hers, and never answers for alice's.
    await a.publish(forged);
    expect((await b.resolve(mallory.publicKey))?.peerId).toBe(MALLORY);
    expect((await b.resolve(alice.publicKey))?.peerId).toBe(ALICE);
  });

  test.concurrent("an older seq is ignored: replays lose, nodes refuse it, newerThan filters it", async () => {
    await using net = await startTestnet({ size: 5 });
    await using a = await client(net.bootstrap);
    await using b = await client(net.bootstrap);
    const alice = generateDiscoveryKey();
    const old = record(alice, ["192.0.2.1:20001"], 1_000_000n);
    const current = record(alice, ["192.0.2.2:20001"], 2_000_000n);
    await a.publish(old);
    await a.publish(current);
    plant(net.nodes[3]!, old); // a node that kept (or replays) the old one
    expect((await b.resolve(alice.publicKey))?.addresses).toEqual(["192.0.2.2:20001"]);
    expect(await b.resolve(alice.publicKey, { newerThan: current.seq })).toBeNull();
    expect((await b.resolve(alice.publicKey, { newerThan: old.seq }))?.seq).toBe(current.seq);
    // Our client refuses to go back; a fresh client is refused by every node
    // that holds the newer one (all of them, once the publisher, which does
    // not store its own record, has gone).
    expect((await a.publish(old).catch((e) => e)).code).toBe("STALE_RECORD");
    await a.stop();
    await using c = await client(net.bootstrap);
    const refused = await c.publish(old).catch((e) => e);
    expect([refused.code, refused.message]).toEqual(["STALE_RECORD", expect.stringContaining("holds a newer record")]);
  });

  test.concurrent("a republish with new addresses is seen; nothing is published while paused", async () => {
    await using net = await startTestnet({ size: 5 });
    await using a = await client(net.bootstrap);
    await using b = await client(net.bootstrap);
    const alice = generateDiscoveryKey();
    let addresses = ["192.0.2.1:20001"];
    const published: string[][] = [];
    let waiting = Promise.withResolvers<void>();
    const errors: Error[] = [];
    const publisher = new DhtPublisher({
      publish: (r) => a.publish(r),
      key: alice,
      content: () => ({ peerId: ALICE, addresses, relays: [] }),
      debounceMs: 20,
      onPublished: () => {
        published.push(addresses);
        waiting.resolve();
      },
      onError: (e) => errors.push(e),
    });
    try {
      publisher.start();
      await waiting.promise;
      expect((await b.resolve(alice.publicKey))?.addresses).toEqual(["192.0.2.1:20001"]);
      // A burst of changes: one publish, of the last addresses.
      waiting = Promise.withResolvers();
      addresses = ["198.51.100.9:20001"];
      publisher.addressesChanged();
      addresses = ["198.51.100.9:20001", "203.0.113.5:40000"];
      publisher.addressesChanged();
      await waiting.promise;
      const seen = await b.resolve(alice.publicKey);
      expect(seen?.addresses).toEqual(["198.51.100.9:20001", "203.0.113.5:40000"]);
      expect(seen?.seq).toBe(publisher.lastPublished?.seq);
      // Hidden: changes and publishNow() put nothing on the DHT.
      publisher.pause();
      addresses = ["192.0.2.99:1"];
      publisher.addressesChanged();
      await publisher.publishNow();
      expect((await b.resolve(alice.publicKey))?.addresses).toEqual(["198.51.100.9:20001", "203.0.113.5:40000"]);
      // Discoverable again: the new addresses go out at once.
      waiting = Promise.withResolvers();
      publisher.resume();
      await waiting.promise;
      expect((await b.resolve(alice.publicKey))?.addresses).toEqual(["192.0.2.99:1"]);
      expect([published, errors]).toEqual([[["192.0.2.1:20001"], ["198.51.100.9:20001", "203.0.113.5:40000"], ["192.0.2.99:1"]], []]);
    } finally {
      await publisher.stop();
    }
  });

  test.concurrent("a republish lands after the write tokens we hold went stale (our public address changed)", async () => {
    await using net = await startTestnet({ size: 5 });
    await using a = await client(net.bootstrap);
    const alice = generateDiscoveryKey();
    const now = BigInt(Date.now()) * 1000n;
    expect(await a.publish(record(alice, ["11.0.0.2:7001"], now))).toBeGreaterThan(0);
    // A node's write token is bound to the address that asked for it, and
    // lasts two of its secret rotations: rotating twice voids the tokens
    // a holds, as a new public address does.
    for (const node of net.nodes) for (let i = 0; i < 2; i++) (node as unknown as { _rotateSecrets(): void })._rotateSecrets();
    expect(await a.publish(record(alice, ["11.0.0.50:7001"], now + 1n))).toBeGreaterThan(0);
    await using b = await client(net.bootstrap);
    expect((await b.resolve(alice.publicKey))?.addresses).toEqual(["11.0.0.50:7001"]);
  });

  test.concurrent("a lookup nobody answers fails with a clear timeout; stop ends those in flight", async () => {
    await using silent = await silentUdp();
    await using c = await client([{ host: "127.0.0.1", port: silent.port }], 300);
    const alice = generateDiscoveryKey();
    const err = await c.resolve(alice.publicKey).catch((e) => e);
    expect([err.code, err.message]).toEqual(["TIMEOUT", `DHT lookup for ${alice.z32} timed out after 0.3 s`]);
    // With time to finish, it says that no node answered, not that there is no record.
    await using e = await DhtClient.start({ bootstrap: [{ host: "127.0.0.1", port: silent.port }], host: "127.0.0.1", queryTimeoutMs: 100 });
    const none = await e.resolve(alice.publicKey).catch((e) => e);
    expect([none.code, none.message]).toEqual(["LOOKUP_FAILED", `DHT lookup for ${alice.z32}: no DHT node answered`]);
    await using d = await client([{ host: "127.0.0.1", port: silent.port }]);
    const pending = d.resolve(alice.publicKey).catch((e) => e);
    await d.stop();
    expect((await pending).code).toBe("DHT_STOPPED");
    expect((await d.publish(record(alice, [], 1n)).catch((e) => e)).code).toBe("DHT_STOPPED");
  });

  test.concurrent("DhtFinder: a contact's addresses and relays by peer id, never another peer's, never older", async () => {
    await using net = await startTestnet({ size: 5 });
    await using a = await client(net.bootstrap);
    await using b = await client(net.bootstrap);
    const [alice, mallory] = [generateDiscoveryKey(), generateDiscoveryKey()];
    const keys = new Map<string, Uint8Array>([[ALICE, alice.publicKey], [MALLORY, mallory.publicKey]]);
    const finder = new DhtFinder({ dht: b, keyFor: (peer) => keys.get(peer) ?? null });
    expect([await finder.lookup(ALICE), finder.error()]).toEqual([[], null]);
    const relay = `relay://192.0.2.9:22067/?id=${MALLORY}`;
    // Addresses no peer can be at (wire-address.ts) are not passed on; a DHT on loopback may name loopback.
    const unreachable = ["0.0.0.0:1", "169.254.169.254:80", "224.0.0.1:1", "[ff02::1]:1", "relay://169.254.169.254:22067/?id=R"];
    await a.publish(encodeRecord({ peerId: ALICE, addresses: ["192.0.2.1:20001", "127.0.0.1:20002", ...unreachable.slice(0, 4)], relays: ["relay://192.0.2.9:22067/?id=R", relay, unreachable[4]!] }, alice, 1_000_000n));
    expect(await finder.lookup(ALICE)).toEqual(["192.0.2.1:20001", "127.0.0.1:20002", relay]);
    await a.publish(record(alice, ["192.0.2.2:20001"], 2_000_000n));
    expect(await finder.lookup(ALICE)).toEqual(["192.0.2.2:20001"]);
    // A liar replaying the old record: the finder keeps the newest it saw.
    plant(net.nodes[0]!, record(alice, ["192.0.2.1:20001"], 1_000_000n));
    expect(await finder.lookup(ALICE)).toEqual(["192.0.2.2:20001"]);
    // Mallory's key publishing alice's peer id is no hint for mallory.
    await a.publish(record(mallory, ["192.0.2.66:1"], 3_000_000n, ALICE));
    expect(await finder.lookup(MALLORY)).toEqual([]);
    expect(finder.error()?.message).toContain("names another peer id");
    expect(await finder.lookup("AAAAAAA-AAAAAAA-AAAAAAA-AAAAAAA-AAAAAAA-AAAAAAA-AAAAAAA-AAAAAAA" as PeerId)).toEqual([]);
    // A lookup that is abandoned keeps what was known, and says why.
    const abort = new AbortController();
    abort.abort();
    expect(await finder.lookup(ALICE, abort.signal)).toEqual(["192.0.2.2:20001"]);
    expect((finder.error() as { code?: string }).code).toBe("ABORTED");
  });

  test("a node's own record on a DHT of its own on loopback holds its loopback address (the public DHT would get none)", async () => {
    await using net = await startTestnet({ size: 5 });
    await using alice = await startNode("alice", { reach: { dht: true, dhtBootstrap: net.bootstrap } });
    await using b = await client(net.bootstrap);
    const dkey = parseDiscoveryKey(alice.node.reach.dkey!);
    // Published once the node is discoverable: looked up until it is there (a put has no event here).
    const deadline = Date.now() + 20_000;
    let found = await b.resolve(dkey);
    while (!found && Date.now() < deadline) found = await b.resolve(dkey);
    expect(found && { peerId: found.peerId, addresses: found.addresses }).toEqual({ peerId: alice.node.peerId, addresses: [alice.address] });
  });

  test("no bootstrap node: no DHT, and a message that says why", async () => {
    const err = await DhtClient.start({ bootstrap: [] }).catch((e) => e);
    expect([err.code, err.message]).toEqual(["NO_DHT", expect.stringContaining("P2PCHAT_DISCOVERY=off")]);
  });
});

/** A UDP socket on loopback that never answers: a DHT that is not there. */
async function silentUdp(): Promise<{ port: number } & AsyncDisposable> {
  const s = createSocket("udp4");
  await new Promise<void>((r) => s.bind(0, "127.0.0.1", () => r()));
  return { port: s.address().port, [Symbol.asyncDispose]: () => new Promise<void>((r) => s.close(() => r())) };
}
