// What `status` reports about a running node: discoverable or hidden, where
// it listens, its links, and per contact why it is or is not reachable.
import type { PeerId } from "../protocol/peer-id.ts";
import type { OutboxCount } from "../store/store.ts";
import type { Contact } from "../domain/contact.ts";
import { formatHostPort } from "../domain/host-port.ts";
import type { ContactState } from "./health.ts";
import type { ChatNode } from "./node.ts";
import type { ReachStatus } from "./reach.ts";

export interface LinkInfo {
  peer: string;
  address: string;
  direction: "in" | "out";
  since: number;
  legacy: boolean;
  /** How it travels when not straight to the peer: "relay HOST:PORT". */
  via?: string;
}

export interface NodeStatus {
  name: string;
  peerId: PeerId;
  discoverable: boolean;
  listening: string | null;
  /** Where peers can reach this node now, best first (what invites carry): the public mapped address, then this machine's. */
  addresses: string[];
  /** The plaintext port for the original program's peers, when open. */
  legacyListening: string | null;
  links: LinkInfo[];
  pending: OutboxCount[];
  /** Every contact: its link state, last seen, last error, next retry, messages waiting. */
  contacts: ContactState[];
  /** Requests waiting for the user's decision. */
  requests: number;
  database: string;
  /** Finding and being found: the public mapped address, LAN beacons, the DHT. */
  reach?: ReachStatus;
}

export async function nodeStatus(node: ChatNode): Promise<NodeStatus> {
  const l = node.transport.listening;
  const links: LinkInfo[] = [];
  for (const [, link] of node.peers.adopted) {
    const c = node.peers.contactOf(link);
    if (c) links.push({ peer: c.name, address: link.address, direction: link.direction, since: link.openedAt, legacy: false, ...(link.via ? { via: link.via } : {}) });
  }
  for (const [name, link] of node.legacy.open) {
    links.push({ peer: name, address: link.address, direction: link.direction, since: link.openedAt, legacy: true });
  }
  links.sort((a, b) => a.peer.localeCompare(b.peer));
  const lg = node.legacy.transport.listening;
  const pending = await node.journal.read(() => node.opts.store.outboxCounts());
  const waiting = new Map(pending.map((p) => [p.peer, p.pending + (p.legacy ? 0 : p.sent)]));
  const legacyLinked = new Set(node.legacy.open.keys());
  const contacts = node.contacts.all().map((c: Contact) => {
    const s = node.health.state(c, node.isDiscoverable, waiting.get(c.name) ?? 0);
    return legacyLinked.has(c.name) ? { ...s, state: "linked" as const, stateText: "linked (legacy plaintext)" } : s;
  });
  contacts.sort((a, b) => a.name.localeCompare(b.name));
  return {
    name: node.name,
    peerId: node.peerId,
    discoverable: node.isDiscoverable,
    listening: l ? formatHostPort(l.host, l.port) : null,
    addresses: l ? node.addresses() : [],
    legacyListening: lg ? formatHostPort(lg.host, lg.port) : null,
    links,
    pending,
    contacts,
    requests: node.requests.openCount,
    database: node.opts.store.location,
    reach: node.reach.status(),
  };
}
