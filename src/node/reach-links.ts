// What a contact's link does for reaching each other better, beside the
// messages it carries: the address its hello says it sees us at (our public
// address, behind NAT) goes to reach/, a relayed link is upgraded to a
// direct one through a punched hole (dial/punch-dials.ts), and a friend's
// offer to relay for us is passed on (reach-service.ts decides whether to
// join it). peers.ts calls this on every contact's adopted link.
import type { ReachFrame } from "../protocol/reach-frames.ts";
import type { Contact } from "../domain/contact.ts";
import type { ReachHooks } from "./engine/peers.ts";
import type { NodeLink } from "./engine/link-ctx.ts";
import type { PunchDials } from "./dial/punch-dials.ts";

export interface ReachLinksDeps {
  punch: PunchDials<NodeLink["ctx"]>;
  /** `from` sees us at `hostPort` (a hello's `seen`, on a link straight to it). */
  observed(hostPort: string, from: string): void;
  /** A contact offers to relay for us (relay://...), or withdraws its offer (null), on `link`. */
  relayOffered(contact: Contact, uri: string | null, link: NodeLink): void;
  /** A contact's link is up: what we tell it of our own relay for contacts. */
  greet(link: NodeLink, contact: Contact): void;
}

export class ReachLinks implements ReachHooks {
  constructor(private readonly d: ReachLinksDeps) {}

  up(link: NodeLink, contact: Contact): void {
    const seen = link.peerHello?.seen;
    if (seen && link.via === null) this.d.observed(seen, link.peerId!);
    this.d.punch.up(link, contact);
    this.d.greet(link, contact);
  }

  down(link: NodeLink): void {
    this.d.punch.down(link);
  }

  frame(link: NodeLink, contact: Contact, f: ReachFrame): void {
    if (f.type === "relay-offer") this.d.relayOffered(contact, f.uri, link);
    else this.d.punch.frame(link, contact, f);
  }
}
