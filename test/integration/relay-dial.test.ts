// How the dialer uses a contact's relays (p2pchat relay on loopback): a
// direct address that hangs does not hold the relay back, a relayed session
// whose other side never joins is given up and asked for again at once, and
// an invite that carries a relay lets the inviter add us through it before
// any message is sent.
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { RELAY_HEADSTART_MS, RELAYED_HANDSHAKE_MS } from "../../src/node/dial/relay-dials.ts";
import { encodeInvite } from "../../src/protocol/invite-line.ts";
import { RelayClient } from "../../src/reach/relay/relay-client.ts";
import { joinSession } from "../../src/reach/relay/relay-session.ts";
import { formatRelayUri, relayHostPort } from "../../src/reach/relay/uri.ts";
import { DEFAULT_LIMITS } from "../../src/transport/link.ts";
import { eventually, startNode, type TestNode } from "../helpers/nodes.ts";
import { startP2pchatRelay } from "../helpers/relays.ts";

setDefaultTimeout(60_000);

/** A TCP port that accepts and then says nothing: a TLS dial there hangs until its handshake deadline. */
function silentPort(): { port: number } & Disposable {
  const l = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  return { port: l.port, [Symbol.dispose]: () => l.stop(true) };
}

/** bob (hidden) knows alice only at a port that says nothing and through `relayUri`; `workedBefore`: a link came up there once. */
async function contactThroughRelay(bob: TestNode, alice: TestNode, silentPort: number, relayUri: string, opts: { workedBefore?: boolean } = {}): Promise<void> {
  await bob.node.book.add("alice", `127.0.0.1:${silentPort}`, { id: alice.node.peerId, relays: [relayUri] });
  if (opts.workedBefore) await bob.node.opts.store.addressTried("alice", "127.0.0.1", silentPort, { ok: true });
  await bob.node.contacts.reload();
}

/** Sends while hidden, then turns discoverable (the round of dials starts): ms from then to delivery. */
async function deliveredIn(from: TestNode, to: string, text: string): Promise<number> {
  const { id } = await from.node.send(to, text);
  const t0 = performance.now();
  await from.node.setDiscoverable(true);
  await eventually(async () => (await from.node.statusOf([id])).get(id) === "delivered", `${text} delivered`, 30_000);
  return performance.now() - t0;
}

describe("the dialer and a contact's relays", () => {
  test("a direct address that hangs: the relay goes at once when it never worked, after the head start when it did, long before the connect gives up", async () => {
    await using relay = await startP2pchatRelay();
    using silent = silentPort();
    await using alice = await startNode("alice", { reach: { relays: [relay.relay] } });
    await eventually(() => alice.node.reach.status().relays[0]?.state === "joined", "alice joined her relay");
    for (const workedBefore of [false, true]) {
      await using bob = await startNode("bob", { discoverable: false });
      await contactThroughRelay(bob, alice, silent.port, formatRelayUri(relay.relay), { workedBefore });
      const ms = await deliveredIn(bob, "alice", `hello (worked before: ${workedBefore})`);
      expect((await bob.node.status()).links).toEqual([expect.objectContaining({ peer: "alice", via: `relay 127.0.0.1:${relay.port}` })]);
      if (workedBefore) expect(ms).toBeGreaterThanOrEqual(RELAY_HEADSTART_MS - 20);
      else expect(ms).toBeLessThan(RELAY_HEADSTART_MS);
      expect(ms).toBeLessThan(DEFAULT_LIMITS.handshakeMs - 2_000);
    }
  });

  test("a relayed session whose other side never comes is given up after the relayed deadline and asked for again at once", async () => {
    await using relay = await startP2pchatRelay();
    // alice's node is on the relay through a member of our own that drops
    // her first invitation (as strelaysrv may refuse her join), then joins.
    await using alice = await startNode("alice");
    const invitations: number[] = [];
    const member = new RelayClient({
      relay: relay.relay,
      identity: alice.node.opts.local.identity,
      onInvitation: (inv) => {
        invitations.push(performance.now());
        if (invitations.length === 1) return;
        void joinSession(inv).then((stream) =>
          alice.node.transport.attach(stream, { role: inv.serverSocket ? "server" : "client", direction: "in", via: `relay ${relayHostPort(inv.relay)}`, remote: inv.relay }),
        );
      },
    }).start();
    try {
      await member.whenJoined();
      await using bob = await startNode("bob", { discoverable: false });
      using silent = silentPort();
      await contactThroughRelay(bob, alice, silent.port, formatRelayUri(relay.relay));
      const ms = await deliveredIn(bob, "alice", "through the second session");
      expect(invitations).toHaveLength(2);
      expect(invitations[1]! - invitations[0]!).toBeGreaterThanOrEqual(RELAYED_HANDSHAKE_MS - 20);
      // At once: no backoff between the sessions, and well before the direct dial gives up.
      expect(invitations[1]! - invitations[0]!).toBeLessThan(RELAYED_HANDSHAKE_MS + 1_500);
      expect(ms).toBeLessThan(DEFAULT_LIMITS.handshakeMs);
    } finally {
      await member.stop();
    }
  });

  test("an invite that carries a relay: adding it reaches the inviter through the relay, which adds us at once, before any message", async () => {
    await using relay = await startP2pchatRelay();
    using silent = silentPort();
    await using alice = await startNode("alice", { reach: { relays: [relay.relay] } });
    await eventually(() => alice.node.reach.status().relays[0]?.state === "joined", "alice joined her relay");
    await using bob = await startNode("bob", { reach: { relays: [relay.relay] } });
    const { invite } = await alice.node.hints.createInvite({ uses: 1, expiresMs: 60_000 });
    expect(invite.relays).toEqual([formatRelayUri(relay.relay)]);
    // alice behind NAT: the address her invite gives leads to a port that says nothing.
    const { contact } = await bob.node.hints.addInvite(encodeInvite({ ...invite, addresses: [`127.0.0.1:${silent.port}`] }));
    expect(contact.relays).toEqual([formatRelayUri(relay.relay)]);
    const joined = await alice.until((e) => e.type === "contact" && e.how === "invited", "bob added through the invite", 10_000);
    expect(joined).toMatchObject({ type: "contact", name: "bob", how: "invited" });
    const up = await alice.until((e) => e.type === "link" && e.up, "the link to bob", 10_000);
    expect(up).toMatchObject({ peer: "bob", via: `relay 127.0.0.1:${relay.port}`, direction: "in" });
  });
});
