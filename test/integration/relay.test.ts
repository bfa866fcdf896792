// Links through a real relay on loopback, once with Debian's strelaysrv and
// once with `p2pchat relay`: real TLS 1.3 between the peers through the
// relay, the peer id pin deciding, the relay's own id pinned, a member that
// comes back after the relay is killed, and what the relay gets to see.
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { RelayError } from "../../src/reach/relay/relay-error.ts";
import { requestInvitation } from "../../src/reach/relay/relay-session.ts";
import { relayHostPort } from "../../src/reach/relay/uri.ts";
import type { Link } from "../../src/transport/link.ts";
import { relayPeer, send, type PeerEvent, type RelayPeer } from "../helpers/relay-peers.ts";
import { RELAYS, STRELAYSRV } from "../helpers/relays.ts";
import { capture, TCPDUMP } from "../helpers/capture.ts";

setDefaultTimeout(60_000);

const isOpen = (p: RelayPeer) => (e: PeerEvent): e is Extract<PeerEvent, { type: "open" }> => e.type === "open" && e.link.peerId !== null && !p.events.some((c) => c.type === "closed" && c.link === e.link);
const bodies = (p: RelayPeer) => p.events.flatMap((e) => (e.type === "message" ? [e.body] : []));
const acked = (p: RelayPeer) => p.events.flatMap((e) => (e.type === "ack" ? e.ids : []));

async function expectRelayError(p: Promise<unknown>, code: RelayError["code"]): Promise<RelayError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(RelayError);
  expect((err as RelayError).code).toBe(code);
  return err as RelayError;
}

for (const [kind, start] of RELAYS) {
  describe.skipIf(kind === "strelaysrv" && !STRELAYSRV)(`through ${kind}`, () => {
    test("two peers link over TLS 1.3 through the relay and trade frames both ways, each pinned", async () => {
      await using relay = await start();
      await using alice = await relayPeer("alice");
      await using bob = await relayPeer("bob");
      await bob.join(relay.relay).whenJoined();
      const out = await alice.dial(relay.relay, bob.id);
      const { link: inbound } = await bob.until(isOpen(bob), "bob's link");

      for (const [l, other] of [[out, bob.id], [inbound, alice.id]] as [Link, string][]) {
        expect(l.peerId).toBe(other as never);
        expect(l.socket!.getTLSVersion()).toBe("TLSv1.3");
        expect(l.via).toBe(`relay ${relayHostPort(relay.relay)}`);
      }
      expect([out.direction, inbound.direction]).toEqual(["out", "in"]);
      const a = send(out, ["hello bob", "ünïcödé 🎉", "x".repeat(60_000)]);
      const b = send(inbound, ["hi alice", "second"]);
      await bob.until(() => bodies(bob).length === 3, "bob's messages");
      await alice.until(() => bodies(alice).length === 2, "alice's messages");
      await alice.until(() => acked(alice).length === 3, "alice's acks");
      await bob.until(() => acked(bob).length === 2, "bob's acks");
      expect(bodies(bob)).toEqual(["hello bob", "ünïcödé 🎉", "x".repeat(60_000)]);
      expect(bodies(alice)).toEqual(["hi alice", "second"]);
      expect(acked(alice)).toEqual(a);
      expect(acked(bob)).toEqual(b);
    });

    test("a relay whose certificate is not the id in its address is refused, by a dialer and by a member", async () => {
      await using relay = await start();
      await using alice = await relayPeer("alice");
      await using bob = await relayPeer("bob");
      const wrong = { ...relay.relay, id: alice.id };
      const err = await expectRelayError(requestInvitation(wrong, alice.identity, bob.id), "RELAY_ID_MISMATCH");
      expect(err.message).toContain(relay.relay.id);
      bob.join(wrong);
      await bob.until((e) => e.type === "relay" && e.code === "RELAY_ID_MISMATCH", "bob refusing the relay");
      expect(bob.events.some((e) => e.type === "relay" && e.state === "joined")).toBe(false);
    });

    test("nobody can pass for a peer: not joined means NOT_FOUND, and a session with someone else fails the pin", async () => {
      await using relay = await start();
      await using alice = await relayPeer("alice");
      await using bob = await relayPeer("bob");
      await using mallory = await relayPeer("mallory");
      await mallory.join(relay.relay).whenJoined();
      await expectRelayError(requestInvitation(relay.relay, alice.identity, bob.id), "NOT_FOUND");
      // A relay that lies: it invites alice, who asked for bob, into a session with mallory.
      const link = await alice.dial(relay.relay, mallory.id, { forge: (inv) => ({ ...inv, from: bob.id }) });
      expect(link.ctx).toEqual({ expect: bob.id });
      const closed = await alice.until((e) => e.type === "closed" && e.link === link, "alice refusing mallory");
      expect((closed as Extract<PeerEvent, { type: "closed" }>).info.local?.code).toBe("IDENTITY_MISMATCH");
      expect(link.peerId).toBe(mallory.id);
      expect(alice.events.some((e) => e.type === "open")).toBe(false);
      expect(bodies(mallory)).toEqual([]);
    });

    test("kill -9 of the relay mid-session: links close, the member rejoins when the relay is back, links work again", async () => {
      await using relay = await start();
      await using alice = await relayPeer("alice");
      await using bob = await relayPeer("bob");
      const member = bob.join(relay.relay);
      await member.whenJoined();
      const first = await alice.dial(relay.relay, bob.id);
      await alice.until((e) => e.type === "open" && e.link === first, "first link");
      send(first, ["before"]);
      await bob.until(() => bodies(bob).length === 1, "before");
      await relay.kill();
      await alice.until((e) => e.type === "closed" && e.link === first, "alice's link closing");
      await bob.until((e) => e.type === "relay" && e.state === "waiting", "bob losing the relay");
      await relay.restart();
      await member.whenJoined();
      const second = await alice.dial(relay.relay, bob.id);
      await alice.until((e) => e.type === "open" && e.link === second, "second link");
      send(second, ["after"]);
      await bob.until(() => bodies(bob).length === 2, "after");
      expect(bodies(bob)).toEqual(["before", "after"]);
    });

    test.skipIf(!TCPDUMP)("what the relay carries: the relay protocol in the clear, the messages only as ciphertext", async () => {
      await using relay = await start();
      await using alice = await relayPeer("alice");
      await using bob = await relayPeer("bob");
      await using cap = await capture(relay.port);
      await bob.join(relay.relay).whenJoined();
      const link = await alice.dial(relay.relay, bob.id);
      await alice.until((e) => e.type === "open" && e.link === link, "link");
      const secret = "the eagle lands at midnight";
      send(link, Array.from({ length: 20 }, (_, i) => `${secret} #${i}`));
      await alice.until(() => acked(alice).length === 20, "acks");
      const seen = await cap.stop();
      expect(bodies(bob)).toContain(`${secret} #19`);
      // The capture worked: it holds the relay's plaintext session join (magic 9e79bc40) and many bytes.
      expect(seen.includes(Buffer.from("9e79bc40", "hex"))).toBe(true);
      expect(seen.length).toBeGreaterThan(20 * secret.length);
      expect(seen.includes(Buffer.from("the eagle"))).toBe(false);
      expect(seen.includes(Buffer.from("alice"))).toBe(false); // the hellos are inside TLS too
    });
  });
}
