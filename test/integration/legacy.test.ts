// Peers still running the original plaintext program, played by stand-ins
// written here: raw TCP, no framing, no handshake, the original's habits.
import { describe, expect, test, setDefaultTimeout } from "bun:test";
import type { Socket } from "bun";
import { befriend, countRedials, eventually, startNode, type TestNode } from "../helpers/nodes.ts";
import { freePort } from "../helpers/serve.ts";

// Processes and TLS links take time on a loaded machine (bun applies a
// preload's default timeout to the first file only, so each file sets it).
setDefaultTimeout(60_000);

/** The original's server: prints what each connection sends; replies with raw text on a connection. */
function originalServer(port: number) {
  const received: string[] = [];
  const conns: Socket<undefined>[] = [];
  const server = Bun.listen({
    hostname: "127.0.0.1",
    port,
    socket: {
      open(s) {
        conns.push(s);
      },
      data(_s, chunk) {
        received.push(Buffer.from(chunk).toString("utf8"));
      },
    },
  });
  return {
    received,
    reply: (text: string) => conns.at(-1)!.write(text),
    stop: () => server.stop(true),
  };
}

/** The original's client: sends its pending messages back to back, then each typed line without newline. */
async function originalClient(port: number, pending: string[]) {
  const received: string[] = [];
  let closed = false;
  const socket = await Bun.connect({
    hostname: "127.0.0.1",
    port,
    socket: {
      data(_s, chunk) {
        received.push(Buffer.from(chunk).toString("utf8"));
      },
      close() {
        closed = true;
      },
    },
  });
  if (pending.length) socket.write(pending.join(""));
  return { socket, received, isClosed: () => closed, type: (line: string) => socket.write(line) };
}

const legacyPortOf = async (n: TestNode) => Number((await n.node.status()).legacyListening!.split(":")[1]);
const inbox = async (n: TestNode, peer: string) => (await n.node.session.history({ peer, limit: 1000 })).filter((e) => e.direction === "in").map((e) => e.text);

