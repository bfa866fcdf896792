// Finding and being found, for one node: LAN beacons, a port mapping on the
// gateway, a signed record on the mainline DHT, our relays, and the addresses
// we tell others. Each turns the world into address hints for the node's
// address book; none decides who a peer is (the TLS pin alone does), and none
// knows of messages: the node hears what happened through ReachDeps and
// decides. A hidden node sends and publishes nothing. (Syncthing's
// discover.Manager and nat.Service, in one place.)
import type { Duplex } from "node:stream";
import type { PeerId } from "../protocol/peer-id.ts";
import type { NewAddress } from "../domain/contact.ts";
import { formatHostPort } from "../domain/host-port.ts";
import type { Identity } from "../transport/identity.ts";
import { childLogger } from "../log.ts";
import { chooseBootstrap, noDhtReason, type BootstrapNode } from "./dht/dht-bootstrap.ts";
import { DhtService, type DhtContacts } from "./dht/dht-service.ts";
import { loadOrCreateDiscoveryKey, type DiscoveryKey } from "./dht/discovery-key.ts";
import { discoveryAllowed } from "./discovery-switch.ts";
import { LanBeacon } from "./lan/lan-beacon.ts";
import { Nearby, type NearbyPeer } from "./lan/nearby-peers.ts";
import { PortMapper, type PublicAddress } from "./nat/portmap.ts";
import { ReachHelp } from "./reach-help.ts";
import { advertised, reachableFrom, widestScope } from "./net/addresses.ts";
import { describeChange, NetWatch, type NetState } from "./net/net-watch.ts";
import { whereYouStand, type MappingFacts, type ReachFacts, type Verdict } from "./reach-verdict.ts";
import { RelayMembership, type Relayed, type RelayState } from "./relay/relay-membership.ts";
import type { RelayAddress } from "./relay/uri.ts";

export type { Relayed, RelayState } from "./relay/relay-membership.ts";

const log = childLogger("reach");

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
  /** Relaying for our contacts while the internet reaches us directly (the node runs it: node/friend-relay/). Default: on, 16 sessions, 128 KiB/s each. */
  relayForContacts?: { on: boolean; sessions: number; rate: number | null };
  /** How long after three failed hole punches to try again (tests shorten it; default 1, 5, then 30 minutes). */
  punchRetryMs?: number;
}

/** What reach needs of the node, and tells it. */
export interface ReachDeps {
  /** The home folder, where the discovery key lives. */
  home: string;
  identity: Identity;
  /** A node a command starts for a moment: no node runs for the home (where-you-stand says so). */
  transient: boolean;
  discoverable(): boolean;
  listening(): { host: string; port: number } | null;
  contacts: DhtContacts;
  /** A contact's beacon was heard on the LAN (nearby.get(peerId) says from where). */
  heard(peerId: PeerId): void;
  /** Someone asked one of our relays for a session with us: run a link over the stream. */
  invited(stream: Duplex, how: Relayed): void;
  /** This machine lost these addresses: links from them are dead. */
  lost(addresses: ReadonlySet<string>): void;
  /** Where we stand changed (its first line): the new verdict. */
  stands(verdict: Verdict): void;
  /** Where our identity's other devices are (HOST:PORT): our record points to them too. */
  otherDevices?(): string[];
  /** The other devices (ids) of a contact's identity, to ask its relays for. */
  devicesOf?(peerId: PeerId): PeerId[];
}

/** Addresses of other devices a DHT record carries beside ours (the record holds 1,000 bytes). */
const MAX_DEVICE_ADDRESSES = 6;

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
  /** Public addresses peers say they see us at (what a hole punch offers). */
  seenAt: string[];
}

export class ReachService {
  private key: DiscoveryKey | null = null;
  private beacon: LanBeacon | null = null;
  readonly nearby: Nearby;
  private mapper: PortMapper | null = null;
  private readonly dht: DhtService;
  private readonly relays: RelayMembership;
  private watch: NetWatch | null = null;
  private mapped: Promise<void> = Promise.resolve();
  private said: string | null = null;
  private stopped = false;
  /** What others do for our reach: where they see us, friends' relays, our relay for contacts' port (reach-help.ts). */
  readonly help: ReachHelp;

  constructor(
    private readonly d: ReachDeps,
    private readonly opts: ReachOptions,
  ) {
    this.nearby = new Nearby({ prefer: (id) => d.contacts.byPeer(id) !== undefined });
    this.nearby.onPeer((peerId) => {
      if (!this.stopped) d.heard(peerId);
    });
    this.dht = new DhtService({
      contacts: d.contacts,
      discoverable: d.discoverable,
      port: opts.dhtPort,
      // Only what whoever uses this DHT can dial: on the public DHT no LAN
      // address (nobody there can use one, and it describes our home).
      content: () => {
        const mine = this.addresses();
        const others = (d.otherDevices?.() ?? []).filter((a) => !mine.includes(a)).slice(0, MAX_DEVICE_ADDRESSES);
        const addresses = reachableFrom([...mine, ...others], widestScope(chooseBootstrap(this.opts.dhtBootstrap).map((b) => b.host)));
        const relays = this.relayUris();
        return addresses.length > 0 || relays.length > 0 ? { peerId: d.identity.peerId, addresses, relays } : null;
      },
    });
    this.relays = new RelayMembership({
      relays: opts.relays ?? [],
      identity: d.identity,
      discoverable: d.discoverable,
      contact: (name) => d.contacts.byName(name),
      invited: d.invited,
      changed: () => this.standChanged(),
      devicesOf: d.devicesOf,
    });
    this.help = new ReachHelp({ seed: d.identity.peerId, portmap: opts.portmap, relays: this.relays, stand: () => ({ verdict: this.verdict(), mapping: this.mapping(), local: this.facts().local }) });
    this.help.onStandChange(() => this.standChanged());
  }

