// Who a device is, as a contact sees it: a certificate whose proof the
// identity did not sign, or one signed by another identity, is not alice; a
// spent or expired join line makes no device; a peer that knows nothing of
// devices keeps talking to alice's first device as before. Real nodes and
// raw TLS peers on loopback.
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { encodeFrame, encodeMessages } from "../../src/protocol/codec.ts";
import { peerIdFromCertificate } from "../../src/protocol/peer-id.ts";
import { certSpki, makeDeviceProof } from "../../src/transport/device-proof.ts";
import { newKeyPair, selfSigned, type Identity } from "../../src/transport/identity.ts";
import { joinDevice } from "../../src/node/devices/join-device.ts";
import { loadConfig } from "../../src/home/home.ts";
import { openStore, parseDbUrl } from "../../src/store/open.ts";
import { startNode, type TestNode } from "../helpers/nodes.ts";
import { newIdentity, rawPeer } from "../helpers/raw-peer.ts";
import { tempDir } from "../helpers/tmp.ts";
import { eventually } from "../helpers/wait.ts";

setDefaultTimeout(60_000);

const hello = (name: string, caps: string[] = ["ack-batch"]) => encodeFrame({ type: "hello", version: 1, name, port: 0, caps, session: crypto.randomUUID() });
const portOf = (n: TestNode) => n.node.listening!.port;

/** A key of its own, and a certificate carrying a proof that `signer` made claiming `identity`. */
async function deviceWith(identity: Identity, signer: Identity): Promise<Identity> {
  const keys = await newKeyPair();
  const temp = await selfSigned(keys, "mallory");
  const proof = makeDeviceProof({ certDer: identity.identityDer, keyPem: signer.keyPem }, certSpki(temp.der)!, "laptop", false);
  const cert = await selfSigned(keys, "mallory", proof);
  const id = peerIdFromCertificate(cert.der);
  return { keyPem: cert.keyPem, certPem: cert.certPem, peerId: id, deviceId: id, identityDer: cert.der, identityKeyPem: null };
}