describe("legacy peers", () => {
  test("serve --legacy-port: an original client's messages are stored and shown; replies go back on its connection", async () => {
    await using bob = await startNode("bob", { legacyPort: 0 });
    const client = await originalClient(await legacyPortOf(bob), ["pending one. ", "pending two."]);
    const name = `127.0.0.1:${client.socket.localPort}`;
    await bob.until((e) => e.type === "message" && e.entry.text.includes("pending two."), "pending messages");
    expect(bob.events.find((e) => e.type === "contact")).toMatchObject({ type: "contact", name, peerId: null, how: "new-peer" });
    expect(bob.events.find((e) => e.type === "link")).toMatchObject({ type: "link", peer: name, up: true, legacy: true });
    client.type("typed line");
    await bob.until((e) => e.type === "message" && e.entry.text === "typed line", "typed line");
    expect((await inbox(bob, name)).join("")).toBe("pending one. pending two.typed line");

    // The original's reply form: <ip> <port> <text>, on that connection.
    const r = await bob.node.sendTo("127.0.0.1", client.socket.localPort, "hello, original");
    expect(r).toMatchObject({ peer: name, legacy: true });
    await eventually(() => client.received.join("") === "hello, original", "reply on the connection");
    await bob.node.send(name, " and again");
    await eventually(() => client.received.join("") === "hello, original and again", "@name reply");
    const status = await bob.node.status();
    expect(status.links).toEqual([expect.objectContaining({ peer: name, legacy: true, direction: "in" })]);
    expect(status.pending).toEqual([]);
    expect((await bob.node.statusOf([r.id])).get(r.id)).toBe("sent");
    const contact = (await bob.node.book.list()).find((c) => c.name === name);
    expect(contact).toMatchObject({ legacy: true, peerId: null });
    client.socket.end();
  });

  test("a --legacy contact is dialed in plaintext; pending messages are flushed when the connection opens; replies are stored", async () => {
    const port = await freePort();
    const redials = countRedials();
    await using alice = await startNode("alice", { retry: redials.retry });
    await alice.node.book.add("old", `127.0.0.1:${port}`, { legacy: true });
    const from = alice.events.length;
    const a = await alice.node.send("old", "first. ");
    const b = await alice.node.send("old", "second.");
    // Nobody listens yet: alice's plaintext dial is refused and a redial planned. They wait.
    await redials.reached(1);
    expect(alice.events.slice(from)).toEqual([a, b].map((m) => ({ type: "status", peer: "old", ids: [m.id], status: "pending" })));
    expect([...(await alice.node.statusOf([a.id, b.id])).values()]).toEqual(["pending", "pending"]);
    expect((await alice.node.status()).pending).toEqual([{ peer: "old", pending: 2, sent: 0, legacy: true }]);

    const original = originalServer(port);
    try {
      await eventually(() => original.received.join("") === "first. second.", "flush on connect");
      await eventually(async () => [...(await alice.node.statusOf([a.id, b.id])).values()].every((s) => s === "sent"), "sent");
      original.reply("hi alice, from the old program");
      await alice.until((e) => e.type === "message" && e.entry.peer === "old", "reply stored");
      expect(await inbox(alice, "old")).toEqual(["hi alice, from the old program"]);
      const c = await alice.node.send("old", "third");
      await eventually(() => original.received.join("").endsWith("third"), "a message on the open link");
      // Sent is as far as it goes: marked sent once written, then never delivered (nothing the original says acks it).
      await alice.until((e) => e.type === "status" && e.ids.includes(c.id) && e.status === "sent", "third marked sent");
      original.reply("a reply is no ack");
      await alice.until((e) => e.type === "message" && e.entry.text === "a reply is no ack", "the reply stored");
      await alice.node.journal.drain();
      expect(alice.events.flatMap((e) => (e.type === "status" && e.ids.includes(c.id) ? [e.status] : []))).toEqual(["pending", "sent"]);
      expect((await alice.node.statusOf([c.id])).get(c.id)).toBe("sent");
      expect((await alice.node.status()).pending).toEqual([]);
    } finally {
      original.stop();
    }
  });

  test("invalid UTF-8 and megabytes without pause: stored in bounded pieces, the node and its TLS peers carry on", async () => {
    await using bob = await startNode("bob", { legacyPort: 0 });
    await using carol = await startNode("carol");
    await befriend(bob, carol);
    const port = await legacyPortOf(bob);
    const bad = await originalClient(port, []);
    bad.socket.write(Uint8Array.of(0x68, 0x69, 0xff, 0xfe, 0xc3)); // "hi", two invalid bytes, a truncated sequence
    await bob.until((e) => e.type === "message" && e.entry.text.startsWith("hi"), "invalid UTF-8 stored");
    const flood = await originalClient(port, []);
    const mb = new Uint8Array(1024 * 1024).fill(0x61);
    // As fast as the socket takes it (what it does not take now is dropped, as the original's flood would be): bytes counted.
    let written = 0;
    for (let i = 0; i < 8; i++) written += Math.max(0, flood.socket.write(mb));
    const { id } = await carol.node.send("bob", "still here?");
    await eventually(async () => (await carol.node.statusOf([id])).get(id) === "delivered", "TLS peer unaffected");
    // (It comes from the host the invalid bytes came from: the same legacy contact, so its pieces are told apart by their text.)
    const isFlood = (text: string) => /^a+$/.test(text);
    const floodBytes = () => bob.events.reduce((n, e) => n + (e.type === "message" && isFlood(e.entry.text) ? Buffer.byteLength(e.entry.text) : 0), 0);
    const floodAddress = `127.0.0.1:${flood.socket.localPort}`;
    // Every byte stored, or the link dropped for sending faster than bob stores (then the rest is not taken).
    await bob.until((e) => (e.type === "message" && floodBytes() === written) || (e.type === "link" && !e.up && e.address === floodAddress), `${written} bytes stored`);
    await bob.node.journal.drain();
    const stored = await bob.node.session.history({ limit: 1000 });
    const fromFlood = stored.filter((e) => isFlood(e.text));
    expect(fromFlood.length).toBeGreaterThan(0);
    expect(fromFlood.every((e) => Buffer.byteLength(e.text) <= 64 * 1024)).toBe(true);
    expect(stored.find((e) => e.text.startsWith("hi"))!.text).toBe("hi\ufffd\ufffd");
    expect((await inbox(bob, "carol"))).toEqual(["still here?"]);
    bad.socket.end();
    flood.socket.terminate();
  });

  test("without --legacy-port nothing plaintext is accepted; a hidden node closes its legacy side too", async () => {
    await using bob = await startNode("bob", { legacyPort: 0 });
    const port = await legacyPortOf(bob);
    await bob.node.setDiscoverable(false);
    expect((await bob.node.status()).legacyListening).toBeNull();
    const err = await Bun.connect({ hostname: "127.0.0.1", port, socket: { data() {} } }).then(
      (s) => (s.end(), null),
      (e: Error) => e,
    );
    expect(err).not.toBeNull();
    await using plain = await startNode("plain");
    expect((await plain.node.status()).legacyListening).toBeNull();
  });
});
