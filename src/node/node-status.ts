// What `status` reports about a running node: discoverable or hidden, where
// it listens, its links, and per contact why it is or is not reachable.
import type { PeerId } from "../protocol/peer-id.ts";
import type { Contact } from "../domain/contact.ts";
import { formatHostPort } from "../domain/host-port.ts";
import type { OutboxCount, Store } from "../store/store.ts";
import type { ReachService, ReachStatus } from "../reach/reach-service.ts";
import type { FriendRelay, FriendRelayStatus } from "./friend-relay/friend-relay.ts";
import type { ContactState, Health } from "./dial/health.ts";
import type { Contacts } from "./engine/contact-cache.ts";
import type { Journal } from "./engine/journal.ts";
import type { LegacyPeers } from "./engine/legacy-peers.ts";
import type { Requests } from "./engine/peer-requests.ts";
import type { Peers } from "./engine/peers.ts";

export interface LinkInfo {
  peer: string;
  address: string;
  direction: "in" | "out";
  since: number;
  legacy: boolean;
  /** How it travels when not straight to the peer: "relay HOST:PORT". */
  via?: string;
  /** Straight to the peer through a hole punched in both NATs. */
  punched?: boolean;
  /** Which of the contact's computers, when more than one is linked: its name, else the start of its device id. */
  device?: string;
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
  /** Relaying for our contacts: off and why, or where, and how busy. */
  relayForContacts?: FriendRelayStatus;
}

/** What the report reads of the running node. */
export interface StatusDeps {
  name: string;
  peerId: PeerId;
  discoverable: boolean;
  listening: { host: string; port: number } | null;
  addresses(): string[];
  store: Store;
  journal: Journal;
  contacts: Contacts;
  health: Health;
  requests: Pick<Requests, "openCount">;
  peers: Pick<Peers, "adopted">;
  legacy: Pick<LegacyPeers, "open" | "transport">;
  reach: Pick<ReachService, "status">;
  friendRelay?: Pick<FriendRelay, "status">;
}

export async function nodeStatus(d: StatusDeps): Promise<NodeStatus> {
  const l = d.listening;
  const links: LinkInfo[] = [];
  const devices = new Map<LinkInfo, string>();
  for (const [, link] of d.peers.adopted) {
    const c = link.ctx.contact;
    if (!c) continue;
    const info: LinkInfo = { peer: c.name, address: link.address, direction: link.direction, since: link.openedAt, legacy: false, ...(link.via ? { via: link.via } : {}), ...(link.punched ? { punched: true } : {}) };
    links.push(info);
    if (link.deviceId) devices.set(info, link.deviceId);
  }
  await nameDevices(d.store, links, devices);
  for (const [name, link] of d.legacy.open) {
    links.push({ peer: name, address: link.address, direction: link.direction, since: link.openedAt, legacy: true });
  }
  links.sort((a, b) => a.peer.localeCompare(b.peer));
  const lg = d.legacy.transport.listening;
  const pending = await d.journal.read(() => d.store.outboxCounts());
  const waiting = new Map(pending.map((p) => [p.peer, p.pending + (p.legacy ? 0 : p.sent)]));
  const legacyLinked = new Set(d.legacy.open.keys());
  const contacts = d.contacts.all().map((c: Contact) => {
    const s = d.health.state(c, d.discoverable, waiting.get(c.name) ?? 0);
    return legacyLinked.has(c.name) ? { ...s, state: "linked" as const, stateText: "linked (legacy plaintext)" } : s;
  });
  contacts.sort((a, b) => a.name.localeCompare(b.name));
  return {
    name: d.name,
    peerId: d.peerId,
    discoverable: d.discoverable,
    listening: l ? formatHostPort(l.host, l.port) : null,
    addresses: l ? d.addresses() : [],
    legacyListening: lg ? formatHostPort(lg.host, lg.port) : null,
    links,
    pending,
    contacts,
    requests: d.requests.openCount,
    database: d.store.location,
    reach: d.reach.status(),
    ...(d.friendRelay ? { relayForContacts: d.friendRelay.status() } : {}),
  };
}

/**
 * A contact with two computers linked has two links: say which is which, by
 * the name its roster gave the device, else the start of the device id (one
 * line per contact would hide a link, two alike look like a fault).
 */
async function nameDevices(store: Store, links: LinkInfo[], devices: Map<LinkInfo, string>): Promise<void> {
  const count = new Map<string, number>();
  for (const l of links) count.set(l.peer, (count.get(l.peer) ?? 0) + 1);
  const several = links.filter((l) => (count.get(l.peer) ?? 0) > 1 && devices.has(l));
  if (several.length === 0) return;
  const names = new Map((await store.peerDevices()).filter((r) => r.name).map((r) => [r.deviceId, r.name]));
  for (const l of several) {
    const id = devices.get(l)!;
    l.device = names.get(id) ?? id.slice(0, 12);
  }
}
