// Contacts' offers to relay for us ("I relay for you": a relay-offer frame
// on their link). An offer is taken only for the contact's own relay (its
// id is the contact's peer id: the friend relays with its own certificate,
// so the pin that proves the relay proves the friend) at an address the
// wire filter lets through; the newest offer of each contact counts. Which
// of them to join, and when, is reach-service.ts's.
import type { PeerId } from "../../protocol/peer-id.ts";
import { wireHostProblem, type WireOrigin } from "../net/wire-address.ts";
import type { FriendRelay } from "./relay-membership.ts";
import { parseRelayUri, type RelayAddress } from "./uri.ts";

/** Friends' relays joined at once: two are enough to survive one friend's going away. */
export const MAX_FRIEND_RELAYS = 2;

export class FriendOffers {
  private readonly offers = new Map<string, { relay: RelayAddress; at: number }>();

  /**
   * `name` (pinned to `peerId`) offers `uri`, or withdraws (null). Returns
   * true when what is offered changed; an offer that cannot be taken counts
   * as a withdrawal.
   */
  offered(name: string, peerId: PeerId | null, uri: string | null, origin: WireOrigin): boolean {
    let relay: RelayAddress | null = null;
    if (uri !== null && peerId) {
      try {
        const r = parseRelayUri(uri);
        if (r.id === peerId && wireHostProblem(r.host, origin) === null) relay = r;
      } catch {
        // not a relay address: no offer
      }
    }
    const before = this.offers.get(name);
    if (!relay) return this.offers.delete(name);
    if (before && before.relay.host === relay.host && before.relay.port === relay.port && before.relay.id === relay.id) return false;
    this.offers.set(name, { relay, at: Date.now() });
    return true;
  }

  /** A contact renamed or removed: its offer follows or goes. */
  forget(name: string): boolean {
    return this.offers.delete(name);
  }

  /** The offers to join, the newest first, at most MAX_FRIEND_RELAYS. */
  list(): FriendRelay[] {
    return [...this.offers.entries()]
      .sort(([, a], [, b]) => b.at - a.at)
      .slice(0, MAX_FRIEND_RELAYS)
      .map(([name, o]) => ({ name, relay: o.relay }));
  }
}
