// The running node's view of the address book: cached for the checks that
// run on every connection, written through the store, reloaded on change.
import type { Hello } from "../protocol/messages.ts";
import type { PeerId } from "../protocol/peer-id.ts";
import { StoreError, type Contact, type Store } from "../store/store.ts";
import { childLogger } from "../log.ts";
import { formatHostPort, MAX_NAME } from "./address.ts";
import type { NodeEvent } from "./events.ts";

const log = childLogger("node");

/** `::ffff:127.0.0.1` and `127.0.0.1` are the same peer address. */
export function normalizeHost(host: string): string {
  const h = host.toLowerCase();
  return h.startsWith("::ffff:") && h.includes(".") ? h.slice(7) : h;
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

  /** Trust on first use: an unpinned contact we dialed is pinned to what answered. Null when that id belongs to another contact. */
  async pinOnFirstContact(contact: Contact, peerId: PeerId, address: string, emit: (e: NodeEvent) => void): Promise<Contact | null> {
    const current = this.names.get(contact.name) ?? contact;
    if (current.peerId === peerId) return current;
    const other = this.peers.get(peerId);
    if (other && other.name !== current.name) {
      const text = `${current.name} at ${address} answered as ${peerId}, which is your contact ${other.name}: not pinned (remove one of the two contacts)`;
      emit({ type: "warning", peer: current.name, text });
      log.warn(text);
      return null;
    }
    await this.store.updateContact(current.name, { peerId });
    const pinned = { ...current, peerId };
    this.put(pinned);
    emit({ type: "contact", name: current.name, peerId, how: "pinned", address });
    log.debug(`${current.name} pinned to ${peerId} on first contact (${address})`);
    return pinned;
  }

  /**
   * A peer we have no pinned contact for connected to us. An unpinned contact
   * at its address (host and announced listen port) is pinned to it; else it
   * becomes a new contact under the name it announced, made unique (bob-2),
   * unless we accept contacts only. Returns null when refused.
   */
  async acceptUnknown(peerId: PeerId, hello: Hello, remoteHost: string, contactsOnly: boolean, emit: (e: NodeEvent) => void): Promise<Contact | null> {
    const host = normalizeHost(remoteHost);
    const match = this.all().find((c) => !c.peerId && !c.legacy && normalizeHost(c.host) === host && c.port === hello.port);
    const address = formatHostPort(host, hello.port);
    if (match) return this.pinOnFirstContact(match, peerId, address, emit);
    if (contactsOnly) {
      log.info(`refused ${hello.name} (${peerId}) from ${host}: not a contact (--contacts-only)`);
      return null;
    }
    for (let n = 1; n < 1000; n++) {
      const name = uniqueName(hello.name, n);
      if (this.names.has(name)) continue;
      let added: Contact;
      try {
        added = await this.store.addContact({ name, host, port: hello.port, peerId });
      } catch (err) {
        if (err instanceof StoreError && err.code === "DUPLICATE_NAME") continue;
        if (err instanceof StoreError && err.code === "DUPLICATE_PEER") {
          await this.reload();
          return this.peers.get(peerId) ?? null;
        }
        throw err;
      }
      this.put(added);
      emit({ type: "contact", name, peerId, how: "new-peer", address });
      log.debug(`new contact ${name} (${peerId}) connected from ${address}; added to your contacts`);
      return added;
    }
    return null;
  }
}

function uniqueName(base: string, n: number): string {
  if (n === 1) return base;
  const suffix = `-${n}`;
  return [...base].slice(0, MAX_NAME - suffix.length).join("") + suffix;
}
