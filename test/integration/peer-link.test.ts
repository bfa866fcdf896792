// The peer link: TLS 1.3 with pinned ids, trust on first use, unknown peers,
// and a node that survives peers sending garbage or nothing at all.
import { describe, expect, test, setDefaultTimeout } from "bun:test";
import { connect as tcpConnect } from "node:net";
import { encodeFrame, encodeMessages } from "../../src/protocol/codec.ts";
import type { NodeEvent } from "../../src/node/node-events.ts";
import { befriend, eventually, startNode, type TestNode } from "../helpers/nodes.ts";
import { newIdentity, rawPeer } from "../helpers/raw-peer.ts";

// Processes and TLS links take time on a loaded machine (bun applies a
// preload's default timeout to the first file only, so each file sets it).
setDefaultTimeout(60_000);

const HELLO = (name: string) => encodeFrame({ type: "hello", version: 1, name, port: 0, caps: [], session: crypto.randomUUID() });
const portOf = (n: TestNode) => n.node.listening!.port;

async function delivered(from: TestNode, to: string, text: string): Promise<void> {
  const { id } = await from.node.send(to, text);
  await eventually(async () => (await from.node.statusOf([id])).get(id) === "delivered", `"${text}" delivered to ${to}`);
}

describe("identity", () => {
  test("a contact pinned to one id refuses a peer with another certificate at its address, loudly", async () => {
    await using alice = await startNode("alice");
    const bob = await startNode("bob");
    const bobId = bob.node.peerId;
    const port = portOf(bob);
    await befriend(alice, bob);
    await bob[Symbol.asyncDispose]();
    // Mallory takes over bob's address.
    await using mallory = await startNode("mallory", { port });
    expect(mallory.node.peerId).not.toBe(bobId);
    const { id } = await alice.node.send("bob", "for bob's eyes only");
    const warning = await alice.until((e) => e.type === "warning", "identity warning");
    const text = (warning as { text: string }).text;
    expect(text).toContain("IDENTITY MISMATCH for bob");
    expect(text).toContain(bobId);
    expect(text).toContain(mallory.node.peerId);
    expect(text).toContain(`p2pchat contacts pin bob ${mallory.node.peerId}`);
    // A refusal, not only a warning: the next message is written and a dial
    // made after it is refused too (a warning that let the link through would
    // re-pin bob to mallory and deliver it to her).
    const before = Date.now();
    const next = await alice.node.send("bob", "and this one too");
    const bobState = async () => (await alice.node.status()).contacts.find((c) => c.name === "bob")!;
    const pinnedTo = async () => (await alice.node.book.list()).find((c) => c.name === "bob")?.peerId;
    // (Or whatever a broken refusal does first: re-pin, deliver.)
    const settled = async () => ((await bobState()).lastErrorAt ?? 0) > before || (await pinnedTo()) !== bobId || (await alice.node.statusOf([next.id])).get(next.id) !== "pending";
    await eventually(settled, "a dial after the next message, refused");
    expect(await bobState()).toMatchObject({ state: "identity changed", mismatch: { expected: bobId, got: mallory.node.peerId } });
    expect((await alice.node.book.list()).map((c) => [c.name, c.peerId])).toEqual([["bob", bobId]]);
    expect(await alice.node.statusOf([id, next.id])).toEqual(new Map([[id, "pending"], [next.id, "pending"]]));
    // The impostor heard nothing: no message, and not even a request (the pin is checked before our hello).
    expect(await mallory.node.session.history({ limit: 10 })).toEqual([]);
    expect(await mallory.node.book.requests()).toEqual([]);
    expect(mallory.events.filter((e) => e.type === "message" || e.type === "request")).toEqual([]);
  });

  test("trust on first use: an unpinned contact is pinned on first contact, then held to it", async () => {
    await using alice = await startNode("alice");
    const bob = await startNode("bob");
    const port = portOf(bob);
    await alice.node.book.add("bob", bob.address); // no --id
    expect((await alice.node.book.list())[0]!.peerId).toBeNull();
    await delivered(alice, "bob", "first contact");
    const pinned = (await alice.node.book.list())[0]!;
    expect(pinned.peerId).toBe(bob.node.peerId);
    expect(alice.events.some((e) => e.type === "contact" && e.how === "pinned" && e.name === "bob")).toBe(true);
    await bob[Symbol.asyncDispose]();
    await using mallory = await startNode("mallory", { port });
    await alice.node.send("bob", "second");
    const warning = (await alice.until((e) => e.type === "warning", "mismatch")) as { text: string };
    expect(warning.text).toContain(`pinned ${pinned.peerId}`);
    expect(warning.text).toContain(`presents ${mallory.node.peerId}`);
  });

  test("--contacts-only refuses a stranger outright (no request either); a contact is still welcome", async () => {
    await using carol = await startNode("carol");
    await using strict = await startNode("strict", { contactsOnly: true });
    await using refused = await rawPeer(portOf(strict), { tls: await newIdentity("eve") });
    refused.write(HELLO("eve"));
    await refused.closed;
    expect(refused.frames.map((f) => f.type)).toEqual(["hello", "error"]);
    expect(refused.frames[1]).toMatchObject({ type: "error", code: "UNKNOWN_PEER" });
    expect(await strict.node.book.list()).toEqual([]);
    expect(await strict.node.book.requests()).toEqual([]);
    // A contact is still welcome.
    await befriend(carol, strict);
    await delivered(carol, "strict", "I am a contact");
  });
});

