// What the user sends: stored as pending in one transaction (in the order
// the calls came: everything up to the journal runs synchronously), then
// handed to the contact's link, or a dial, or the legacy peer's plaintext
// link; '#group' goes to the group's book. Delivery, acks and retries are
// the outbox's and the dialer's.
import type { Contact } from "../../domain/contact.ts";
import type { OutStatus } from "../../domain/history-entry.ts";
import { formatHostPort, normalizeHost } from "../../domain/host-port.ts";
import { checkText } from "../../domain/message-text.ts";
import { NodeError } from "../../domain/node-error.ts";
import type { OutgoingMessage, Store } from "../../store/store.ts";
import type { NodeEvent } from "../node-events.ts";
import type { Contacts } from "./contact-cache.ts";
import type { Journal } from "./journal.ts";
import type { LegacyPeers } from "./legacy-peers.ts";
import type { Peers } from "./peers.ts";

export interface SendResult {
  id: string;
  peer: string;
  status: "pending";
  /** A legacy (plaintext) peer: `sent` is as far as it goes, it acknowledges nothing. */
  legacy: boolean;
}

export interface SenderDeps {
  store: Store;
  journal: Journal;
  contacts: Contacts;
  emit(event: NodeEvent): void;
  peers: Pick<Peers, "deliver">;
  legacy: Pick<LegacyPeers, "deliver" | "findByAddress">;
  /** Adds a contact (sendTo's peer at a new address), dialing it. */
  addContact(name: string, address: string): Promise<unknown>;
  /** Group chat (node/groups/): its names ('#alias'), what it sends, where its messages are. */
  groups: {
    has(name: string): boolean;
    send(name: string, texts: readonly string[]): Promise<string[]>;
    statusOf(ids: readonly string[]): Iterable<[string, OutStatus]>;
  };
  stopped(): boolean;
}

export class Sender {
  constructor(private readonly d: SenderDeps) {}

  /** Stores the message as pending, then sends it if a link is up (or dials). */
  send(peer: string, text: string): Promise<SendResult> {
    return this.sendMany(peer, [text]).then((ids) => ({ id: ids[0]!, peer, status: "pending" as const, legacy: this.d.contacts.byName(peer)?.legacy ?? false }));
  }

  /**
   * The original program's `<ip> <port> <text>`: to the legacy peer that
   * reached us from that address (on that connection), else to the contact
   * at that address, else to a new contact named after it (a peer we dial
   * is one we chose: pinned on first contact, no request step).
   */
  async sendTo(host: string, port: number, text: string): Promise<SendResult> {
    const viaLegacy = this.d.legacy.findByAddress(host, port);
    let name = viaLegacy?.ctx.contact?.name ?? this.d.contacts.all().find((c) => normalizeHost(c.host) === normalizeHost(host) && c.port === port)?.name;
    if (!name) {
      name = formatHostPort(host, port);
      await this.d.addContact(name, name);
    }
    return this.send(name, text);
  }

  /** Many messages to one peer (or '#group'), in one transaction (the benchmark, scripts, piped input). */
  sendMany(peer: string, texts: readonly string[]): Promise<string[]> {
    if (this.d.groups.has(peer) || (peer.startsWith("#") && !this.d.contacts.byName(peer))) {
      if (this.d.stopped()) return Promise.reject(new NodeError("NOT_RUNNING", "the node has stopped"));
      try {
        return this.d.groups.send(peer, texts);
      } catch (err) {
        return Promise.reject(err);
      }
    }
    const contact = this.d.contacts.byName(peer);
    if (contact) return this.enqueue(contact, texts);
    // Perhaps added by another process: look again, then give up.
    return this.d.contacts.reload().then(() => {
      const c = this.d.contacts.byName(peer);
      if (!c) throw NodeError.notAContact(peer);
      return this.enqueue(c, texts);
    });
  }

  private enqueue(contact: Contact, texts: readonly string[]): Promise<string[]> {
    if (this.d.stopped()) return Promise.reject(new NodeError("NOT_RUNNING", "the node has stopped"));
    const now = Date.now();
    let msgs: OutgoingMessage[];
    try {
      msgs = texts.map((text) => {
        checkText(text);
        // The message belongs to the identity pinned now (or to the first one this contact pins).
        return { id: Bun.randomUUIDv7("hex", now), peer: contact.name, peerId: contact.legacy ? null : contact.peerId, host: contact.host, port: contact.port, body: text, created: now };
      });
    } catch (err) {
      return Promise.reject(err);
    }
    const ids = msgs.map((m) => m.id);
    return this.d.journal.outgoingMany(msgs).then(() => {
      this.d.emit({ type: "status", peer: contact.name, ids, status: "pending" });
      if (contact.legacy) this.d.legacy.deliver(contact);
      else this.d.peers.deliver(contact);
      return ids;
    });
  }

  /** Where each message is now: ours to contacts from the store, ours in groups from the group engine. */
  statusOf(ids: readonly string[]): Promise<Map<string, OutStatus>> {
    return this.d.journal.read(() => this.d.store.statusOf(ids)).then((m) => {
      for (const [id, s] of this.d.groups.statusOf(ids)) m.set(id, s);
      return m;
    });
  }
}
