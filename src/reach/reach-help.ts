// What others do for our reach, following where we stand: the peers we link
// to directly tell us where they see us (the candidates of a hole punch),
// contacts that the internet reaches offer to relay for us (joined while it
// cannot reach us directly, not while the router is still being asked), and
// our own relay for contacts needs its port reachable as our own is. The
// node's relay for contacts watches it (onChange).
import type { PeerId } from "../protocol/peer-id.ts";
import { ExposedPort, type ExposedAt } from "./nat/exposed-port.ts";
import type { PortMapperOptions } from "./nat/portmap.ts";
import { addressScope } from "./net/addresses.ts";
import type { WireOrigin } from "./net/wire-address.ts";
import { ObservedAddresses } from "./punch/observed.ts";
import type { MappingFacts, Verdict } from "./reach-verdict.ts";
import { FriendOffers } from "./relay/friend-offers.ts";
import type { RelayMembership } from "./relay/relay-membership.ts";

export interface ReachHelpDeps {
  /** Seeds the fallback external ports of a second mapping (the peer id). */
  seed: string;
  portmap?: Partial<PortMapperOptions>;
  relays: Pick<RelayMembership, "setFriends">;
  /** Where we stand now, and what it is made of. */
  stand(): { verdict: Verdict; mapping: MappingFacts; local: string[] };
}

export class ReachHelp {
  /** Where peers see us (their hellos' `seen`). */
  readonly observed = new ObservedAddresses();
  private readonly offers = new FriendOffers();
  private readonly exposed: ExposedPort;
  private exposedPort: number | null = null;
  private readonly watchers = new Set<() => void>();
  private standWatcher: () => void = () => {};
  private stopped = false;
  /** follow() runs; a change it causes (a relay joined) makes it run once more after, not within. */
  private following = false;
  private again = false;

  constructor(private readonly d: ReachHelpDeps) {
    this.exposed = new ExposedPort({ seed: d.seed, portmap: d.portmap, changed: () => this.standWatcher() });
  }

  /** The second mapping moved: where we stand is looked at again (reach-service.ts calls follow() then). */
  onStandChange(cb: () => void): void {
    this.standWatcher = cb;
  }

  /** Where we stand changed: join or leave friends' relays, expose our relay's port or not, and tell whoever watches. */
  follow(): void {
    if (this.stopped) return;
    if (this.following) return void (this.again = true);
    this.following = true;
    try {
      do {
        this.again = false;
        const { verdict, mapping, local } = this.d.stand();
        const asking = mapping.state === "trying";
        this.d.relays.setFriends(verdict.reach === "direct" || asking ? [] : this.offers.list());
        const pub = local.map((a) => a.slice(0, a.lastIndexOf(":"))).find((h) => !h.startsWith("[") && addressScope(h) === "public") ?? null;
        this.exposed.set(this.exposedPort, { publicIp: pub, mapping: mapping.state === "mapped" });
        for (const w of [...this.watchers]) w();
      } while (this.again && !this.stopped);
    } finally {
      this.following = false;
    }
  }

  /** Called after every follow() (the node's relay for contacts looks again). */
  onChange(cb: () => void): () => void {
    this.watchers.add(cb);
    return () => this.watchers.delete(cb);
  }

  /** A contact offers to relay for us (a relay-offer frame), or withdraws. */
  relayOffered(name: string, peerId: PeerId | null, uri: string | null, origin: WireOrigin): void {
    if (this.offers.offered(name, peerId, uri, origin)) this.follow();
  }

  /** Keep our relay for contacts' port reachable as our own is (null: no longer); exposedAt() says where. */
  exposePort(port: number | null): void {
    if (port === this.exposedPort) return;
    this.exposedPort = port;
    this.follow();
  }

  exposedAt(): ExposedAt | null {
    return this.exposed.at();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.watchers.clear();
    await this.exposed.stop();
  }
}
