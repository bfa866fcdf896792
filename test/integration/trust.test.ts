// Messages follow identities, and strangers knock before they enter: the
// trust issue's transcripts turned into assertions, on real nodes over TLS
// on loopback with real SQLite files.
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { encodeFrame, encodeMessages } from "../../src/protocol/codec.ts";
import { MAX_OPEN_REQUESTS, MAX_REQUEST_MESSAGES } from "../../src/node/engine/peer-requests.ts";
import { SHUTDOWN_REASON } from "../../src/transport/transport.ts";
import { befriend, eventually, startNode, type TestNode } from "../helpers/nodes.ts";
import { newIdentity, rawPeer } from "../helpers/raw-peer.ts";

setDefaultTimeout(60_000);

const hello = (name: string, port = 0) => encodeFrame({ type: "hello", version: 1, name, port, caps: [], session: crypto.randomUUID() });
const portOf = (n: TestNode) => n.node.listening!.port;
const statusOf = async (n: TestNode, id: string) => (await n.node.statusOf([id])).get(id);

async function inbox(n: TestNode, peer?: string): Promise<string[]> {
  return (await n.node.session.history({ peer, limit: 100 })).filter((e) => e.direction === "in").map((e) => `${e.peer}: ${e.text}`);
}

describe("a message belongs to an identity", () => {
  test("a pending message never follows a name to a stranger: rm refuses, --drop-pending cancels, the re-added name gets nothing", async () => {
    await using alice = await startNode("alice");
    const zed = await startNode("zed");
    const zedId = zed.node.peerId;
    await alice.node.book.add("zed", zed.address, { id: zedId });
    await zed[Symbol.asyncDispose](); // zed is offline
    const { id } = await alice.node.send("zed", "secret for zed only");
    expect(await statusOf(alice, id)).toBe("pending");

    const refused = await alice.node.book.remove("zed").catch((e) => e);
    expect(refused.code).toBe("HAS_PENDING");
    expect(refused.message).toContain("1 message to zed is not delivered yet");
    expect((await alice.node.book.list()).map((c) => c.name)).toEqual(["zed"]);

    expect(await alice.node.book.remove("zed", { dropPending: true })).toEqual({ cancelled: 1 });
    expect(await statusOf(alice, id)).toBe("cancelled");

    // Another node answers at a new address for the name zed (no id given).
    await using other = await startNode("other");
    await alice.node.book.add("zed", other.address);
    await alice.until((e) => e.type === "contact" && e.how === "pinned" && e.name === "zed", "zed pinned to the other node");
    const hi = await alice.node.send("zed", "hello new zed");
    await eventually(async () => (await statusOf(alice, hi.id)) === "delivered", "the new message delivered");
    // alice is a stranger to that node: what reached it waits as her request. Only the new message.
    await other.node.book.acceptRequest(alice.node.peerId);
    expect(await inbox(other)).toEqual(["alice: hello new zed"]);
    expect(await statusOf(alice, id)).toBe("cancelled");
    expect((await alice.node.status()).pending).toEqual([]);
  });

  test("re-pinning refuses while messages to the old identity wait; --drop-pending withdraws them, --move-pending sends them to the new one", async () => {
    await using alice = await startNode("alice");
    const bob = await startNode("bob");
    await alice.node.book.add("bob", bob.address, { id: bob.node.peerId });
    await bob[Symbol.asyncDispose](); // bob is offline; someone else will answer as him
    const first = await alice.node.send("bob", "for the old bob only");
    await using newBob = await startNode("bob");

    const refused = await alice.node.book.pin("bob", newBob.node.peerId).catch((e) => e);
    expect(refused.code).toBe("HAS_PENDING");
    expect(refused.message).toContain(`1 message written to bob's old identity ${bob.node.peerId} is not delivered: add --move-pending`);
    expect((await alice.node.book.list())[0]!.peerId).toBe(bob.node.peerId); // nothing changed

    const dropped = await alice.node.book.pin("bob", newBob.node.peerId, { pending: "drop" });
    expect([dropped.moved, dropped.cancelled]).toEqual([0, 1]);
    expect(await statusOf(alice, first.id)).toBe("cancelled");

    // Back to the old identity with a message for the new one waiting: moved this time.
    await alice.node.book.set("bob", { address: "127.0.0.1:9" }); // neither answers there now
    const second = await alice.node.send("bob", "for whoever bob is now");
    const moved = await alice.node.book.pin("bob", bob.node.peerId, { pending: "move" });
    expect([moved.moved, moved.cancelled]).toEqual([1, 0]);
    await alice.node.book.pin("bob", newBob.node.peerId, { pending: "move" });
    await alice.node.book.set("bob", { address: newBob.address });
    await eventually(async () => (await statusOf(alice, second.id)) === "delivered", "the moved message delivered to the new bob");
    await newBob.node.book.acceptRequest(alice.node.peerId);
    expect(await inbox(newBob)).toEqual(["alice: for whoever bob is now"]);
  });

  test("written before the pin, a message goes to the first identity the contact pins, and to no other after", async () => {
    await using alice = await startNode("alice");
    await using bob = await startNode("bob");
    const port = portOf(bob);
    await bob.node.stop();
    await alice.node.book.add("bob", `127.0.0.1:${port}`); // no id: pinned on first contact
    const { id } = await alice.node.send("bob", "first words");
    await bob.restart({ port });
    await eventually(async () => (await statusOf(alice, id)) === "delivered", "delivered to the first identity");
    expect((await alice.node.book.list())[0]!.peerId).toBe(bob.node.peerId);
    await bob.node.book.acceptRequest(alice.node.peerId);
    expect(await inbox(bob)).toEqual(["alice: first words"]);
    // Another certificate at that address gets nothing more.
    await bob.node.stop();
    await using mallory = await startNode("mallory", { port });
    const next = await alice.node.send("bob", "second words");
    await alice.until((e) => e.type === "warning" && e.text.includes("IDENTITY MISMATCH"), "mismatch");
    expect(await statusOf(alice, next.id)).toBe("pending");
    expect(await mallory.node.book.requests()).toEqual([]);
  });

  test("renaming keeps history and undelivered messages with the same identity", async () => {
    await using alice = await startNode("alice");
    const bob = await startNode("bob");
    await befriend(alice, bob);
    const port = portOf(bob);
    const first = await alice.node.send("bob", "before the rename");
    await eventually(async () => (await statusOf(alice, first.id)) === "delivered", "delivered");
    await bob.node.stop();
    const later = await alice.node.send("bob", "while bob is away");
    await alice.node.book.set("bob", { rename: "robert" });
    expect((await alice.node.book.list()).map((c) => c.name)).toEqual(["robert"]);
    expect((await alice.node.session.history({ peer: "robert", limit: 10 })).map((e) => e.text)).toEqual(["before the rename", "while bob is away"]);
    await bob.restart({ port });
    await eventually(async () => (await statusOf(alice, later.id)) === "delivered", "the waiting message delivered after the rename");
    await bob[Symbol.asyncDispose]();
  });
});

