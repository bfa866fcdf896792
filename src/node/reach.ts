// The node's side of finding and being found: LAN beacons, a port mapping on
// the gateway, and a signed record on the mainline DHT. Each turns the world
// into address hints for the address book; none decides who a peer is (the
// TLS pin alone does). A hidden node sends and publishes nothing.
import type { PeerId } from "../protocol/peer-id.ts";
import type { NewAddress } from "../domain/contact.ts";
import { advertised, hostPort, reachableFrom, widestScope, type AddressScope } from "../reach/net/addresses.ts";
import { type BootstrapNode, chooseBootstrap, noDhtReason } from "../reach/dht/dht-bootstrap.ts";
import { DhtClient } from "../reach/dht/dht-client.ts";
import { DhtFinder } from "../reach/dht/dht-finder.ts";
import { DhtPublisher } from "../reach/dht/dht-publisher.ts";
import { loadOrCreateDiscoveryKey, parseDiscoveryKey, type DiscoveryKey } from "../reach/dht/discovery-key.ts";
import { LanBeacon } from "../reach/lan/lan-beacon.ts";
import { Nearby, vouchedAddresses, type NearbyPeer } from "../reach/lan/nearby-peers.ts";
import { describeChange, NetWatch, type NetState } from "../reach/net/net-watch.ts";
import { PortMapper, type PublicAddress } from "../reach/nat/portmap.ts";
import { decodeRecord, type SignedRecord } from "../reach/dht/record.ts";
import { RelayClient, type RelayClientState } from "../reach/relay/relay-client.ts";
import { connectThroughRelay, joinSession, type Invitation } from "../reach/relay/relay-session.ts";
import { formatRelayUri, parseRelayUri, relayHostPort, type RelayAddress } from "../reach/relay/uri.ts";
import type { LinkCtx, NodeLink } from "./link-ctx.ts";
import { discoveryAllowed } from "../reach/discovery-switch.ts";
import { childLogger } from "../log.ts";
import { parseHostPort } from "../domain/host-port.ts";
import type { ChatNode } from "./node.ts";
import { whereYouStand, type MappingFacts, type ReachFacts, type Verdict } from "./reach-verdict.ts";

const log = childLogger("reach");

/** A contact is looked up on the DHT at most this often (a failing dial loop must not hammer it). */
export const LOOKUP_GAP_MS = 5_000;
/** How long `settled()` waits for the port mapping's first attempt and the relays' first join. */
export const SETTLE_MS = 8_000;

export interface ReachOptions {
  /** LAN beacons (config `lan`, `--no-lan`). */
  lan?: boolean;
  /** Port mapping on the gateway (config `upnp`, `--no-upnp`). */
  upnp?: boolean;
  /** The DHT (config `dht`, `--no-dht`). */
  dht?: boolean;
  /** Bootstrap nodes named by the user (config `dhtBootstrap`, `--dht-bootstrap`); else the public routers when discovery is allowed. */
  dhtBootstrap?: BootstrapNode[];
  /** Where the DHT's UDP socket binds (tests). */
  dhtPort?: number;
  /** Port mapping knobs (tests shorten them). */
  portmap?: { checkSeconds?: number; leaseSeconds?: number; retrySeconds?: number };
  /** Relays to stay joined to while discoverable (relay://HOST:PORT/?id=...), so peers can reach us through them. */
  relays?: RelayAddress[];
}

export interface RelayState {
  uri: string;
  state: "connecting" | "joined" | "waiting" | "stopped";
  note: string | null;
}

export interface ReachStatus {
  public: PublicAddress | null;
  /** The port mapping: off (and why), trying, mapped, or failed and why. */
  mapping: MappingFacts;
  /** Where you stand: which paths lead to this node (reach-verdict.ts). */
  verdict: Verdict;
  lan: "on" | "off";
  nearby: number;
  dht: "on" | "off";
  dhtNote: string | null;
  dkey: string | null;
  relays: RelayState[];
}

export class NodeReach {
  private key: DiscoveryKey | null = null;
  private beacon: LanBeacon | null = null;
  readonly nearby: Nearby;
  private mapper: PortMapper | null = null;
  private dht: DhtClient | null = null;
  private publisher: DhtPublisher | null = null;
  private finder: DhtFinder | null = null;
  private dhtNote: string | null = null;
  private readonly lastLookup = new Map<string, number>();
  private relays: RelayClient[] = [];
  private watch: NetWatch | null = null;
  private mapped: Promise<void> = Promise.resolve();
  private said: string | null = null;
  private stopped = false;

  constructor(
    private readonly node: ChatNode,
    private readonly opts: ReachOptions,
  ) {
    this.nearby = new Nearby({ prefer: (id) => node.contacts.byPeer(id) !== undefined });
    this.nearby.onPeer((peerId) => void this.heardNearby(peerId));
  }

