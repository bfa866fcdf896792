// The DHT as one more source of address hints for a contact: the node asks
// it when every address it knows for a peer has failed. It needs the
// contact's discovery key (from their invite or hello); a record naming
// another peer id is no hint for this peer. Whatever it returns is dialed
// and then judged by the TLS pin, as every other address is.
import type { PeerId } from "../../protocol/peer-id.ts";
import { screenAddresses, splitHostPort } from "../net/wire-address.ts";
import { screenRelays } from "../relay/uri.ts";
import type { DhtClient } from "./dht-client.ts";
import type { DecodedRecord } from "./record.ts";

export interface DhtFinderOptions {
  dht: Pick<DhtClient, "resolve"> & Partial<Pick<DhtClient, "onLoopback">>;
  /** The contact's discovery key, or null when we do not know it. */
  keyFor(peer: PeerId): Uint8Array | null | Promise<Uint8Array | null>;
}

export class DhtFinder {
  readonly name = "dht";
  #error: Error | null = null;
  /** The newest record seen per key: a lookup never goes back to an older one. */
  #newest = new Map<string, DecodedRecord>();

  constructor(private readonly opts: DhtFinderOptions) {}

  /**
   * Addresses (`host:port`) then relays (`relay://...`) the peer last
   * published, those a peer can be at (wire-address.ts); [] when it has no
   * key, no record, or a record for another peer id. Errors are kept for
   * error(), never thrown.
   */
  async lookup(peer: PeerId, signal?: AbortSignal): Promise<string[]> {
    const record = await this.lookupRecord(peer, signal);
    if (!record) return [];
    // A record is the peer's own word, signed, yet no more than a hint: it
    // names only places a peer elsewhere can be (wire-address.ts), loopback
    // only in a DHT on this machine.
    const origin = { fromLoopback: this.opts.dht.onLoopback ?? false };
    const addresses = screenAddresses(
      record.addresses.flatMap((text) => {
        const a = splitHostPort(text);
        return a ? [{ ...a, text }] : [];
      }),
      origin,
    ).map((a) => a.text);
    return [...addresses, ...screenRelays(record.relays, origin)];
  }

  /** As lookup(), with the whole record (its seq and time too). */
  async lookupRecord(peer: PeerId, signal?: AbortSignal): Promise<DecodedRecord | null> {
    let known: DecodedRecord | undefined;
    try {
      const key = await this.opts.keyFor(peer);
      if (!key) return null;
      const id = Buffer.from(key).toString("hex");
      known = this.#newest.get(id);
      const fresh = await this.opts.dht.resolve(key, { newerThan: known?.seq, signal });
      if (fresh) this.#newest.set(id, (known = fresh));
      this.#error = null;
    } catch (err) {
      // The DHT failed us this time: what it told us before is still a hint.
      this.#error = err as Error;
    }
    if (known && known.peerId !== peer) {
      this.#error = new Error(`the DHT record for ${peer}'s discovery key names another peer id, ${known.peerId}`);
      return null;
    }
    return known ?? null;
  }

  /** Why the last lookup found nothing usable, or null. */
  error(): Error | null {
    return this.#error;
  }
}
