// One link endpoint in a process of its own for the relay figures: a real
// identity and Transport, links direct or through a relay, messages sent in
// a window of unacked ones and acked by the other side (no database: the
// figure is what the relay costs a link, not what storing costs).
import { mkdirSync } from "node:fs";
import type { PeerId } from "../src/protocol/peer-id.ts";
import { RelayClient } from "../src/reach/relay/relay-client.ts";
import { connectThroughRelay, joinSession } from "../src/reach/relay/relay-session.ts";
import { parseRelayUri, relayHostPort } from "../src/reach/relay/uri.ts";
import { createIdentity, type Identity } from "../src/transport/identity.ts";
import type { Link, LinkHandler } from "../src/transport/link.ts";
import { Transport } from "../src/transport/transport.ts";
import { serveFixture } from "./fixture.ts";

let identity: Identity;
let transport: Transport;
const clients: RelayClient[] = [];
const opened = new Map<Link, { open: () => void; closed: () => void }>();
let acked = 0;
let onAck: (() => void) | null = null;

const handler: LinkHandler = {
  verify: (l) => {
    const expect = (l.ctx as { expect?: PeerId } | null)?.expect;
    return expect && l.peerId !== expect ? { code: "IDENTITY_MISMATCH", reason: "not the expected peer" } : null;
  },
  hello: (l) => {
    l.accept();
    opened.get(l)?.open();
  },
  messages: (l, ms) => l.sendAck(ms.map((m) => m.id)),
  acks: (_l, ids) => {
    acked += ids.length;
    onAck?.();
  },
  writable: () => onAck?.(),
  closed: (l) => opened.get(l)?.closed(),
};

/** The link once open; null if it closed first. */
function whenOpen(link: Link): Promise<Link | null> {
  if (link.isOpen) return Promise.resolve(link);
  return new Promise((resolve) => opened.set(link, { open: () => resolve(link), closed: () => resolve(null) }));
}

/** Open links by the name the driver gave them. */
const links = new Map<string, Link>();

serveFixture({
  async start(a) {
    mkdirSync(String(a.dir), { recursive: true });
    identity = await createIdentity(String(a.dir), String(a.name));
    transport = new Transport({ identity, handler, limits: { handshakeMs: 3_000 }, hello: () => ({ type: "hello", version: 1, name: String(a.name), port: 0, caps: [], session: crypto.randomUUID() }) });
    return { peerId: identity.peerId };
  },
  listen() {
    return { port: transport.listen("127.0.0.1", 0).port };
  },
  async join(a) {
    const relay = parseRelayUri(String(a.uri));
    const client = new RelayClient({
      relay,
      identity,
      onInvitation: (inv) =>
        void joinSession(inv).then((s) => transport.attach(s, { role: inv.serverSocket ? "server" : "client", via: `relay ${relayHostPort(relay)}`, remote: relay }), () => {}),
    }).start();
    clients.push(client);
    await client.whenJoined();
  },
  async dialDirect(a) {
    const link = await whenOpen(transport.dial("127.0.0.1", Number(a.port), { expect: a.expect }));
    if (!link) throw new Error("the direct link closed before it opened");
    links.set(String(a.key), link);
  },
  async dialRelay(a) {
    const relay = parseRelayUri(String(a.uri));
    // strelaysrv can refuse a member's join that coincides with ours; the link then never opens: dial again.
    let link: Link | null = null;
    for (let i = 0; i < 5 && !link; i++) {
      const { inv, stream } = await connectThroughRelay(relay, identity, a.to as PeerId);
      link = await whenOpen(transport.attach(stream, { role: inv.serverSocket ? "server" : "client", via: `relay ${relayHostPort(relay)}`, remote: relay, ctx: { expect: a.to } }));
    }
    if (!link) throw new Error("no relayed link after 5 tries");
    links.set(String(a.key), link);
  },
  /** Sends `count` messages of `size` bytes with at most `window` unacked; ms from the first send to the last ack. */
  async blast(a) {
    const link = links.get(String(a.key))!;
    const count = Number(a.count);
    const window = Number(a.window ?? 5_000);
    const body = "x".repeat(Number(a.size ?? 100));
    acked = 0;
    let sent = 0;
    const t0 = performance.now();
    await new Promise<void>((resolve) => {
      onAck = () => {
        if (acked >= count) return resolve();
        while (sent < count && sent - acked < window && link.queuedBytes < 1 << 20) {
          const n = Math.min(500, count - sent, window - (sent - acked));
          link.sendMessages(Array.from({ length: n }, () => ({ id: crypto.randomUUID(), created: Date.now(), body })));
          sent += n;
        }
      };
      onAck();
    });
    onAck = null;
    return { ms: performance.now() - t0 };
  },
  async stop() {
    await Promise.all(clients.map((c) => c.stop()));
    await transport.stop(1_000);
  },
});