  /** Our discovery key (z-base-32), for hellos and invites. */
  get dkey(): string | null {
    return this.key?.z32 ?? null;
  }

  /** Who reads our DHT record: the internet, or (a DHT of one's own on loopback or a LAN) only that far. */
  private get dhtAudience(): AddressScope {
    return widestScope(chooseBootstrap(this.opts.dhtBootstrap).map((b) => b.host));
  }

  /** Loads the discovery key and joins the DHT (it answers others even while we are hidden; we publish only when discoverable). */
  async start(): Promise<void> {
    this.key = await loadOrCreateDiscoveryKey(this.node.home).catch((err) => {
      log.warn(`no discovery key: ${(err as Error).message}`);
      return null;
    });
    if (this.opts.dht !== false && this.key) {
      const bootstrap = chooseBootstrap(this.opts.dhtBootstrap);
      if (bootstrap.length === 0) this.dhtNote = noDhtReason();
      else void this.startDht(bootstrap, this.key);
    } else {
      this.dhtNote = this.opts.dht === false ? "turned off (--no-dht)" : "no discovery key";
    }
  }

  private async startDht(bootstrap: BootstrapNode[], key: DiscoveryKey): Promise<void> {
    try {
      const dht = await DhtClient.start({ bootstrap, port: this.opts.dhtPort });
      if (this.stopped) return void (await dht.stop());
      this.dht = dht;
      this.finder = new DhtFinder({ dht, keyFor: (peer) => this.keyOf(peer) });
      this.publisher = new DhtPublisher({
        publish: (r) => dht.publish(r),
        key,
        content: () => {
          // Only what whoever uses this DHT can dial: on the public DHT no LAN
          // address (nobody there can use one, and it describes our home).
          const addresses = reachableFrom(this.addresses(), this.dhtAudience);
          const relays = this.relayUris();
          return addresses.length > 0 || relays.length > 0 ? { peerId: this.node.peerId, addresses, relays } : null;
        },
        paused: !this.node.isDiscoverable,
        onPublished: (r, nodes) => log.debug(`published our record on the DHT (${nodes} nodes took it): ${publishedAddresses(r)}`),
        onError: (err) => log.debug(`DHT publish: ${err.message}`),
      });
      this.publisher.start();
      this.dhtNote = null;
    } catch (err) {
      this.dhtNote = (err as Error).message;
      log.debug(`no DHT: ${this.dhtNote}`);
    }
  }

  /** Follows the node: discoverable, it announces, maps and publishes; hidden, none of it. */
  async discoverable(on: boolean): Promise<void> {
    if (this.stopped) return;
    if (on) {
      const port = this.node.listening?.port ?? 0;
      if (this.opts.lan !== false && discoveryAllowed()) {
        this.beacon ??= new LanBeacon({
          peerId: this.node.peerId,
          port: () => this.node.listening?.port ?? 0,
          discoveryKey: () => this.key?.publicKey,
          nearby: this.nearby,
        });
        void this.beacon.start();
      }
      if (this.opts.upnp !== false && discoveryAllowed() && port > 0 && !this.mapper) {
        const mapper = new PortMapper({ internalPort: port, seed: this.node.peerId, log: childLogger("portmap"), ...this.opts.portmap });
        mapper.onChange((now) => {
          log.debug(now ? `public address ${now.address}:${now.port} (${now.via})` : "no public address");
          this.publisher?.addressesChanged();
          this.standChanged();
        });
        this.mapper = mapper;
        this.mapped = mapper.start().finally(() => this.standChanged());
      }
      if (this.relays.length === 0) this.relays = this.joinRelays();
      if (discoveryAllowed() && !this.watch) {
        this.watch = new NetWatch({ onChange: (before, after) => this.moved(before, after) });
        void this.watch.start();
      }
      this.publisher?.resume();
      // Where we stand once it is known is what the first lines say; later changes are events.
      void this.settled().then(() => {
        if (this.node.isDiscoverable) this.said ??= this.verdict().lines[0] ?? "";
      });
    } else {
      this.watch?.stop();
      this.watch = null;
      this.said = null;
      this.publisher?.pause();
      const relays = this.relays;
      this.relays = [];
      await Promise.all(relays.map((r) => r.stop().catch(() => {})));
      await this.beacon?.stop();
      const mapper = this.mapper;
      this.mapper = null;
      await mapper?.stop().catch(() => {});
    }
  }