describe("strangers are requests", () => {
  test("a stranger announcing a contact's name is a request, shown nowhere as a conversation, until accepted; then in order, each once", async () => {
    await using carol = await startNode("carol");
    await carol.node.book.add("alice", "127.0.0.1:9"); // the real alice, not reachable now
    const stranger = await newIdentity("alice");
    await using peer = await rawPeer(portOf(carol), { tls: stranger });
    peer.write(hello("alice"));
    const req = await carol.until((e) => e.type === "request", "a request");
    expect(req).toMatchObject({ type: "request", peerId: stranger.peerId, name: "alice", imitates: "alice" });
    const ids = [Bun.randomUUIDv7(), Bun.randomUUIDv7(), Bun.randomUUIDv7()];
    const texts = ["hi it's alice, new number", "please send me your password", "thanks"];
    peer.write(encodeMessages(ids.map((id, i) => ({ id, created: Date.now(), body: texts[i]! }))));
    // Stored and acked: nothing is lost...
    await eventually(() => peer.frames.some((f) => f.type === "ack" && f.ids.length > 0) && peer.frames.flatMap((f) => (f.type === "ack" ? f.ids : [])).length === 3, "acks");
    // ...but shown nowhere: not a contact, not a conversation, no message event.
    expect((await carol.node.book.list()).map((c) => [c.name, c.peerId])).toEqual([["alice", null]]);
    expect(await carol.node.session.history({ limit: 50 })).toEqual([]);
    expect(carol.events.filter((e) => e.type === "message")).toEqual([]);
    const [r] = await carol.node.book.requests();
    expect(r).toMatchObject({ peerId: stranger.peerId, name: "alice", waiting: 3, blocked: false });

    // The same message again is acked and not stored twice.
    peer.write(encodeMessages([{ id: ids[0]!, created: Date.now(), body: texts[0]! }]));
    await eventually(() => peer.frames.flatMap((f) => (f.type === "ack" ? f.ids : [])).length === 4, "the duplicate acked");
    expect((await carol.node.book.requests())[0]!.waiting).toBe(3);

    const accepted = await carol.node.book.acceptRequest(stranger.peerId.slice(0, 7));
    expect(accepted).toMatchObject({ moved: 3, announced: "alice" });
    expect(accepted.contact.name).toBe("alice-2");
    expect(await inbox(carol)).toEqual(texts.map((t) => `alice-2: ${t}`));
    expect(await inbox(carol, "alice")).toEqual([]);
    expect(await carol.node.book.requests()).toEqual([]);
    // From now on it is a contact: a new message shows as alice-2's.
    peer.write(encodeMessages([{ id: Bun.randomUUIDv7(), created: Date.now(), body: "now a contact" }]));
    const msg = await carol.until((e) => e.type === "message", "a message event");
    expect(msg).toMatchObject({ type: "message", entry: { peer: "alice-2", text: "now a contact" } });
  });

  test("a token is answered (admitted, used up, unknown) only to a peer whose hello asks for it with the invite-answer cap", async () => {
    await using alice = await startNode("alice");
    const { invite } = await alice.node.hints.createInvite({ uses: 1, expiresMs: 60_000 });
    // What alice sends a knocking peer, up to her ack of the message it sent right after its hello:
    // she decides on the hello (and answers its token) before she takes any message on that link.
    const knock = async (token: string, caps: string[]) => {
      const id = await newIdentity("bob");
      await using p = await rawPeer(portOf(alice), { tls: id });
      const after = Bun.randomUUIDv7();
      p.write(encodeFrame({ type: "hello", version: 1, name: "bob", port: 0, caps, session: crypto.randomUUID(), invite: token }));
      p.write(encodeMessages([{ id: after, created: Date.now(), body: "after my hello" }]));
      await eventually(() => p.frames.some((f) => f.type === "ack"), "alice's ack");
      return p.frames.map((f) => (f.type === "ack" ? { type: "ack", ids: f.ids.map((x) => (x === after ? "mine" : x)) } : f.type === "hello" ? { type: "hello" } : f));
    };
    const answered = (answer: string) => [{ type: "hello" }, { type: "invite-answer", answer }, { type: "ack", ids: ["mine"] }];
    expect(await knock(invite.token, ["invite-answer"])).toEqual(answered("admitted"));
    expect(await knock(invite.token, ["invite-answer"])).toEqual(answered("used up"));
    expect(await knock("no-such-token", ["invite-answer"])).toEqual(answered("unknown"));
    // An older peer is sent no frame it cannot read.
    expect(await knock("no-such-token", [])).toEqual([{ type: "hello" }, { type: "ack", ids: ["mine"] }]);
  });

  test("a name that only looks like a contact's (Cyrillic а, capitals, I for l) is accepted as that contact's name numbered, never a second look-alike", async () => {
    await using carol = await startNode("bob");
    await carol.node.book.add("carol", "127.0.0.1:9");
    const got: string[] = [];
    // Cyrillic а, capitals, I for l; then what QA found passing: small capital ᴏ, Cyrillic г, Latin alpha ɑ, small capital ʀ, Cherokee Ꮯ, Armenian օ.
    const names = ["c\u0430rol", "CAROL", "caroI", "car\u1d0fl", "ca\u0433ol", "c\u0251rol", "ca\u0280ol", "\u13dfarol", "car\u0585l"];
    for (const name of names) {
      const stranger = await newIdentity(name);
      await using peer = await rawPeer(portOf(carol), { tls: stranger });
      peer.write(hello(name));
      const req = await carol.until((e) => e.type === "request" && e.peerId === stranger.peerId, `a request from ${name}`);
      expect(req).toMatchObject({ name, imitates: "carol" });
      const accepted = await carol.node.book.acceptRequest(stranger.peerId);
      got.push(accepted.contact.name);
    }
    const numbered = names.map((_, i) => `carol-${i + 2}`);
    expect(got).toEqual(numbered);
    expect((await carol.node.book.list()).map((c) => c.name).sort()).toEqual(["carol", ...numbered].sort());
  });

  test("with contacts that look like each other (carol, CAROL), a stranger is numbered after the closest: 'carol' makes carol-2, never CAROL-2", async () => {
    await using bob = await startNode("bob");
    await bob.node.book.add("CAROL", "127.0.0.1:9");
    await bob.node.book.add("carol", "127.0.0.2:9");
    const got: [string, string, string][] = [];
    for (const name of ["carol", "CAROL", "Carol", "c\u0430rol"]) {
      const stranger = await newIdentity(name);
      await using peer = await rawPeer(portOf(bob), { tls: stranger });
      peer.write(hello(name));
      const req = await bob.until((e) => e.type === "request" && e.peerId === stranger.peerId, `a request from ${name}`);
      const accepted = await bob.node.book.acceptRequest(stranger.peerId);
      got.push([name, req.type === "request" ? String(req.imitates) : "", accepted.contact.name]);
    }
    // The same name first, then the same letters in another case, then a look-alike; the fewest letters changed among them.
    // carol-3 is skipped for looking like CAROL-3.
    expect(got).toEqual([
      ["carol", "carol", "carol-2"],
      ["CAROL", "CAROL", "CAROL-3"],
      ["Carol", "carol", "carol-4"],
      ["c\u0430rol", "carol", "carol-5"],
    ]);
  });

  test("an impostor dialing from a contact's address and claiming its port is a request, never the contact (TOFU only on links we dial)", async () => {
    await using alice = await startNode("alice");
    await using carol = await startNode("carol", { discoverable: false });
    // alice knows carol without an id, at carol's address.
    await carol.node.setDiscoverable(true);
    const carolPort = portOf(carol);
    await carol.node.setDiscoverable(false);
    await alice.node.book.add("carol", `127.0.0.1:${carolPort}`);
    const note = await alice.node.send("carol", "private note for carol");
    // mallory connects from 127.0.0.1 claiming carol's port.
    const mallory = await newIdentity("mallory");
    await using peer = await rawPeer(portOf(alice), { tls: mallory });
    peer.write(hello("mallory", carolPort));
    await alice.until((e) => e.type === "request", "mallory knocks");
    peer.write(encodeMessages([{ id: Bun.randomUUIDv7(), created: Date.now(), body: "this is carol, honest" }]));
    await eventually(() => peer.frames.some((f) => f.type === "ack"), "mallory's message acked (kept with its request)");
    expect(peer.frames.filter((f) => f.type === "message")).toEqual([]);
    expect((await alice.node.book.list())[0]!.peerId).toBeNull();
    expect(await inbox(alice, "carol")).toEqual([]);
    // The real carol comes online: alice dials her, pins her, delivers.
    await carol.node.setDiscoverable(true);
    await alice.node.book.set("carol", { address: carol.address });
    await eventually(async () => (await statusOf(alice, note.id)) === "delivered", "delivered to the real carol");
    expect((await alice.node.book.list())[0]!.peerId).toBe(carol.node.peerId);
    // carol does not know alice: it waits with alice's request on carol's side.
    expect((await carol.node.book.requests()).map((r) => [r.peerId, r.waiting])).toEqual([[alice.node.peerId, 1]]);
    expect(peer.frames.filter((f) => f.type === "message")).toEqual([]);
  });

  test(`a request stores up to ${MAX_REQUEST_MESSAGES} messages whatever the batches: what fits is stored and acked, then REQUESTS_FULL`, async () => {
    await using bob = await startNode("bob");
    const eve = await newIdentity("eve");
    await using p = await rawPeer(portOf(bob), { tls: eve });
    p.write(hello("eve"));
    await bob.until((e) => e.type === "request", "eve knocks");
    const ids = Array.from({ length: MAX_REQUEST_MESSAGES + 200 }, () => Bun.randomUUIDv7());
    const acked = () => p.frames.flatMap((f) => (f.type === "ack" ? f.ids : []));
    // 700 first, then 500 at once: 300 of those fit.
    p.write(encodeMessages(ids.slice(0, 700).map((id, i) => ({ id, created: Date.now(), body: `m${i}` }))));
    await eventually(() => acked().length === 700, "the first 700 acked");
    p.write(encodeMessages(ids.slice(700).map((id, i) => ({ id, created: Date.now(), body: `m${700 + i}` }))));
    await p.closed;
    expect(acked()).toEqual(ids.slice(0, MAX_REQUEST_MESSAGES));
    expect(p.frames.at(-1)).toMatchObject({ type: "error", code: "REQUESTS_FULL" });
    expect((await bob.node.book.requests())[0]!.waiting).toBe(MAX_REQUEST_MESSAGES);
  });

  test(`at most ${MAX_OPEN_REQUESTS} open requests: 250 fresh identities make no contact, and the rest are refused`, async () => {
    await using bob = await startNode("bob");
    const identities = await Promise.all(Array.from({ length: 250 }, (_, i) => newIdentity(`flood${i}`)));
    const codes: string[] = [];
    const knock = async (id: (typeof identities)[number]) => {
      await using p = await rawPeer(portOf(bob), { tls: id });
      p.write(hello(`flood-${id.peerId.slice(0, 4)}`));
      // A message right after the hello: a request takes it (an ack) and stays; beyond the cap, an error and a close come instead.
      p.write(encodeMessages([{ id: Bun.randomUUIDv7(), created: Date.now(), body: "let me in" }]));
      await eventually(() => p.isClosed() || p.frames.some((f) => f.type === "ack"), "an ack or a close");
      const err = p.frames.find((f) => f.type === "error");
      codes.push(err && err.type === "error" ? err.code : p.frames.some((f) => f.type === "ack") ? "open" : "closed without a word");
    };
    for (let i = 0; i < identities.length; i += 25) await Promise.all(identities.slice(i, i + 25).map(knock));
    expect(codes.filter((c) => c === "open").length).toBe(MAX_OPEN_REQUESTS);
    expect(codes.filter((c) => c === "REQUESTS_FULL").length).toBe(250 - MAX_OPEN_REQUESTS);
    expect(await bob.node.book.list()).toEqual([]);
    expect((await bob.node.book.requests()).length).toBe(MAX_OPEN_REQUESTS);
    expect((await bob.node.status()).requests).toBe(MAX_OPEN_REQUESTS);
  });
});