  /** Our discovery key (z-base-32), for hellos and invites. */
  get dkey(): string | null {
    return this.key?.z32 ?? null;
  }

  /** Loads the discovery key and joins the DHT (it answers others even while we are hidden; we publish only when discoverable). */
  async start(): Promise<void> {
    this.key = await loadOrCreateDiscoveryKey(this.d.home).catch((err) => {
      log.warn(`no discovery key: ${(err as Error).message}`);
      return null;
    });
    if (this.opts.dht !== false && this.key) {
      const bootstrap = chooseBootstrap(this.opts.dhtBootstrap);
      if (bootstrap.length === 0) this.dht.note = noDhtReason();
      else void this.dht.start(bootstrap, this.key);
    } else {
      this.dht.note = this.opts.dht === false ? "turned off (--no-dht)" : "no discovery key";
    }
  }

  /** Follows the node: discoverable, it announces, maps and publishes; hidden, none of it. */
  async discoverable(on: boolean): Promise<void> {
    if (this.stopped) return;
    if (on) {
      const port = this.d.listening()?.port ?? 0;
      if (this.opts.lan !== false && discoveryAllowed()) {
        this.beacon ??= new LanBeacon({
          peerId: this.d.identity.peerId,
          port: () => this.d.listening()?.port ?? 0,
          discoveryKey: () => this.key?.publicKey,
          nearby: this.nearby,
        });
        void this.beacon.start();
      }
      if (this.opts.upnp !== false && discoveryAllowed() && port > 0 && !this.mapper) {
        const mapper = new PortMapper({ internalPort: port, seed: this.d.identity.peerId, log: childLogger("portmap"), ...this.opts.portmap });
        mapper.onChange((now) => {
          log.debug(now ? `public address ${now.address}:${now.port} (${now.via})` : "no public address");
          this.dht.addressesChanged();
          this.standChanged();
        });
        this.mapper = mapper;
        this.mapped = mapper.start().finally(() => this.standChanged());
      }
      this.relays.join();
      if (discoveryAllowed() && !this.watch) {
        this.watch = new NetWatch({ onChange: (before, after) => this.moved(before, after) });
        void this.watch.start();
      }
      this.dht.resume();
      // Where we stand once it is known is what the first lines say; later changes are events.
      void this.settled().then(() => {
        if (this.d.discoverable()) this.said ??= this.verdict().lines[0] ?? "";
      });
    } else {
      this.watch?.stop();
      this.watch = null;
      this.said = null;
      this.dht.pause();
      await this.relays.leave();
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
   * the LAN, and have the node close the links whose local address is gone
   * (dead: what their peers send goes nowhere), so both sides dial again.
   */
  private moved(before: NetState, after: NetState): void {
    if (this.stopped) return;
    log.info(`the network changed (${describeChange(before, after)}): mapping, publishing and announcing again`);
    const gone = new Set(before.addresses.filter((a) => !after.addresses.includes(a)));
    this.d.lost(gone);
    void this.mapper?.networkChanged();
    if (gone.size > 0) void this.relays.rejoin();
    this.dht.addressesChanged();
    this.beacon?.announceNow();
    this.standChanged();
  }

  /** Resolves once the port mapping's first attempt and the relays' first join are over (at most SETTLE_MS): where we stand is known. */
  async settled(): Promise<void> {
    const joins = this.relays.joined(SETTLE_MS);
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
    const l = this.d.listening();
    return {
      running: !this.d.transient,
      discoverable: this.d.discoverable(),
      listening: l,
      local: l ? advertised(l) : [],
      mapping: this.mapping(),
      relays: this.relays.facts(),
    };
  }

  private mapping(): MappingFacts {
    if (this.mapper) return this.mapper.state();
    return { state: "off", why: this.opts.upnp === false ? "setting" : "discovery-off" };
  }

  /** Something that decides where we stand changed: tell the node when the verdict's first line did. */
  private standChanged(): void {
    if (this.stopped) return;
    this.help.follow();
    if (!this.d.discoverable()) return;
    if (this.said === null) return; // not settled yet: the first lines will say it
    const v = this.verdict();
    const first = v.lines[0] ?? "";
    if (first === this.said) return;
    this.said = first;
    this.d.stands(v);
  }

  /** Where peers can reach us: the public mapped address first, then this machine's. */
  addresses(): string[] {
    const pub = this.mapper?.current();
    return advertised(this.d.listening(), pub ? [formatHostPort(pub.address, pub.port)] : []);
  }

  /** The relays we stay joined to, as peers should name them (for hellos, invites and our DHT record). */
  relayUris(): string[] {
    return this.relays.uris();
  }

  /** Every direct address of a contact failed: a link through one of its relays, run by `attach`; null when none works. */
  dialThroughRelay<L>(name: string, attach: (stream: Duplex, how: Relayed) => L): Promise<L | null> {
    return this.relays.dialThrough(name, attach);
  }

  /** Our other devices or their addresses changed: our record, which points to them, goes out again. */
  devicesChanged(): void {
    this.dht.addressesChanged();
  }

  /** A contact's addresses all failed: its DHT record may know a newer one. Null when there is nothing new to try. */
  lookup(name: string): Promise<NewAddress[] | null> {
    return this.dht.lookup(name);
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
      dht: this.dht.running ? "on" : "off",
      dhtNote: this.dht.note,
      dkey: this.dkey,
      relays: this.relays.states(),
      seenAt: this.help.observed.publicIps(),
    };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.watch?.stop();
    await this.help.stop();
    await this.relays.stop();
    await this.beacon?.stop().catch(() => {});
    this.nearby.close();
    await this.mapper?.stop().catch(() => {});
    await this.dht.stop();
  }
}
