// Our part in the mainline DHT: joined at start (it answers others even while
// we are hidden), our signed record published while we are discoverable, and
// contacts looked up by their discovery keys when their addresses fail. What
// a lookup finds is a hint like any other: the TLS pin decides who answers.
import type { PeerId } from "../../protocol/peer-id.ts";
import type { Contact, NewAddress } from "../../domain/contact.ts";
import { formatHostPort, parseHostPort } from "../../domain/host-port.ts";
import { childLogger } from "../../log.ts";
import type { BootstrapNode } from "./dht-bootstrap.ts";
import { DhtClient } from "./dht-client.ts";
import { DhtFinder } from "./dht-finder.ts";
import { DhtPublisher } from "./dht-publisher.ts";
import { parseDiscoveryKey, type DiscoveryKey } from "./discovery-key.ts";
import type { RecordContent } from "./record-packet.ts";
import { decodeRecord, type SignedRecord } from "./record.ts";

const log = childLogger("reach");

/** A contact is looked up on the DHT at most this often (a failing dial loop must not hammer it). */
export const LOOKUP_GAP_MS = 5_000;

/** What finding contacts needs of the address book. */
export interface DhtContacts {
  byName(name: string): Contact | undefined;
  byPeer(peer: PeerId): Contact | undefined;
  /** The relays a contact's record lists, saved as its own. */
  saveRelays(name: string, relays: string[]): Promise<void>;
}

export interface DhtServiceDeps {
  contacts: DhtContacts;
  /** We publish only while discoverable. */
  discoverable(): boolean;
  /** What our record says now, or null when there is nothing to publish. */
  content(): RecordContent | null;
  /** Where the DHT's UDP socket binds (tests). */
  port?: number;
}

export class DhtService {
  private dht: DhtClient | null = null;
  private publisher: DhtPublisher | null = null;
  private finder: DhtFinder | null = null;
  /** Why there is no DHT (null while it starts, or once it is up). */
  note: string | null = null;
  private readonly lastLookup = new Map<string, number>();
  private stopped = false;

  constructor(private readonly d: DhtServiceDeps) {}

  get running(): boolean {
    return this.dht !== null;
  }

  /** Joins (what fails is kept in `note`); once joined, publishes while we are discoverable. */
  async start(bootstrap: BootstrapNode[], key: DiscoveryKey): Promise<void> {
    try {
      const dht = await DhtClient.start({ bootstrap, port: this.d.port });
      if (this.stopped) return void (await dht.stop());
      this.dht = dht;
      this.finder = new DhtFinder({ dht, keyFor: (peer) => this.keyOf(peer) });
      this.publisher = new DhtPublisher({
        publish: (r) => dht.publish(r),
        key,
        content: () => this.d.content(),
        paused: !this.d.discoverable(),
        onPublished: (r, nodes) => log.debug(`published our record on the DHT (${nodes} nodes took it): ${publishedAddresses(r)}`),
        onError: (err) => log.debug(`DHT publish: ${err.message}`),
      });
      this.publisher.start();
      this.note = null;
    } catch (err) {
      this.note = (err as Error).message;
      log.debug(`no DHT: ${this.note}`);
    }
  }

  pause(): void {
    this.publisher?.pause();
  }

  resume(): void {
    this.publisher?.resume();
  }

  /** Our addresses changed: the record goes out again. */
  addressesChanged(): void {
    this.publisher?.addressesChanged();
  }

  /** A contact's addresses all failed: its DHT record may know a newer one. Null when there is nothing new to try. */
  async lookup(name: string): Promise<NewAddress[] | null> {
    const c = this.d.contacts.byName(name);
    if (!this.finder || !c?.peerId || !c.dkey) return null;
    const last = this.lastLookup.get(name) ?? 0;
    if (Date.now() - last < LOOKUP_GAP_MS) return null;
    this.lastLookup.set(name, Date.now());
    const found = await this.finder.lookup(c.peerId);
    const known = new Set(c.addresses.map((a) => formatHostPort(a.host, a.port)));
    const fresh: NewAddress[] = [];
    const relays = found.filter((t) => t.startsWith("relay://"));
    if (relays.length > 0 && relays.join() !== c.relays.join()) await this.d.contacts.saveRelays(c.name, relays.slice(0, 4));
    for (const text of found) {
      if (text.startsWith("relay://")) continue;
      try {
        const a = parseHostPort(text);
        if (!known.has(formatHostPort(a.host, a.port))) fresh.push({ ...a, source: "dht" });
      } catch {
        // not an address this build can dial
      }
    }
    log.debug(`DHT lookup of ${name}: ${found.length} address(es), ${fresh.length} new`);
    return fresh.length > 0 ? fresh : null;
  }

  private keyOf(peer: PeerId): Uint8Array | null {
    const dkey = this.d.contacts.byPeer(peer)?.dkey;
    if (!dkey) return null;
    try {
      return parseDiscoveryKey(dkey);
    } catch {
      return null;
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.publisher?.stop().catch(() => {});
    await this.dht?.stop().catch(() => {});
  }
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