describe("wire", () => {
  test("nothing a user wrote crosses the wire in plaintext", async () => {
    await using alice = await startNode("alice");
    await using bob = await startNode("bob");
    // A TCP relay between them records every byte.
    const seen: Buffer[] = [];
    const relay = Bun.listen<{ up: ReturnType<typeof tcpConnect> | null }>({
      hostname: "127.0.0.1",
      port: 0,
      socket: {
        open(s) {
          const up = tcpConnect(portOf(bob), "127.0.0.1");
          s.data = { up };
          up.on("data", (d: Buffer) => {
            seen.push(d);
            s.write(d);
          });
          up.on("close", () => s.end());
        },
        data(s, d) {
          seen.push(Buffer.from(d));
          s.data.up?.write(d);
        },
        close(s) {
          s.data.up?.end();
        },
      },
    });
    try {
      await alice.node.book.add("bob", `127.0.0.1:${relay.port}`, { id: bob.node.peerId });
      await delivered(alice, "bob", "the secret is swordfish-4217");
      const wire = Buffer.concat(seen);
      expect(wire.length).toBeGreaterThan(500);
      expect(wire.includes("swordfish")).toBe(false);
      expect(wire.includes("alice")).toBe(false);
    } finally {
      relay.stop(true);
    }
  });

  test("one node keeps chatting with an honest peer while others send garbage or nothing", async () => {
    const limits = { handshakeMs: 400, keepaliveMs: 100, idleTimeoutMs: 600 };
    await using bob = await startNode("bob", { limits });
    await using alice = await startNode("alice", { limits });
    await befriend(alice, bob);
    await delivered(alice, "bob", "before the attacks");
    const port = portOf(bob);
    const id = await newIdentity("mallory");

    // Plaintext: what the original program would send.
    await using plain = await rawPeer(port);
    plain.write("hello bob, are you there?\n");
    // Random bytes.
    await using noise = await rawPeer(port);
    noise.write(crypto.getRandomValues(new Uint8Array(4096)));
    // A frame announcing 16 MiB: refused from its length alone.
    await using huge = await rawPeer(port, { tls: id });
    huge.write(HELLO("mallory"));
    huge.write(Uint8Array.of(0x01, 0x00, 0x00, 0x00, 0x02));
    // Half a message frame, then silence.
    await using truncated = await rawPeer(port, { tls: await newIdentity("trudy") });
    truncated.write(HELLO("trudy"));
    truncated.write(encodeMessages([{ id: Bun.randomUUIDv7(), created: Date.now(), body: "never finished" }]).subarray(0, 20));
    // A message before any hello.
    await using early = await rawPeer(port, { tls: await newIdentity("eager") });
    early.write(encodeMessages([{ id: Bun.randomUUIDv7(), created: Date.now(), body: "no hello" }]));
    // Connects and says nothing, over TCP and over TLS.
    await using silent = await rawPeer(port);
    await using silentTls = await rawPeer(port, { tls: await newIdentity("quiet") });

    await delivered(alice, "bob", "during the attacks");
    for (const p of [plain, noise, huge, truncated, early, silent, silentTls]) await p.closed;
    expect(huge.frames.at(-1)).toMatchObject({ type: "error", code: "FRAME_TOO_LARGE" });
    expect(early.frames.at(-1)).toMatchObject({ type: "error", code: "NO_HELLO" });
    expect(truncated.frames.at(-1)).toMatchObject({ type: "error", code: "KEEPALIVE_TIMEOUT" });
    expect(silentTls.frames.map((f) => f.type)).toEqual(["hello", "error"]);
    expect(silentTls.frames[1]).toMatchObject({ code: "HANDSHAKE_TIMEOUT" });
    await delivered(alice, "bob", "after the attacks");

    const texts = (await bob.node.session.history({ limit: 20 })).map((e) => e.text);
    expect(texts).toEqual(["before the attacks", "during the attacks", "after the attacks"]);
    // The honest link never dropped: keep-alives carried it through the idle time.
    expect(bob.events.filter((e) => e.type === "link" && e.peer === "alice").map((e) => (e as { up: boolean }).up)).toEqual([true]);
  });
});

describe("links", () => {
  test("two nodes dialing each other at the same moment keep one link, the same on both sides", async () => {
    await using alice = await startNode("alice", { discoverable: false });
    await using bob = await startNode("bob", { discoverable: false });
    // Contacts need addresses: start listening first, then befriend, then dial both ways at once.
    await alice.node.setDiscoverable(true);
    await bob.node.setDiscoverable(true);
    await Promise.all([alice.node.book.add("bob", bob.address, { id: bob.node.peerId }), bob.node.book.add("alice", alice.address, { id: alice.node.peerId })]);
    await alice.until((e) => e.type === "link" && e.up, "alice link");
    await bob.until((e) => e.type === "link" && e.up, "bob link");
    await delivered(alice, "bob", "one link");
    await delivered(bob, "alice", "both ways");
    const [a, b] = [await alice.node.status(), await bob.node.status()];
    expect(a.links.length).toBe(1);
    expect(b.links.length).toBe(1);
    expect([a.links[0]!.direction, b.links[0]!.direction].sort()).toEqual(["in", "out"]);
    const ups = (n: TestNode) => n.events.filter((e): e is Extract<NodeEvent, { type: "link" }> => e.type === "link");
    // Whatever came and went, each side ended with exactly one link up.
    expect(ups(alice).filter((e) => e.up).length - ups(alice).filter((e) => !e.up).length).toBe(1);
    expect(ups(bob).filter((e) => e.up).length - ups(bob).filter((e) => !e.up).length).toBe(1);
  });
});