describe("blocking is silent", () => {
  test("a blocked peer sees the same close as a node that stopped; its messages wait and flow after unblock", async () => {
    await using alice = await startNode("alice");
    await using bob = await startNode("bob");
    await using carol = await startNode("carol");
    await befriend(alice, bob);
    await befriend(alice, carol);
    await alice.until((e) => e.type === "link" && e.up && e.peer === "bob", "linked to bob");
    await alice.until((e) => e.type === "link" && e.up && e.peer === "carol", "linked to carol");
    await bob.node.book.setBlocked("alice", true);
    await carol.node.stop();
    const down = (peer: string) => alice.until((e) => e.type === "link" && !e.up && e.peer === peer, `${peer}'s link down`) as Promise<{ reason?: string }>;
    const [byBlock, byStop] = await Promise.all([down("bob"), down("carol")]);
    expect(byBlock.reason).toBe(byStop.reason);
    expect(byBlock.reason).toBe("they stopped their node");
    const sentAt = Date.now();
    const { id } = await alice.node.send("bob", "are you there?");
    // alice dials again: bob's node finishes TLS and closes as a stopping node closes its links.
    const bobState = async () => (await alice.node.status()).contacts.find((c) => c.name === "bob")!;
    await eventually(async () => ((await bobState()).lastErrorAt ?? 0) >= sentAt, "a new dial to bob refused");
    expect((await bobState()).lastError).toBe("they stopped their node");
    expect(await statusOf(alice, id)).toBe("pending");
    expect(await inbox(bob)).toEqual([]);
    await bob.node.book.setBlocked("alice", false);
    await eventually(async () => (await statusOf(alice, id)) === "delivered", "delivered after unblock");
  });

  test("a blocked request's id hears only what a stopping node says (hello, then SHUTDOWN; nothing about blocking); reject drops its messages", async () => {
    await using bob = await startNode("bob");
    const eve = await newIdentity("eve");
    {
      await using p = await rawPeer(portOf(bob), { tls: eve });
      p.write(hello("eve"));
      await bob.until((e) => e.type === "request", "eve knocks");
      await bob.node.book.blockRequest(eve.peerId);
      await p.closed;
    }
    await using again = await rawPeer(portOf(bob), { tls: eve });
    again.write(hello("eve"));
    await again.closed;
    // Our hello, then what a node that stops says: nothing about blocking.
    expect(again.frames).toEqual([expect.objectContaining({ type: "hello", name: "bob" }), { type: "error", code: "SHUTDOWN", reason: SHUTDOWN_REASON }]);
    expect((await bob.node.book.requests()).map((r) => [r.peerId, r.blocked])).toEqual([[eve.peerId, true]]);
  });
});

test("a request keeps at most 1,000 waiting messages: beyond, its link is refused and the rest stay with the sender", async () => {
  await using bob = await startNode("bob");
  const stranger = await newIdentity("chatty");
  await using p = await rawPeer(portOf(bob), { tls: stranger });
  p.write(hello("chatty"));
  await bob.until((e) => e.type === "request", "a request");
  const batch = (n: number) => encodeMessages(Array.from({ length: n }, (_, i) => ({ id: Bun.randomUUIDv7(), created: Date.now(), body: `m${i}` })));
  p.write(batch(1000));
  await eventually(() => p.frames.flatMap((f) => (f.type === "ack" ? f.ids : [])).length === 1000, "1,000 acked");
  p.write(batch(1));
  await p.closed;
  expect(p.frames.at(-1)).toMatchObject({ type: "error", code: "REQUESTS_FULL" });
  expect(p.frames.flatMap((f) => (f.type === "ack" ? f.ids : [])).length).toBe(1000);
  expect((await bob.node.book.requests())[0]!.waiting).toBe(1000);
});
