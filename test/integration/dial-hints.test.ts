// New addresses for a contact are dialed: one typed with `contacts set
// --address`, and those that arrive while a dial is under way (a beacon
// heard, a DHT record found), at once when that dial has not got through
// TLS yet, rather than after it fails and a backoff runs out; another node
// at an address only heard of is that
// address's failure, not news that the contact changed. Real nodes on
// loopback; the slow address is a port that accepts TCP and never answers TLS.
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { formatHostPort } from "../../src/domain/host-port.ts";
import { encodeInvite } from "../../src/protocol/invite-line.ts";
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

  test("an address learned while a dial hangs in TLS is tried at once: neither the deadline nor the backoff", async () => {
    // A long backoff: had the new address to wait for it, the test would time out.
    await using alice = await startNode("alice", { limits: { handshakeMs: 1_500 }, retry: { baseMs: 60_000, maxMs: 60_000, jitter: 0 } });
    await using bob = await startNode("bob");
    const accepted = Promise.withResolvers<void>();
    await using tarpit = tarpitListener(() => accepted.resolve());
    // alice knows bob only at the tarpit.
    await alice.node.book.add("bob", `127.0.0.1:${tarpit.port}`, { id: bob.node.peerId });
    const { id } = await alice.node.send("bob", "are you there?");
    await accepted.promise;

    // alice hears of bob's address (as his beacon would tell her) while her dial hangs.
    const bobPort = bob.node.listening!.port;
    await alice.node.opts.store.saveAddresses("bob", [{ host: "127.0.0.1", port: bobPort, source: "lan" }], { preferred: true });
    alice.node.peers.dial((await alice.node.contacts.refresh("bob"))!);
    const t0 = Date.now();
    await eventually(async () => (await alice.node.statusOf([id])).get(id) === "delivered", "delivered to bob", 10_000);
    // The dial to the tarpit gave way (it is tried again last): no wait for its handshake deadline.
    expect(Date.now() - t0).toBeLessThan(1_500);
  });

  test("another node at an address only heard of (a beacon): refused quietly, no advice to re-pin, the address forgotten, the message waits", async () => {
    // A minute's handshake deadline: the beacon's address is tried only if the dial hanging at the tarpit gives way to it.
    await using alice = await startNode("alice", { limits: { handshakeMs: 60_000 } });
    await using bob = await startNode("bob");
    await using mallory = await startNode("mallory");
    // bob's typed address answers nothing (a dial there hangs): what status says is about mallory's.
    await using tarpit = tarpitListener(() => {});
    await alice.node.book.add("bob", `127.0.0.1:${tarpit.port}`, { id: bob.node.peerId });
    await bob.node.stop();
    // A beacon (forged, or heard before the address changed hands) puts bob where mallory listens.
    const there = mallory.node.listening!.port;
    await alice.node.opts.store.saveAddresses("bob", [{ host: "127.0.0.1", port: there, source: "lan" }], { preferred: true });
    alice.node.peers.dial((await alice.node.contacts.refresh("bob"))!);
    const { id } = await alice.node.send("bob", "for bob only");
    const bobState = async () => (await alice.node.status()).contacts.find((c) => c.name === "bob");
    const someoneElses = `127.0.0.1:${there} is someone else's now (${mallory.node.peerId} answers there): forgotten`;
    await eventually(async () => (await bobState())?.lastError === someoneElses, "mallory's address tried");
    // Forgotten: the next rounds do not dial it again.
    await eventually(async () => !(await alice.node.book.list())[0]!.addresses.some((a) => a.port === there), "mallory's address forgotten");
    expect((await alice.node.book.list())[0]!.addresses.map((a) => a.source)).toEqual(["typed"]);
    expect(alice.events.filter((e) => e.type === "warning")).toEqual([]);
    expect((await bobState())?.state).not.toBe("identity changed");
    expect((await bobState())?.mismatch ?? null).toBeNull();
    expect((await alice.node.statusOf([id])).get(id)).toBe("pending");
    expect(await mallory.node.book.requests()).toEqual([]);
  });
});

describe("an invite's addresses", () => {
  test("those no peer elsewhere can be at are not kept; loopback only from an invite that lists nothing else", async () => {
    await using alice = await startNode("alice");
    await using bob = await startNode("bob");
    const base = { name: "bob", peerId: bob.node.peerId, token: "t0k3n-t0k3n", expires: Date.now() + 60_000 };
    const bad = ["0.0.0.0:22224", "127.0.0.1:22222", "169.254.169.254:80", "224.0.0.1:1", "[ff02::1]:1", "[fe80::1%eth0]:7"];
    const { contact } = await alice.node.hints.addInvite(encodeInvite({ ...base, addresses: [...bad, "192.0.2.7:7001"] }));
    expect(contact.addresses.map((a) => formatHostPort(a.host, a.port))).toEqual(["192.0.2.7:7001"]);
    await alice.node.book.remove("bob", { dropPending: true });
    const only = await alice.node.hints.addInvite(encodeInvite({ ...base, addresses: bad }), "bob2").catch((e: Error) => e.message);
    expect(only).toBe("the invite names only places no peer elsewhere can be (0.0.0.0:22224, 127.0.0.1:22222, 169.254.169.254:80): not added");
    // A node on this machine listening on loopback: its invite lists loopback alone.
    const local = await alice.node.hints.addInvite(encodeInvite({ ...base, addresses: [bob.address] }));
    expect(local.contact.addresses.map((a) => formatHostPort(a.host, a.port))).toEqual([bob.address]);
  });
});

describe("addresses kept before the filter", () => {
  test("those an older version took from the wire that no peer can be at are gone after a restart; typed, loopback and our own zone stay", async () => {
    await using alice = await startNode("alice");
    await using bob = await startNode("bob");
    await alice.node.book.add("bob", bob.address, { id: bob.node.peerId });
    const unreachable: [string, number][] = [["0.0.0.0", 22224], ["169.254.169.254", 80], ["224.0.0.1", 1], ["255.255.255.255", 1], ["ff02::1", 1], ["fe80::1", 7], ["fe80::1%eth0", 8]];
    await alice.node.opts.store.saveAddresses("bob", [
      ...unreachable.map(([host, port]) => ({ host, port, source: "dht" as const })),
      { host: "127.0.0.1", port: 22222, source: "dht" },
      { host: "fe80::2%eth0", port: 9, source: "lan" },
    ]);
    await alice.node.stop();
    await alice.restart();
    const kept = (await alice.node.book.list())[0]!.addresses.map((a) => `${a.source} ${formatHostPort(a.host, a.port)}`);
    expect(kept.sort()).toEqual(["dht 127.0.0.1:22222", "lan [fe80::2%eth0]:9", `typed ${bob.address}`].sort());
  });
});

function tarpitListener(onAccept: () => void): { port: number } & AsyncDisposable {
  const server = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { open: onAccept, data() {} } });
  return { port: server.port, [Symbol.asyncDispose]: async () => server.stop(true) };
}
