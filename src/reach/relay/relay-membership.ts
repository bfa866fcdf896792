// Our relays, as the node uses them: joined while we are discoverable (and
// joined again from here when this machine moves), each invitation to a
// session with us joined and handed on as a stream, and a contact's relays
// tried in turn when nothing direct reaches it. Either way the stream carries
// our TLS 1.3 (the relay sees ciphertext) and the pin decides who is at the
// other end, as on any link. Beside the relays the user named, a friend's:
// a contact reachable from the internet that relays for its contacts
// (setFriends(), while we cannot be reached directly ourselves).
import type { PeerId } from "../../protocol/peer-id.ts";
import type { Duplex } from "node:stream";
import type { Contact } from "../../domain/contact.ts";
import type { Identity } from "../../transport/identity.ts";
import type { TlsRole } from "../../transport/stream-tls.ts";
import { childLogger } from "../../log.ts";
import type { RelayFacts } from "../reach-verdict.ts";
import { RelayClient } from "./relay-client.ts";
import { connectThroughRelay, joinSession, type Invitation } from "./relay-session.ts";
import { formatRelayUri, parseRelayUri, relayHostPort, type RelayAddress } from "./uri.ts";

const log = childLogger("reach");

/** How a stream through a relay is run as a link: its TLS role, and what the link says of where it goes. */
export interface Relayed {
  role: TlsRole;
  /** "relay HOST:PORT" */
  via: string;
  /** What the link's address shows: the relay. */
  remote: { host: string; port: number };
}

export interface RelayState {
  uri: string;
  state: "connecting" | "joined" | "waiting" | "stopped";
  note: string | null;
  /** The contact who relays for us, for a friend's relay. */
  friend?: string;
}

/** A contact's relay for its contacts, as its offer named it. */
export interface FriendRelay {
  name: string;
  relay: RelayAddress;
}

export interface RelayMembershipDeps {
  /** Relays to stay joined to while discoverable (relay://HOST:PORT/?id=...). */
  relays: readonly RelayAddress[];
  identity: Identity;
  discoverable(): boolean;
  contact(name: string): Contact | undefined;
  /** Someone asked one of our relays for a session with us: run a link over the stream. */
  invited(stream: Duplex, how: Relayed): void;
  /** A relay was joined, lost, or is being joined again. */
  changed(): void;
  /** The other devices of a contact's identity (a device joined elsewhere is at a relay by its own id). */
  devicesOf?(peerId: PeerId): PeerId[];
}

export class RelayMembership {
  private clients: RelayClient[] = [];
  /** Friends' relays we are to join, and their clients while joined (discoverable). */
  private friends: FriendRelay[] = [];
  private readonly friendClients = new Map<string, RelayClient>();
  private joinedAll = false;

  constructor(private readonly d: RelayMembershipDeps) {}

  /** The relays peers may reach us through, as they should name them (for hellos, invites and our DHT record): those named, then friends' we are joined to. */
  uris(): string[] {
    const friends = this.friends.filter((f) => this.friendClients.get(formatRelayUri(f.relay))?.state.state === "joined");
    return [...this.d.relays, ...friends.map((f) => f.relay)].map(formatRelayUri);
  }

  /** Joins every relay not joined yet (discoverable). */
  join(): void {
    this.joinedAll = true;
    if (this.clients.length === 0) this.clients = this.joinAll();
    this.joinFriends();
  }

  /** Leaves them all (hidden). */
  async leave(): Promise<void> {
    this.joinedAll = false;
    const clients = [...this.clients, ...this.friendClients.values()];
    this.clients = [];
    this.friendClients.clear();
    await Promise.all(clients.map((r) => r.stop().catch(() => {})));
  }

  /** Our sessions with the relays ran from an address that is gone: join them again from here, rather than after their ping times out. */
  async rejoin(): Promise<void> {
    const old = [...this.clients, ...this.friendClients.values()];
    if (old.length === 0 || !this.d.discoverable()) return;
    this.clients = this.joinAll();
    this.friendClients.clear();
    this.joinFriends();
    await Promise.all(old.map((r) => r.stop().catch(() => {})));
  }

