// The running node's view of the address book: cached for the checks that
// run on every connection, written through the store, reloaded on change.
import type { Hello } from "../../protocol/messages.ts";
import type { PeerId } from "../../protocol/peer-id.ts";
import type { Contact } from "../../domain/contact.ts";
import { normalizeHost, parseHostPort } from "../../domain/host-port.ts";
import type { Recipient, Store } from "../../store/store.ts";
import { childLogger } from "../../log.ts";
import type { NodeEvent } from "../node-events.ts";

const log = childLogger("node");

/** Whom a contact's messages are for: its pinned identity (none for a legacy peer). */
export function recipientOf(c: Contact): Recipient {
  return { name: c.name, peerId: c.legacy ? null : c.peerId };
}

export class Contacts {
  private names = new Map<string, Contact>();
  private peers = new Map<PeerId, Contact>();

  constructor(private readonly store: Store) {}

  async reload(): Promise<void> {
    const list = await this.store.listContacts();
    this.names = new Map(list.map((c) => [c.name, c]));
    this.peers = new Map(list.filter((c) => c.peerId).map((c) => [c.peerId!, c]));
  }

  /** Reads one contact again (its addresses changed). */
  async refresh(name: string): Promise<Contact | undefined> {
    const c = await this.store.findContact(name);
    if (c) this.put(c);
    return c ?? undefined;
  }

  /** Records a contact just written to the store, without reading them all back. */
  put(c: Contact): void {
    const old = this.names.get(c.name);
    if (old?.peerId) this.peers.delete(old.peerId);
    this.names.set(c.name, c);
    if (c.peerId) this.peers.set(c.peerId, c);
  }

  all(): Contact[] {
    return [...this.names.values()];
  }

  byName(name: string): Contact | undefined {
    return this.names.get(name);
  }

  byPeer(peerId: PeerId): Contact | undefined {
    return this.peers.get(peerId);
  }

  /**
   * The unpinned contact whose typed address a stranger's knock points at:
   * it dials from that host and announces that port, or its hello lists that
   * address. It may be that contact; only a dial of ours there can tell.
   */
  unpinnedAt(from: string, hello: Pick<Hello, "port" | "addrs">): Contact | undefined {
    const said: { host: string; port: number }[] = [{ host: from, port: hello.port }];
    for (const text of hello.addrs ?? []) {
      try {
        said.push(parseHostPort(text));
      } catch {
        // not an address: nothing to match
      }
    }
    const at = new Set(said.filter((a) => a.port > 0).map((a) => `${normalizeHost(a.host)} ${a.port}`));
    const typed = (c: Contact) => [c, ...c.addresses.filter((a) => a.source === "typed")].some((a) => at.has(`${normalizeHost(a.host)} ${a.port}`));
    return this.all().find((c) => !c.peerId && !c.blocked && !c.legacy && typed(c));
  }

  /**
   * Trust on first use, only ever on a link we dialed to the contact's saved
   * address: an unpinned contact is pinned to what answered there. Null when
   * that id belongs to another contact. (A peer that dials us is never
   * pinned to a contact by its address or what it claims: it is a request.)
   */
  async pinOnFirstContact(contact: Contact, peerId: PeerId, address: string, emit: (e: NodeEvent) => void): Promise<Contact | null> {
    const current = this.names.get(contact.name) ?? contact;
    if (current.peerId === peerId) return current;
    const other = this.peers.get(peerId);
    if (other && other.name !== current.name) {
      const text = `${current.name} at ${address} answered as ${peerId}, which is your contact ${other.name}: not pinned (remove one of the two contacts)`;
      emit({ type: "warning", peer: current.name, text });
      log.debug(text); // shown through the event, once
      return null;
    }
    await this.store.updateContact(current.name, { peerId });
    const pinned = { ...current, peerId };
    this.put(pinned);
    emit({ type: "contact", name: current.name, peerId, how: "pinned", address });
    log.debug(`${current.name} pinned to ${peerId} on first contact (${address})`);
    return pinned;
  }
}