describe("a device is its identity only by the identity's own proof", () => {
  test("a proof the identity did not sign is refused in the handshake; one signed by another identity is that identity, a stranger: bob's message for alice goes to neither", async () => {
    await using bob = await startNode("bob");
    await using alice = await startNode("alice");
    const aliceId = alice.node.opts.local.identity;
    await bob.node.book.add("alice", alice.address, { id: alice.node.peerId });
    await alice.node.stop(); // alice is away: bob's message waits for her
    await bob.node.send("alice", "for alice only");

    // Self-made: alice's identity certificate, mallory's signature.
    const forged = await deviceWith(aliceId, await newIdentity("mallory"));
    await using p1 = await rawPeer(portOf(bob), { tls: forged });
    p1.write(hello("alice"));
    await p1.closed;
    expect(p1.frames).toEqual([]); // not even a hello: refused before anything is said

    // A real proof, from carol's identity: this is a device of carol, a stranger to bob.
    const carol = await newIdentity("carol");
    const carols = await deviceWith(carol, carol);
    await using p2 = await rawPeer(portOf(bob), { tls: carols });
    p2.write(hello("alice"));
    await eventually(async () => (await bob.node.book.requests()).length === 1, "carol's device knocks as a request");
    expect((await bob.node.book.requests()).map((r) => r.peerId)).toEqual([carol.peerId]);
    expect(p2.frames.filter((f) => f.type === "message")).toEqual([]);
  });

  test("a spent, expired or damaged join line makes no device", async () => {
    await using alice = await startNode("alice");
    await using a = await tempDir();
    await using b = await tempDir();
    const { text } = alice.node.addDevice({ name: "server" });
    // A home that has an identity is refused before the line is spent.
    await using bob = await startNode("bob");
    const taken = await joinDevice({ line: text, home: bob.home }).catch((e) => e);
    expect(taken.code).toBe("ALREADY_INITIALIZED");
    // The database given (--db) is the home's from then on, as init's is, and holds the device rows.
    const db = `sqlite:${b.path}/elsewhere.db`;
    await joinDevice({ line: text, home: a.path, host: "127.0.0.1", db });
    expect(loadConfig(a.path).db).toBe(db);
    const store = await openStore(parseDbUrl(db));
    expect((await store.ownDevices()).map((d) => d.name).sort()).toEqual([alice.node.listDevices().find((d) => d.self)!.name, "server"].sort());
    await store.close();
    const replayed = await joinDevice({ line: text, home: b.path }).catch((e) => e);
    expect({ code: replayed.code, message: replayed.message }).toEqual({ code: "JOIN_FAILED", message: expect.stringContaining("was used already") });

    // Expired: the line says so (refused here), and the device that made it says so too (when this clock is wrong).
    const made = Date.now() - 11 * 60_000;
    const old = alice.node.deviceJoins.create({ name: "late" }, made);
    const local = await joinDevice({ line: old.text, home: b.path }).catch((e) => e);
    expect({ code: local.code, expired: /expired/.test(local.message) }).toEqual({ code: "BAD_DEVICE_LINE", expired: true });
    const remote = await joinDevice({ line: old.text, home: b.path, now: made }).catch((e) => e);
    expect({ code: remote.code, expired: /expired/.test(remote.message) }).toEqual({ code: "JOIN_FAILED", expired: true });

    const damaged = await joinDevice({ line: text.slice(0, 30) + "x" + text.slice(31), home: b.path }).catch((e) => e);
    expect(damaged.code).toBe("BAD_DEVICE_LINE");
    // Nothing was written where a join failed.
    expect(await Bun.file(`${b.path}/key.pem`).exists()).toBe(false);
  });

  test("an admin device holds the identity key and adds a device of its own; a device that is not one may not", async () => {
    await using alice = await startNode("alice");
    await using second = await startNode("alice", { join: alice.node.addDevice({ name: "desktop", admin: true }).text });
    await using server = await startNode("alice", { join: alice.node.addDevice({ name: "server" }).text });
    expect(second.node.opts.local.identity.identityKeyPem).toBe(alice.node.opts.local.identity.keyPem);
    const notAdmin = (() => {
      try {
        return server.node.addDevice({ name: "x" });
      } catch (e) {
        return e as { code: string };
      }
    })();
    expect(notAdmin).toMatchObject({ code: "NOT_ADMIN" });
    expect(await server.node.revokeDevice("desktop").catch((e) => e.code)).toBe("NOT_ADMIN");

    // The admin's line makes a third device of the same identity.
    await using third = await startNode("alice", { join: second.node.addDevice({ name: "phone" }).text });
    expect(third.node.peerId).toBe(alice.node.peerId);
    await eventually(() => alice.node.listDevices().some((d) => d.name === "phone" && d.linked), "the first device links to the third");
    expect(alice.node.listDevices().map((d) => d.name).sort()).toEqual([alice.node.listDevices().find((d) => d.self)!.name, "desktop", "phone", "server"].sort());
  });

  test("a peer that knows nothing of devices talks to alice's first device as before, and hears no device frame", async () => {
    await using alice = await startNode("alice");
    const { text } = alice.node.addDevice({ name: "server" });
    await using server = await startNode("alice", { join: text });
    await eventually(() => alice.node.listDevices().some((d) => d.name === "server" && d.linked), "the devices linked");
    const old = await newIdentity("old");
    await alice.node.book.add("old", "127.0.0.1:1", { id: old.peerId });
    await using p = await rawPeer(portOf(alice), { tls: old });
    p.write(hello("old"));
    const id = Bun.randomUUIDv7();
    p.write(encodeMessages([{ id, created: Date.now(), body: "hi from an old p2pchat" }]));
    await eventually(() => p.frames.some((f) => f.type === "ack" && f.ids.includes(id)), "alice acks");
    expect(p.frames.filter((f) => f.type.startsWith("device-"))).toEqual([]);
    expect((await alice.node.session.history({ peer: "old", limit: 5 })).map((e) => e.text)).toEqual(["hi from an old p2pchat"]);
    void server;
  });
});
