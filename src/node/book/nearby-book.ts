// Nodes heard on the LAN, as the user meets them: the list `nearby` shows,
// a contact's beacon (where it is now; dial it if we owe it messages), and
// `add` by a peer id or the beginning of one. Beacons carry no name: a node
// added this way holds a stand-in name until its first hello names it as it
// announces itself. Every one of these is a hint: the pinned certificate
// alone decides who a peer is.
import { handleFor, nameProblem, standInName, validateName } from "../../domain/contact-name.ts";
import type { Contact } from "../../domain/contact.ts";
import { formatHostPort } from "../../domain/host-port.ts";
import { NodeError } from "../../domain/node-error.ts";
import type { Hello } from "../../protocol/messages.ts";
import type { PeerId } from "../../protocol/peer-id.ts";
import { vouchedAddresses, type NearbyPeer } from "../../reach/lan/nearby-peers.ts";
import type { ReachService } from "../../reach/reach-service.ts";
import type { Store } from "../../store/store.ts";
import { childLogger } from "../../log.ts";
import type { Contacts } from "../engine/contact-cache.ts";
import type { Requests } from "../engine/peer-requests.ts";
import type { Peers } from "../engine/peers.ts";
import type { NodeEvent } from "../node-events.ts";
import type { NodeBook } from "./node-book.ts";

const log = childLogger("node");

export interface NearbyNode {
  peerId: PeerId;
  addresses: string[];
  lastHeard: number;
  /** The contact it is, if it is one. */
  contact: string | null;
}

export interface NearbyBookDeps {
  store: Store;
  contacts: Contacts;
  requests: Pick<Requests, "nameFor" | "imitated">;
  emit(event: NodeEvent): void;
  book: Pick<NodeBook, "add" | "set">;
  peers: Pick<Peers, "linkTo" | "dial">;
  reach: Pick<ReachService, "nearbyPeers" | "nearby">;
  discoverable(): boolean;
  /** Whether we owe `name` messages. */
  owes(name: string): Promise<boolean>;
}

export class NearbyBook {
  constructor(private readonly d: NearbyBookDeps) {}

  /**
   * A contact's beacon: remember where it is, and dial at once if we owe it
   * messages. Only the addresses its beacons came from are taken: a forged
   * beacon that names other hosts could fill the address book with places
   * that never answer, each costing a dial before the real one.
   */
  async heard(peerId: PeerId): Promise<void> {
    const c = this.d.contacts.byPeer(peerId);
    const heard = this.d.reach.nearby.get(peerId);
    if (!c || !heard || c.blocked) return;
    const known = new Set(c.addresses.map((a) => formatHostPort(a.host, a.port)));
    const fresh = vouchedAddresses(heard)
      .filter((a) => !known.has(formatHostPort(a.host, a.port)))
      .map((a) => ({ host: a.host, port: a.port, source: "lan" as const }));
    if (fresh.length > 0) {
      await this.d.store.saveAddresses(c.name, fresh, { preferred: true }).catch(() => 0);
      await this.d.contacts.refresh(c.name);
    }
    const now = this.d.contacts.byName(c.name);
    if (now && this.d.discoverable() && !this.d.peers.linkTo(now) && (await this.d.owes(now.name))) {
      log.debug(`${now.name} is on the LAN: dialing now`);
      this.d.peers.dial(now);
    }
  }

  /** Nodes heard on the LAN in the last 90 s, and which contact each is. */
  list(): NearbyNode[] {
    return this.d.reach.nearbyPeers().map((p) => ({
      peerId: p.peerId,
      addresses: p.addresses.map((a) => formatHostPort(a.host, a.port)),
      lastHeard: p.lastHeard,
      contact: this.d.contacts.byPeer(p.peerId)?.name ?? null,
    }));
  }

