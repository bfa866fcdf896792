// One identity on several computers: a device joined with a line from an
// admin device has its own key and the same peer id; a contact that pinned
// the identity before the device existed accepts it; a message reaches
// whichever device is up, once; a revoked device is refused. Real nodes, TLS
// on loopback, real SQLite files.
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { eventually, startNode, type TestNode } from "../helpers/nodes.ts";

setDefaultTimeout(60_000);

const inbox = async (n: TestNode, peer?: string) => (await n.node.session.history({ peer, limit: 500 })).filter((e) => e.direction === "in").map((e) => e.text);
const statusOf = async (n: TestNode, id: string) => (await n.node.statusOf([id])).get(id);
const linkedDevices = (n: TestNode) => n.node.listDevices().filter((d) => d.linked).map((d) => d.name).sort();

describe("devices", () => {
  test("a joined device has its own key and the same peer id; both devices link; bob (who pinned alice before) reaches the server while the laptop is stopped, once", async () => {
    await using laptop = await startNode("alice");
    await using bob = await startNode("bob");
    await laptop.node.book.add("bob", bob.address, { id: bob.node.peerId });
    await bob.node.book.add("alice", laptop.address, { id: laptop.node.peerId });

    const { text } = laptop.node.addDevice({ name: "server" });
    await using server = await startNode("alice", { join: text });
    await laptop.until((e) => e.type === "device" && e.change === "joined", "the join");

    // Its own key, the same identity.
    expect(readFileSync(join(server.home, "key.pem"), "utf8")).not.toBe(readFileSync(join(laptop.home, "key.pem"), "utf8"));
    expect(server.node.peerId).toBe(laptop.node.peerId);
    expect(server.node.opts.local.identity.deviceId).not.toBe(laptop.node.peerId);
    expect(server.node.opts.local.identity.identityKeyPem).toBeNull(); // not an admin

    // The two devices link to each other, each knowing the other by name.
    const laptopName = laptop.node.listDevices().find((d) => d.self)!.name;
    await eventually(() => linkedDevices(laptop).join() === "server", "the laptop linked to the server");
    await eventually(() => linkedDevices(server).join() === laptopName, "the server linked to the laptop");

    // Bob hears of the server from the laptop (a roster), then the laptop stops.
    await bob.node.send("alice", "hello laptop");
    await eventually(async () => (await inbox(laptop)).join() === "hello laptop", "bob's message on the laptop");
    await eventually(async () => (await bob.node.opts.store.peerDevices()).some((d) => d.name === "server"), "bob hears of the server");
    expect(bob.node.contacts.byName("alice")!.addresses.map((x) => `${x.host}:${x.port}`)).toContain(server.address);
    await eventually(async () => (await inbox(server, "bob")).join() === "hello laptop", "device sync brought bob and his message to the server");
    await laptop.node.stop();

    const { id } = await bob.node.send("alice", "while the laptop sleeps");
    await eventually(async () => (await statusOf(bob, id)) === "delivered", "delivered to the server");
    // Bob is the server's contact too (device sync brought him): his message is in their conversation, once.
    expect(await server.node.book.requests()).toEqual([]);
    expect(await inbox(server, "bob")).toEqual(["hello laptop", "while the laptop sleeps"]);

    // The laptop comes back: the two devices link again and the laptop catches up; nothing is delivered twice.
    await laptop.restart();
    await eventually(() => linkedDevices(laptop).join() === "server", "the laptop linked to the server again");
    await eventually(async () => (await inbox(laptop)).length === 2, "the laptop caught up");
    expect(await inbox(laptop)).toEqual(["hello laptop", "while the laptop sleeps"]);

    // Revoked from the laptop: the server is refused by bob, who hears it from the laptop.
    const revoked = await laptop.node.revokeDevice("server");
    expect(revoked.name).toBe("server");
    await eventually(async () => (await bob.node.opts.store.peerDevices()).some((d) => d.name === "server" && d.revokedAt !== null), "bob hears of the revocation");
    await eventually(() => !server.node.peers.adopted.has(laptop.node.peerId) && bob.node.peers.linksOf(laptop.node.peerId).every((l) => l.deviceId !== server.node.opts.local.identity.deviceId), "the server unlinked");
    expect(laptop.node.listDevices().find((d) => d.name === "server")?.revokedAt).toBeNumber();
    // What bob heard of the server's addresses is forgotten with it: his node does not dial a revoked device.
    await eventually(() => !bob.node.contacts.byName("alice")!.addresses.some((x) => `127.0.0.1:${x.port}` === server.address), "bob forgets the server's address");
    await laptop.node.stop();
    const next = await bob.node.send("alice", "not for a revoked device");
    // The server dials bob itself now (bob is its contact): bob refuses it as a changed identity.
    server.node.peers.dial(server.node.contacts.byName("bob")!);
    await eventually(async () => Boolean((await server.node.opts.store.findContact("bob"))?.addresses.some((a) => a.lastError)), "the server's dial refused");
    expect(bob.node.peers.linksOf(laptop.node.peerId)).toEqual([]);
    expect(await statusOf(bob, next.id)).toBe("pending");
  });

  test("both devices linked to bob at once: two links that do not fight, each of bob's messages delivered once, then held by both devices once", async () => {
    await using laptop = await startNode("alice");
    await using bob = await startNode("bob");
    await laptop.node.book.add("bob", bob.address, { id: bob.node.peerId });
    await bob.node.book.add("alice", laptop.address, { id: laptop.node.peerId });
    await using server = await startNode("alice", { join: laptop.node.addDevice({ name: "server" }).text });
    // Device sync tells the server of bob; it dials him: bob has a link to each of alice's devices.
    await eventually(() => server.node.contacts.byName("bob") !== undefined, "device sync brought bob to the server");
    server.node.peers.dial(server.node.contacts.byName("bob")!);
    await bob.node.send("alice", "first");
    await eventually(() => bob.node.peers.linksOf(laptop.node.peerId).length === 2, "bob linked to both devices");
    const devices = () => bob.node.peers.linksOf(laptop.node.peerId).map((l) => l.deviceId).sort();
    const before = devices();

    const ids = await bob.node.sendMany("alice", Array.from({ length: 50 }, (_, i) => `m${i}`));
    await eventually(async () => [...(await bob.node.statusOf(ids)).values()].every((s) => s === "delivered"), "all 50 delivered");
    // Each message reached one device, and device sync puts it on the other: both hold each once.
    const want = Array.from({ length: 50 }, (_, i) => `m${i}`).sort();
    const got = async (n: TestNode) => (await inbox(n, "bob")).filter((t) => t.startsWith("m")).sort();
    await eventually(async () => (await got(laptop)).length >= 50 && (await got(server)).length >= 50, "both devices hold all 50");
    expect({ laptop: await got(laptop), server: await got(server) }).toEqual({ laptop: want, server: want });
    // The same two links throughout: neither device took the other's.
    expect(devices()).toEqual(before);
    expect(bob.events.filter((e) => e.type === "link" && !e.up)).toEqual([]);
    // Bob's status says which computer each of alice's two links goes to, not the same line twice.
    const labels = (await bob.node.status()).links.filter((l) => l.peer === "alice").map((l) => l.device);
    expect(labels).toHaveLength(2);
    expect(labels.every((d) => typeof d === "string" && d.length > 0)).toBe(true);
    expect(new Set(labels).size).toBe(2);
  });

  test("a stranger's link made a contact's carries the outbox: one link per device, found by its peer", async () => {
    await using alice = await startNode("alice");
    await using bob = await startNode("bob");
    await alice.node.book.add("bob", bob.address, { id: bob.node.peerId });
    await alice.node.send("bob", "knock knock");
    await eventually(() => bob.node.peers.linksOf(alice.node.peerId).length === 1, "alice's link up at bob's, a request's");
    const [link] = bob.node.peers.linksOf(alice.node.peerId);
    expect(link?.ctx.request?.peerId).toBe(alice.node.peerId);
    // Bob adds alice while her link is up as a request's: that link becomes the contact's, with bob's outbox on it.
    await bob.node.book.add("alice", alice.address, { id: alice.node.peerId });
    expect({ contact: link?.ctx.contact?.name, secondary: link?.ctx.secondary, outbox: Boolean(link?.ctx.outbox) }).toEqual({ contact: "alice", secondary: false, outbox: true });
    const { id } = await bob.node.send("alice", "who's there");
    await eventually(async () => (await statusOf(bob, id)) === "delivered", "bob's message delivered");
  });
});