  /**
   * The friends' relays to stay joined to (none while we can be reached
   * directly): those no longer named are left, new ones joined.
   */
  setFriends(friends: readonly FriendRelay[]): void {
    this.friends = [...friends];
    const wanted = new Set(friends.map((f) => formatRelayUri(f.relay)));
    for (const [uri, client] of this.friendClients) {
      if (wanted.has(uri)) continue;
      this.friendClients.delete(uri);
      void client.stop().catch(() => {});
      this.d.changed();
    }
    if (this.joinedAll) this.joinFriends();
  }

  /** One promise per relay: its first join, or its giving up (at most `ms`). */
  joined(ms: number): Promise<void>[] {
    return [...this.clients, ...this.friendClients.values()].map((r) => r.whenJoined(ms).catch(() => {}));
  }

  /** Each relay as where-you-stand reads it. */
  facts(): RelayFacts[] {
    return this.each((r, friend) => {
      const s = r.state;
      return { at: relayHostPort(r.relay), state: s.state, note: s.state === "waiting" ? s.error.message : null, ...(friend ? { friend } : {}) };
    });
  }

  states(): RelayState[] {
    return this.each((r, friend) => {
      const st = r.state;
      return { uri: r.uri, state: st.state, note: st.state === "waiting" ? st.error.message : null, ...(friend ? { friend } : {}) };
    });
  }

  private each<T>(f: (r: RelayClient, friend: string | null) => T): T[] {
    const names = new Map(this.friends.map((x) => [formatRelayUri(x.relay), x.name]));
    return [...this.clients.map((r) => f(r, null)), ...[...this.friendClients].map(([uri, r]) => f(r, names.get(uri) ?? null))];
  }

  /** A client per configured relay, joining it (and rejoining whenever it loses it). */
  private joinAll(): RelayClient[] {
    return this.d.relays.map((relay) => this.client(relay));
  }

  private joinFriends(): void {
    for (const f of this.friends) {
      const uri = formatRelayUri(f.relay);
      // A relay the user named already is joined once.
      if (this.friendClients.has(uri) || this.d.relays.some((r) => formatRelayUri(r) === uri)) continue;
      // Kept before it starts: its first state change makes whoever watches look at the friends again.
      const client = this.client(f.relay, false);
      this.friendClients.set(uri, client);
      client.start();
    }
  }

  private client(relay: RelayAddress, start = true): RelayClient {
    const client = new RelayClient({ relay, identity: this.d.identity, onInvitation: (inv) => void this.invited(inv), onState: () => this.d.changed() });
    return start ? client.start() : client;
  }

  /** Someone asked one of our relays for a session with us: join it and run a link over it (the pin decides who it is). */
  private async invited(inv: Invitation): Promise<void> {
    try {
      const stream = await joinSession(inv);
      this.d.invited(stream, { role: inv.serverSocket ? "server" : "client", via: `relay ${relayHostPort(inv.relay)}`, remote: { host: inv.relay.host, port: inv.relay.port } });
    } catch (err) {
      log.debug(`relay ${relayHostPort(inv.relay)}: could not join a session: ${(err as Error).message}`);
    }
  }

  /**
   * Every direct address of a contact failed: a session through one of its
   * relays, tried in turn, run as a link by `attach`. Null when none works.
   */
  async dialThrough<L>(name: string, attach: (stream: Duplex, how: Relayed) => L): Promise<L | null> {
    const c = this.d.contact(name);
    if (!c?.peerId || c.relays.length === 0) return null;
    for (const text of c.relays) {
      let relay: RelayAddress;
      try {
        relay = parseRelayUri(text);
      } catch {
        continue;
      }
      // The contact, then each other device of its identity: the relay knows each by its own certificate.
      for (const to of [c.peerId, ...(this.d.devicesOf?.(c.peerId) ?? [])]) {
        try {
          const { inv, stream } = await connectThroughRelay(relay, this.d.identity, to);
          log.debug(`${name}: through relay ${relayHostPort(relay)}${to === c.peerId ? "" : ` (its device ${to})`}`);
          return attach(stream, { role: inv.serverSocket ? "server" : "client", via: `relay ${relayHostPort(relay)}`, remote: { host: relay.host, port: relay.port } });
        } catch (err) {
          log.debug(`${name}: relay ${relayHostPort(relay)}: ${(err as Error).message}`);
        }
      }
    }
    return null;
  }

  async stop(): Promise<void> {
    this.joinedAll = false;
    await Promise.all([...this.clients, ...this.friendClients.values()].map((r) => r.stop().catch(() => {})));
  }
}