  /**
   * A node heard on the LAN, by its peer id or any beginning of it that only
   * it has (`NB2QLNB`, dashes and case ignored): pinned to it, at the
   * addresses it was heard at. Beacons carry no name: without `name` it is
   * saved under a stand-in (peer-nb2qlnb) until its first hello, which names
   * it as it announces itself (see named()).
   */
  async add(id: string, name?: string): Promise<{ contact: Contact; renamed: boolean; known: boolean }> {
    const found = this.resolve(id);
    const known = this.d.contacts.byPeer(found.peerId);
    if (known) return { contact: known, renamed: false, known: true };
    // Where its beacons came from: the other addresses a beacon names are anyone's say-so.
    // One without a zone first: the contact's address is one a person could type.
    const heard = vouchedAddresses(found).sort((a, b) => Number(a.host.includes("%")) - Number(b.host.includes("%")));
    if (heard.length === 0) {
      throw new NodeError("NOT_NEARBY", `${found.peerId} was heard on the LAN only at addresses others named for it (see \`p2pchat nearby\`): add it with its invite, or NAME HOST:PORT --id ID`);
    }
    const chosen = name !== undefined ? validateName(name) : standInName(found.peerId);
    const [first, ...rest] = heard;
    const c = await this.d.book.add(chosen, formatHostPort(first!.host, first!.port), {
      id: found.peerId,
      source: "lan",
      addresses: rest.map((a) => ({ host: a.host, port: a.port, source: "lan" as const })),
    });
    return { contact: c, renamed: false, known: false };
  }

  /** The one node heard nearby whose id begins with `text`; else why not (none, or which ones). */
  private resolve(text: string): NearbyPeer {
    const want = text.replace(/-/g, "").toUpperCase();
    if (!/^[A-Z2-7]+$/.test(want)) throw new NodeError("BAD_PEER_ID", `invalid peer id ${JSON.stringify(text)}: a peer id is letters A-Z and digits 2-7 (see \`p2pchat nearby\`)`);
    const all = this.d.reach.nearbyPeers();
    const found = all.filter((p) => p.peerId.replace(/-/g, "").startsWith(want));
    if (found.length === 1) return found[0]!;
    if (found.length > 1) {
      const ids = found.map((p) => `${p.peerId} (at ${vouchedAddresses(p).map((a) => formatHostPort(a.host, a.port)).join(", ") || "no address of its own"})`);
      throw new NodeError("NOT_NEARBY", `${found.length} nodes nearby begin with ${JSON.stringify(text)}: give more of the id: ${ids.join("; ")}`);
    }
    const why = !this.d.discoverable()
      ? "you are hidden, and a hidden node hears nobody (`p2pchat discoverable on`)"
      : all.length === 0
        ? "this node has heard no node on the LAN: both nodes must be running and discoverable, on one LAN, with LAN discovery on (see `p2pchat nearby`)"
        : "see `p2pchat nearby` for those heard; the other node must be running and discoverable, on this LAN";
    throw new NodeError("NOT_NEARBY", `no node heard on the LAN in the last 90 s has an id beginning with ${JSON.stringify(text)}: ${why}`);
  }

  /**
   * A contact's first hello. One still under its stand-in name (added from
   * the LAN by its id, before anyone knew its name) takes the name it
   * announces, made unique as a request's is; said once, with the contact
   * that name belongs to when it took a number. Any other contact keeps the
   * name the user gave.
   */
  async named(c: Contact, hello: Hello, address: string): Promise<Contact> {
    const announced = hello.display ?? hello.name;
    if (!c.peerId || c.name !== standInName(c.peerId) || nameProblem(handleFor(announced))) return c;
    const to = this.d.requests.nameFor({ name: announced });
    if (to === c.name) return c;
    const renamed = await this.d.book.set(c.name, { rename: to }).catch((err: unknown) => {
      log.debug(`cannot name ${c.name} ${to}: ${(err as Error).message}`);
      return null;
    });
    if (!renamed) return c;
    const taken = to !== handleFor(announced) ? this.d.requests.imitated(announced) : null;
    this.d.emit({ type: "contact", name: to, peerId: c.peerId, how: "named", address, announced, ...(taken ? { taken } : {}) });
    return renamed;
  }
}
