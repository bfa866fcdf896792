// The address book: contacts by name, validated on the way in.
import { parsePeerId, type PeerId } from "../../protocol/peer-id.ts";
import { validateName } from "../../domain/contact-name.ts";
import type { AddressSource, Contact, NewAddress } from "../../domain/contact.ts";
import { parseHostPort } from "../../domain/host-port.ts";
import { NodeError } from "../../domain/node-error.ts";
import { StoreError } from "../../store/store-error.ts";
import type { Store } from "../../store/store.ts";

export interface AddContactOptions {
  /** A peer id to pin now instead of on first contact. */
  id?: string;
  legacy?: boolean;
  /** Where the address came from (default: typed). */
  source?: AddressSource;
  /** More addresses to try (an invite's). */
  addresses?: readonly NewAddress[];
  /** An invite's token, presented when we dial it. */
  inviteToken?: string;
  /** An invite's discovery key and relays: saved before the first dial, so that dial may use the relays. */
  dkey?: string;
  relays?: readonly string[];
}

export class AddressBook {
  constructor(private readonly store: Store) {}

  list(): Promise<Contact[]> {
    return this.store.listContacts();
  }

  async get(name: string): Promise<Contact> {
    const c = await this.store.findContact(name);
    if (!c) throw NodeError.notAContact(name);
    return c;
  }

  find(name: string): Promise<Contact | null> {
    return this.store.findContact(name);
  }

  async add(name: string, address: string, opts: AddContactOptions = {}): Promise<Contact> {
    validateName(name);
    const { host, port } = parseHostPort(address);
    let peerId: PeerId | null = null;
    if (opts.id !== undefined) peerId = parseId(opts.id);
    try {
      return await this.store.addContact({ name, host, port, peerId, legacy: opts.legacy ?? false, source: opts.source, addresses: opts.addresses, inviteToken: opts.inviteToken ?? null, dkey: opts.dkey ?? null, relays: opts.relays ?? [] });
    } catch (err) {
      if (err instanceof StoreError && err.code === "DUPLICATE_NAME") throw NodeError.duplicateContact(name);
      if (err instanceof StoreError && err.code === "DUPLICATE_PEER") {
        const other = peerId ? await this.store.findContactByPeerId(peerId) : null;
        throw new NodeError("DUPLICATE_CONTACT", `peer ${peerId} is already your contact ${JSON.stringify(other?.name ?? "?")}`);
      }
      throw err;
    }
  }

  async remove(name: string): Promise<void> {
    if (!(await this.store.removeContact(name))) throw NodeError.notAContact(name);
  }

  /** Pins `name` to the peer id a person typed, replacing any earlier pin (deliberate re-pinning). */
  async pin(name: string, id: string): Promise<Contact> {
    const peerId = parseId(id);
    try {
      if (!(await this.store.updateContact(name, { peerId }))) throw NodeError.notAContact(name);
    } catch (err) {
      if (err instanceof StoreError && err.code === "DUPLICATE_PEER") {
        const other = await this.store.findContactByPeerId(peerId);
        throw new NodeError("DUPLICATE_CONTACT", `peer ${peerId} is already your contact ${JSON.stringify(other?.name ?? "?")}`);
      }
      throw err;
    }
    return this.get(name);
  }

  async setBlocked(name: string, blocked: boolean): Promise<Contact> {
    if (!(await this.store.updateContact(name, { blocked }))) throw NodeError.notAContact(name);
    return this.get(name);
  }
}

export function parseId(text: string): PeerId {
  const parsed = parsePeerId(text);
  if (!parsed.ok) throw new NodeError("BAD_PEER_ID", `invalid peer id ${JSON.stringify(text)}: ${parsed.reason}`);
  return parsed.id;
}