  /**
   * This machine moved (another address, another gateway; or its network
   * came up after the node started): map the port again from here (the old
   * mapping removed where the gateway lets us), republish, re-announce on
   * the LAN, and close the links whose local address is gone (dead: what
   * their peers send goes nowhere), so both sides dial again at once.
   */
  private moved(before: NetState, after: NetState): void {
    if (this.stopped) return;
    log.info(`the network changed (${describeChange(before, after)}): mapping, publishing and announcing again`);
    const gone = new Set(before.addresses.filter((a) => !after.addresses.includes(a)));
    for (const link of this.node.peers.adopted.values()) {
      const local = link.localAddress?.replace(/^::ffff:/, "");
      if (local && gone.has(local)) link.drop("KEEPALIVE_TIMEOUT", `this machine's address ${local} is gone`);
    }
    void this.mapper?.networkChanged();
    if (gone.size > 0) void this.rejoinRelays();
    this.publisher?.addressesChanged();
    this.beacon?.announceNow();
    this.standChanged();
  }

  /** A client per configured relay, joining it (and rejoining whenever it loses it). */
  private joinRelays(): RelayClient[] {
    return (this.opts.relays ?? []).map((relay) =>
      new RelayClient({ relay, identity: this.node.opts.local.identity, onInvitation: (inv) => void this.invited(inv), onState: () => this.standChanged() }).start(),
    );
  }

  /** Our sessions with the relays ran from an address that is gone: join them again from here, rather than after their ping times out. */
  private async rejoinRelays(): Promise<void> {
    const old = this.relays;
    if (old.length === 0 || this.stopped || !this.node.isDiscoverable) return;
    this.relays = this.joinRelays();
    await Promise.all(old.map((r) => r.stop().catch(() => {})));
  }

  /** Resolves once the port mapping's first attempt and the relays' first join are over (at most SETTLE_MS): where we stand is known. */
  async settled(): Promise<void> {
    const joins = this.relays.map((r) => r.whenJoined(SETTLE_MS).catch(() => {}));
    let timer: ReturnType<typeof setTimeout> | undefined;
    const cap = new Promise<void>((r) => (timer = setTimeout(r, SETTLE_MS)));
    await Promise.race([Promise.all([this.mapped, ...joins]), cap]);
    clearTimeout(timer);
  }

  /** Where we stand now (reach-verdict.ts). */
  verdict(): Verdict {
    return whereYouStand(this.facts());
  }

  private facts(): ReachFacts {
    const l = this.node.listening;
    return {
      running: this.node.opts.transient !== true,
      discoverable: this.node.isDiscoverable,
      listening: l,
      local: l ? advertised(l) : [],
      mapping: this.mapping(),
      relays: this.relays.map((r) => relayFacts(relayHostPort(r.relay), r.state)),
    };
  }

  private mapping(): MappingFacts {
    if (this.mapper) return this.mapper.state();
    return { state: "off", why: this.opts.upnp === false ? "setting" : "discovery-off" };
  }

  /** Something that decides where we stand changed: tell the node's listeners when the verdict's first line did. */
  private standChanged(): void {
    if (this.stopped || !this.node.isDiscoverable) return;
    if (this.said === null) return; // not settled yet: the first lines will say it
    const v = this.verdict();
    const first = v.lines[0] ?? "";
    if (first === this.said) return;
    this.said = first;
    this.node.events.emit({ type: "reach", reach: v.reach, lines: v.lines });
  }

  /** Where peers can reach us: the public mapped address first, then this machine's. */
  addresses(): string[] {
    const pub = this.mapper?.current();
    return advertised(this.node.listening, pub ? [hostPort(pub.address, pub.port)] : []);
  }

  /** The relays we stay joined to, as peers should name them (for hellos, invites and our DHT record). */
  relayUris(): string[] {
    return (this.opts.relays ?? []).map(formatRelayUri);
  }

  /** Someone asked one of our relays for a session with us: join it and run a link over it (the pin decides who it is). */
  private async invited(inv: Invitation): Promise<void> {
    try {
      const stream = await joinSession(inv);
      this.node.transport.attach(stream, {
        role: inv.serverSocket ? "server" : "client",
        direction: "in",
        via: `relay ${relayHostPort(inv.relay)}`,
        remote: { host: inv.relay.host, port: inv.relay.port },
      });
    } catch (err) {
      log.debug(`relay ${relayHostPort(inv.relay)}: could not join a session: ${(err as Error).message}`);
    }
  }

  /**
   * Every direct address of a contact failed: a session through one of its
   * relays, tried in turn. The link runs our TLS 1.3 through it (the relay
   * sees ciphertext); the pin decides as on any link. Null when none works.
   */
  async dialThroughRelay(name: string, ctx: LinkCtx): Promise<NodeLink | null> {
    const c = this.node.contacts.byName(name);
    if (!c?.peerId || c.relays.length === 0) return null;
    for (const text of c.relays) {
      let relay: RelayAddress;
      try {
        relay = parseRelayUri(text);
      } catch {
        continue;
      }
      try {
        const { inv, stream } = await connectThroughRelay(relay, this.node.opts.local.identity, c.peerId);
        log.debug(`${name}: through relay ${relayHostPort(relay)}`);
        return this.node.transport.attach(stream, {
          role: inv.serverSocket ? "server" : "client",
          direction: "out",
          via: `relay ${relayHostPort(relay)}`,
          remote: { host: relay.host, port: relay.port },
          ctx,
        });
      } catch (err) {
        log.debug(`${name}: relay ${relayHostPort(relay)}: ${(err as Error).message}`);
      }
    }
    return null;
  }

