// Who may use our relay for contacts: the one check, by the peer id the TLS
// handshake proved (the SHA-256 of the certificate the client presented,
// as admission.ts computes it for a link). A contact, not blocked; never a
// request or a stranger. A contact with several devices extends this one
// function (each device's certificate maps to its person here too).
import type { PeerId } from "../../protocol/peer-id.ts";
import type { Contacts } from "../engine/contact-cache.ts";

export function mayUseOurRelay(contacts: Pick<Contacts, "byPeer">, id: PeerId): boolean {
  const c = contacts.byPeer(id);
  return c !== undefined && !c.blocked && !c.legacy;
}
