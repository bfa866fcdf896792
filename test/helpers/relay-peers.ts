// Peers for the relay tests: a real identity, a real Transport and a small
// LinkHandler that accepts every hello, acks every message and records what
// happens, so tests watch real p2pchat frames cross a relay without a node.
// A dialer's link carries the id it expects; the handler refuses any other,
// the way the node's Peers.verify does.
import type { PeerId } from "../../src/protocol/peer-id.ts";
import { RelayError } from "../../src/reach/relay/relay-error.ts";
import { RelayClient, type Backoff, type RelayClientState, type RelayTimeouts } from "../../src/reach/relay/relay-client.ts";
import { connectThroughRelay, joinSession, requestInvitation, type Invitation } from "../../src/reach/relay/relay-session.ts";
import { relayHostPort, type RelayAddress } from "../../src/reach/relay/uri.ts";
import type { Identity } from "../../src/transport/identity.ts";
import type { CloseInfo, Link, LinkHandler } from "../../src/transport/link.ts";
import { Transport } from "../../src/transport/transport.ts";
import { newIdentity } from "./raw-peer.ts";

export type PeerEvent =
  | { type: "open"; link: Link }
  | { type: "message"; link: Link; body: string }
  | { type: "ack"; link: Link; ids: string[] }
  | { type: "closed"; link: Link; info: CloseInfo }
  | { type: "relay"; state: RelayClientState["state"]; code?: string }
  | { type: "invited"; inv: Invitation }
  | { type: "join-failed"; error: Error };

export interface RelayPeer extends AsyncDisposable {
  name: string;
  identity: Identity;
  id: PeerId;
  transport: Transport;
  events: PeerEvent[];
  /** Resolves with the first event (past ones too) that `pred` accepts. */
  until<E extends PeerEvent>(pred: (e: PeerEvent) => e is E, what: string, timeoutMs?: number): Promise<E>;
  until(pred: (e: PeerEvent) => boolean, what: string, timeoutMs?: number): Promise<PeerEvent>;
  /** Joins `relay` in permanent mode; invitations become links (TLS role from the invitation). */
  join(relay: RelayAddress, opts?: { backoff?: Partial<Backoff>; timeouts?: Partial<RelayTimeouts> }): RelayClient;
  /**
   * Asks `relay` for a session with `to`, joins it and runs a link that must
   * present `expect` (default `to`); resolves once the link is open or closed.
   * A link whose TLS never starts (the member lost strelaysrv's join race) is
   * dialed again, as a node's redial would.
   */
  dial(relay: RelayAddress, to: PeerId, opts?: { expect?: PeerId; forge?: (inv: Invitation) => Invitation }): Promise<Link>;
}

export const FAST_BACKOFF: Partial<Backoff> = { baseMs: 50, maxMs: 400, jitter: 0 };

export async function relayPeer(name: string): Promise<RelayPeer> {
  const identity = await newIdentity(name);
  const events: PeerEvent[] = [];
  const waiters = new Set<() => void>();
  const clients: RelayClient[] = [];
  const record = (e: PeerEvent) => {
    events.push(e);
    for (const w of [...waiters]) w();
  };
  const handler: LinkHandler = {
    verify: (l) => {
      const expect = (l.ctx as { expect?: PeerId } | null)?.expect;
      return expect && l.peerId !== expect ? { code: "IDENTITY_MISMATCH", reason: `expected ${expect}` } : null;
    },
    hello: (l) => {
      l.accept();
      record({ type: "open", link: l });
    },
    messages: (l, ms) => {
      for (const m of ms) record({ type: "message", link: l, body: m.body });
      l.sendAck(ms.map((m) => m.id));
    },
    acks: (l, ids) => record({ type: "ack", link: l, ids }),
    writable: () => {},
    closed: (l, info) => record({ type: "closed", link: l, info }),
  };
  const transport = new Transport({
    identity,
    handler,
    hello: () => ({ type: "hello", version: 1, name, port: 0, caps: [], session: `${name}-session` }),
    limits: { handshakeMs: 4_000 },
  });
  const attach = (stream: Awaited<ReturnType<typeof joinSession>>, inv: Invitation, expect: PeerId | null) =>
    transport.attach(stream, { role: inv.serverSocket ? "server" : "client", via: `relay ${relayHostPort(inv.relay)}`, remote: inv.relay, ctx: { expect } });

  const peer: RelayPeer = {
    name,
    identity,
    id: identity.peerId,
    transport,
    events,
    until(pred: (e: PeerEvent) => boolean, what: string, timeoutMs = 20_000): Promise<PeerEvent> {
      const p = Promise.withResolvers<PeerEvent>();
      const check = () => {
        const e = events.find(pred);
        if (!e) return;
        waiters.delete(check);
        clearTimeout(timer);
        p.resolve(e);
      };
      const timer = setTimeout(() => (waiters.delete(check), p.reject(new Error(`${name}: timed out waiting for ${what}`))), timeoutMs);
      waiters.add(check);
      check();
      return p.promise;
    },
    join(relay, opts = {}) {
      const client = new RelayClient({
        relay,
        identity,
        backoff: { ...FAST_BACKOFF, ...opts.backoff },
        timeouts: opts.timeouts,
        onState: (s) => record({ type: "relay", state: s.state, code: s.state === "waiting" ? s.error.code : undefined }),
        onInvitation: (inv) => {
          record({ type: "invited", inv });
          joinSession(inv).then(
            (stream) => attach(stream, inv, null),
            (error: Error) => record({ type: "join-failed", error }),
          );
        },
      });
      clients.push(client);
      return client.start();
    },
    async dial(relay, to, opts = {}) {
      for (let attempt = 1; ; attempt++) {
        let link: Link;
        if (opts.forge) {
          const inv = opts.forge(await requestInvitation(relay, identity, to));
          const stream = await joinSession(inv).catch((err: unknown) => {
            if (err instanceof RelayError && err.code === "ALREADY_CONNECTED" && attempt < 3) return null; // strelaysrv's join race
            throw err;
          });
          if (!stream) continue;
          link = attach(stream, inv, opts.expect ?? inv.from);
        } else {
          const { inv, stream } = await connectThroughRelay(relay, identity, to);
          link = attach(stream, inv, opts.expect ?? inv.from);
        }
        const e = await peer.until((x) => (x.type === "open" || x.type === "closed") && x.link === link, `${name}'s link to ${to}`);
        if (e.type === "closed" && e.info.local?.code === "HANDSHAKE_TIMEOUT" && attempt < 3) continue;
        return link;
      }
    },
    async [Symbol.asyncDispose]() {
      await Promise.all(clients.map((c) => c.stop()));
      await transport.stop(2_000);
    },
  };
  return peer;
}

/** Sends `bodies` on an open link. */
export function send(link: Link, bodies: string[]): string[] {
  const msgs = bodies.map((body) => ({ id: crypto.randomUUID(), created: Date.now(), body }));
  link.sendMessages(msgs);
  return msgs.map((m) => m.id);
}