  /** Nodes heard on the LAN lately. */
  nearbyPeers(): NearbyPeer[] {
    return this.nearby.list();
  }

  status(): ReachStatus {
    return {
      public: this.mapper?.current() ?? null,
      mapping: this.mapping(),
      verdict: this.verdict(),
      lan: this.beacon?.running ? "on" : "off",
      nearby: this.nearby.size,
      dht: this.dht ? "on" : "off",
      dhtNote: this.dhtNote,
      dkey: this.dkey,
      relays: this.relays.map((r) => {
        const st = r.state;
        return { uri: r.uri, state: st.state, note: st.state === "waiting" ? st.error.message : null };
      }),
    };
  }

  /** A contact's addresses all failed: its DHT record may know a newer one. Null when there is nothing new to try. */
  async lookup(name: string): Promise<NewAddress[] | null> {
    const c = this.node.contacts.byName(name);
    if (!this.finder || !c?.peerId || !c.dkey) return null;
    const last = this.lastLookup.get(name) ?? 0;
    if (Date.now() - last < LOOKUP_GAP_MS) return null;
    this.lastLookup.set(name, Date.now());
    const found = await this.finder.lookup(c.peerId);
    const known = new Set(c.addresses.map((a) => hostPort(a.host, a.port)));
    const fresh: NewAddress[] = [];
    const relays = found.filter((t) => t.startsWith("relay://"));
    if (relays.length > 0 && relays.join() !== c.relays.join()) {
      await this.node.opts.store.updateContact(c.name, { relays: relays.slice(0, 4) }).catch(() => false);
      await this.node.contacts.refresh(c.name);
    }
    for (const text of found) {
      if (text.startsWith("relay://")) continue;
      try {
        const a = parseHostPort(text);
        if (!known.has(hostPort(a.host, a.port))) fresh.push({ ...a, source: "dht" });
      } catch {
        // not an address this build can dial
      }
    }
    log.debug(`DHT lookup of ${name}: ${found.length} address(es), ${fresh.length} new`);
    return fresh.length > 0 ? fresh : null;
  }

  private keyOf(peer: PeerId): Uint8Array | null {
    const dkey = this.node.contacts.byPeer(peer)?.dkey;
    if (!dkey) return null;
    try {
      return parseDiscoveryKey(dkey);
    } catch {
      return null;
    }
  }

  /**
   * A contact's beacon: remember where it is, and dial at once if we owe it
   * messages. Only the addresses its beacons came from are taken: a forged
   * beacon that names other hosts could fill the address book with places
   * that never answer, each costing a dial before the real one.
   */
  private async heardNearby(peerId: PeerId): Promise<void> {
    const c = this.node.contacts.byPeer(peerId);
    const heard = this.nearby.get(peerId);
    if (!c || !heard || c.blocked || this.stopped) return;
    const known = new Set(c.addresses.map((a) => hostPort(a.host, a.port)));
    const fresh = vouchedAddresses(heard)
      .filter((a) => !known.has(hostPort(a.host, a.port)))
      .map((a) => ({ host: a.host, port: a.port, source: "lan" as const }));
    if (fresh.length > 0) {
      await this.node.opts.store.saveAddresses(c.name, fresh, { preferred: true }).catch(() => 0);
      await this.node.contacts.refresh(c.name);
    }
    const now = this.node.contacts.byName(c.name);
    if (now && this.node.isDiscoverable && !this.node.peers.linkTo(now) && (await this.node.owes(now.name))) {
      log.debug(`${now.name} is on the LAN: dialing now`);
      this.node.peers.dial(now);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.watch?.stop();
    await Promise.all(this.relays.map((r) => r.stop().catch(() => {})));
    await this.publisher?.stop().catch(() => {});
    await this.beacon?.stop().catch(() => {});
    this.nearby.close();
    await this.mapper?.stop().catch(() => {});
    await this.dht?.stop().catch(() => {});
  }
}

function relayFacts(at: string, s: RelayClientState): ReachFacts["relays"][number] {
  return { at, state: s.state, note: s.state === "waiting" ? s.error.message : null };
}

/** What a record of ours says, for the debug log ("11.0.0.2:7001 192.168.1.10:7001"). */
function publishedAddresses(r: SignedRecord): string {
  try {
    const d = decodeRecord(r);
    return [...d.addresses, ...d.relays].join(" ") || "no address";
  } catch (err) {
    return `unreadable: ${(err as Error).message}`;
  }
}
