// What a contact's link does for reaching each other better, beside the
// messages it carries: the address its hello says it sees us at (our public
// address, behind NAT) goes to reach/, a relayed link is upgraded to a
// direct one through a punched hole (dial/punch-dials.ts), a friend's offer
// to relay for us is passed on (reach-help.ts decides whether to join it),
// and our own relay for contacts is offered on the link. peers.ts calls this
// on every contact's adopted link.
import type { PeerId } from "../protocol/peer-id.ts";
import { FRIEND_RELAY_CAP, type ReachFrame } from "../protocol/reach-frames.ts";
import type { Contact } from "../domain/contact.ts";
import type { Transport } from "../transport/transport.ts";
import { isLoopbackHost } from "../reach/net/wire-address.ts";
import type { ReachService } from "../reach/reach-service.ts";
import { PunchDials } from "./dial/punch-dials.ts";
import type { ReachHooks } from "./engine/peer-hooks.ts";
import { newCtx, type LinkCtx, type NodeLink } from "./engine/link-ctx.ts";
import type { NodeEvent } from "./node-events.ts";

export interface ReachLinksDeps {
  self: PeerId;
  reach: () => Pick<ReachService, "help">;
  transport: () => Transport<LinkCtx>;
  emit(event: NodeEvent): void;
  /** The relay URI we offer our contacts now (friend-relay.ts), or null. */
  offer(): string | null;
  /** How long after a failed round of hole punching to try again (tests); default punch-dials.ts's. */
  punchRetryMs?: number;
}

export class ReachLinks implements ReachHooks {
  private readonly punch: PunchDials<LinkCtx>;

  constructor(private readonly d: ReachLinksDeps) {
    this.punch = new PunchDials<LinkCtx>({
      self: d.self,
      candidates: (port) => d.reach().help.observed.candidates(port),
      attach: (stream, how) => d.transport().attach(stream, { ...how, via: null, punched: true }),
      newCtx: (c) => newCtx(c),
      punched: (c, link, ms) => d.emit({ type: "punch", peer: c.name, ok: true, address: link.address, ms }),
      gaveUp: (c, why, againInMs) => d.emit({ type: "punch", peer: c.name, ok: false, why, againInMs }),
      ...(d.punchRetryMs ? { backoffMs: [d.punchRetryMs] } : {}),
    });
  }

  up(link: NodeLink, contact: Contact): void {
    const seen = link.peerHello?.seen;
    if (seen && link.via === null) this.d.reach().help.observed.note(seen, link.peerId!);
    this.punch.up(link, contact);
    const uri = this.d.offer();
    if (uri) this.offerOn(link, uri);
  }

  down(link: NodeLink): void {
    this.punch.down(link);
  }

  frame(link: NodeLink, contact: Contact, f: ReachFrame): void {
    if (f.type !== "relay-offer") return this.punch.frame(link, contact, f);
    this.d.reach().help.relayOffered(contact.name, contact.peerId, f.uri, { fromLoopback: isLoopbackHost(link.remoteHost) });
  }

  /** What we offer changed: tell every contact linked now (null: the offer is withdrawn). */
  offerAll(uri: string | null, links: Iterable<NodeLink>): void {
    for (const link of links) if (link.ctx.contact) this.offerOn(link, uri);
  }

  private offerOn(link: NodeLink, uri: string | null): void {
    if (link.peerHello?.caps.includes(FRIEND_RELAY_CAP)) link.sendReach({ type: "relay-offer", uri });
  }
}
