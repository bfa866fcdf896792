// A running node: listens and dials (while discoverable), keeps the outbox
// flowing, stores what arrives, and tells its listeners what happens.
import { PROTOCOL_VERSION } from "../protocol/hello.ts";
import type { Hello } from "../protocol/messages.ts";
import type { PeerId } from "../protocol/peer-id.ts";
import type { Contact, OutboxCount, OutgoingMessage, OutStatus, Store } from "../store/store.ts";
import type { LinkLimits } from "../transport/link.ts";
import { Transport, TransportError } from "../transport/transport.ts";
import { childLogger } from "../log.ts";
import { formatHostPort } from "./address.ts";
import type { AddContactOptions } from "./address-book.ts";
import { AddressBook } from "./address-book.ts";
import { Contacts, normalizeHost } from "./contacts.ts";
import { LegacyPeers } from "./legacy.ts";
import { NodeError } from "./errors.ts";
import { Emitter, type NodeListener } from "./events.ts";
import { Journal } from "./journal.ts";
import type { Local } from "./local.ts";
import { Peers } from "./peers.ts";
import { RetryTimer, type RetryOptions } from "./retry.ts";
import { LocalSession } from "./session.ts";

const log = childLogger("node");

/** Largest message body, in bytes of UTF-8 (the protocol's limit). */
export const MAX_TEXT_BYTES = 64 * 1024;

export interface NodeOptions {
  local: Local;
  store: Store;
  /** Default: the config's setting. */
  discoverable?: boolean;
  /** Refuse peers that are not in the address book. */
  contactsOnly?: boolean;
  host?: string;
  port?: number;
  limits?: Partial<LinkLimits>;
  retry?: Partial<RetryOptions>;
  /**
   * `chat` and `send` without a serve: when the port is taken (another user
   * on this machine), still dial out, without listening. `serve` fails instead.
   */
  dialOnlyIfPortTaken?: boolean;
  /** Also accept the original program's plaintext connections on this port. */
  legacyPort?: number;
}

export interface LinkInfo {
  peer: string;
  address: string;
  direction: "in" | "out";
  since: number;
  legacy: boolean;
}

export interface NodeStatus {
  name: string;
  peerId: PeerId;
  discoverable: boolean;
  listening: string | null;
  /** The plaintext port for the original program's peers, when open. */
  legacyListening: string | null;
  links: LinkInfo[];
  pending: OutboxCount[];
  database: string;
}

export interface SendResult {
  id: string;
  peer: string;
  status: "pending";
  /** A legacy (plaintext) peer: `sent` is as far as it goes, it acknowledges nothing. */
  legacy: boolean;
}

export class ChatNode {
  readonly events = new Emitter();
  readonly session: LocalSession;
  private readonly journal: Journal;
  private readonly contacts: Contacts;
  private readonly book: AddressBook;
  private readonly transport: Transport;
  private readonly peers: Peers;
  private readonly legacy: LegacyPeers;
  private readonly retry: RetryTimer<string>;
  private readonly sessionId = crypto.randomUUID();
  private discoverable = false;
  private stopped = false;
  private readonly host: string;
  /** 0 until the first listen picks a free port, which later listens reuse: contacts keep a valid address. */
  private port: number;

  private constructor(private readonly opts: NodeOptions) {
    const { local, store } = opts;
    this.session = new LocalSession(store);
    this.journal = new Journal(store);
    this.contacts = new Contacts(store);
    this.book = new AddressBook(store);
    this.retry = new RetryTimer<string>(opts.retry);
    this.host = opts.host ?? local.config.host;
    this.port = opts.port ?? local.config.port;
    this.peers = new Peers({
      self: local.identity.peerId,
      store,
      journal: this.journal,
      contacts: this.contacts,
      transport: () => this.transport,
      emit: (e) => this.events.emit(e),
      discoverable: () => this.discoverable,
      contactsOnly: opts.contactsOnly ?? false,
      retry: this.retry,
    });
    this.transport = new Transport({ identity: local.identity, handler: this.peers, hello: () => this.hello(), limits: opts.limits });
    this.legacy = new LegacyPeers({
      store,
      journal: this.journal,
      contacts: this.contacts,
      emit: (e) => this.events.emit(e),
      discoverable: () => this.discoverable,
      contactsOnly: opts.contactsOnly ?? false,
      retry: this.retry,
    });
  }

  static async start(opts: NodeOptions): Promise<ChatNode> {
    const node = new ChatNode(opts);
    // Whatever was in flight when we last stopped (or crashed) goes again.
    await opts.store.resetInFlight();
    log.debug(`store: ${await opts.store.startMaintenance()}`);
    await node.contacts.reload();
    if (opts.discoverable ?? opts.local.config.discoverable) await node.setDiscoverable(true);
    return node;
  }

  get home(): string {
    return this.opts.local.home;
  }

  get name(): string {
    return this.opts.local.config.name;
  }

  get peerId(): PeerId {
    return this.opts.local.identity.peerId;
  }

  get isDiscoverable(): boolean {
    return this.discoverable;
  }

  get listening(): { host: string; port: number } | null {
    return this.transport.listening;
  }

  on(listener: NodeListener): () => void {
    return this.events.on(listener);
  }

  private hello(): Hello {
    return { type: "hello", version: PROTOCOL_VERSION, name: this.name, port: this.transport.listening?.port ?? 0, caps: ["ack-batch"], session: this.sessionId };
  }

  /** Discoverable: listen, and dial every contact (to deliver what we owe and be told what they hold). Hidden: neither. */
  async setDiscoverable(on: boolean): Promise<void> {
    if (this.stopped) throw new NodeError("NOT_RUNNING", "the node has stopped");
    if (on === this.discoverable) return;
    if (on) {
      try {
        this.port = this.transport.listen(this.host, this.port).port;
      } catch (err) {
        if (!(err instanceof TransportError)) throw err;
        if (err.code === "PORT_IN_USE" && this.opts.dialOnlyIfPortTaken) {
          log.warn(`${err.message}; dialing out only: peers cannot connect to this run`);
        } else {
          throw new NodeError(err.code === "PORT_IN_USE" ? "PORT_IN_USE" : "LISTEN_FAILED", err.message, { cause: err });
        }
      }
      if (this.opts.legacyPort !== undefined) {
        try {
          this.legacy.transport.listen(this.host, this.opts.legacyPort);
        } catch (err) {
          this.transport.stopListening();
          if (err instanceof TransportError) throw new NodeError(err.code === "PORT_IN_USE" ? "PORT_IN_USE" : "LISTEN_FAILED", err.message, { cause: err });
          throw err;
        }
      }
      this.discoverable = true;
      for (const c of this.contacts.all()) {
        if (c.legacy) void this.deliverLegacyIfOwed(c);
        else this.peers.dial(c);
      }
    } else {
      this.discoverable = false;
      this.retry.cancelAll();
      this.transport.stopListening();
      this.legacy.transport.stopListening();
      this.peers.closeLinks("HIDDEN", "the peer is no longer discoverable");
      this.legacy.closeAll("hidden");
    }
    const l = this.transport.listening;
    log.debug(on ? `discoverable, listening on ${l ? formatHostPort(l.host, l.port) : "?"}` : "hidden");
    this.events.emit({ type: "discoverable", on, listening: l ? formatHostPort(l.host, l.port) : null });
  }

  /** The original program's peers get a plaintext link only when we owe them something. */
  private async deliverLegacyIfOwed(c: Contact): Promise<void> {
    const owed = await this.journal.read(() => this.opts.store.pendingFor(c.name, 0, 1));
    if (owed.length > 0) this.legacy.deliver(c);
  }

  /**
   * Stores the message as pending, then sends it if a link is up (or dials).
   * Calls made one after another are stored in that order: everything up to
   * the journal runs synchronously.
   */
  send(peer: string, text: string): Promise<SendResult> {
    return this.sendMany(peer, [text]).then((ids) => ({ id: ids[0]!, peer, status: "pending" as const, legacy: this.contacts.byName(peer)?.legacy ?? false }));
  }

  /**
   * The original program's `<ip> <port> <text>`: to the legacy peer that
   * reached us from that address (on that connection), else to the contact
   * at that address, else to a new contact named after it.
   */
  async sendTo(host: string, port: number, text: string): Promise<SendResult> {
    const viaLegacy = this.legacy.findByAddress(host, port);
    const ctxContact = viaLegacy ? (viaLegacy.ctx as { contact?: Contact | null }).contact : null;
    let name = ctxContact?.name ?? this.contacts.all().find((c) => normalizeHost(c.host) === normalizeHost(host) && c.port === port)?.name;
    if (!name) {
      name = formatHostPort(host, port);
      await this.addContact(name, name);
    }
    return this.send(name, text);
  }

  /** Many messages to one peer, in one transaction (the benchmark, scripts, piped input). */
  sendMany(peer: string, texts: readonly string[]): Promise<string[]> {
    const contact = this.contacts.byName(peer);
    if (contact) return this.enqueue(contact, texts);
    // Perhaps added by another process: look again, then give up.
    return this.contacts.reload().then(() => {
      const c = this.contacts.byName(peer);
      if (!c) throw NodeError.notAContact(peer);
      return this.enqueue(c, texts);
    });
  }

  private enqueue(contact: Contact, texts: readonly string[]): Promise<string[]> {
    if (this.stopped) return Promise.reject(new NodeError("NOT_RUNNING", "the node has stopped"));
    const now = Date.now();
    let msgs: OutgoingMessage[];
    try {
      msgs = texts.map((text) => {
        checkText(text);
        return { id: Bun.randomUUIDv7("hex", now), peer: contact.name, host: contact.host, port: contact.port, body: text, created: now };
      });
    } catch (err) {
      return Promise.reject(err);
    }
    const ids = msgs.map((m) => m.id);
    return this.journal.outgoingMany(msgs).then(() => {
      this.events.emit({ type: "status", peer: contact.name, ids, status: "pending" });
      if (contact.legacy) {
        this.legacy.deliver(contact);
        return ids;
      }
      const link = this.peers.linkTo(contact);
      if (link) (link.ctx as { outbox?: { pump(): void } }).outbox?.pump();
      else this.peers.dial(contact);
      return ids;
    });
  }

  statusOf(ids: readonly string[]): Promise<Map<string, OutStatus>> {
    return this.journal.read(() => this.opts.store.statusOf(ids));
  }

  async status(): Promise<NodeStatus> {
    const l = this.transport.listening;
    const links: LinkInfo[] = [];
    for (const [, link] of this.peers.adopted) {
      const c = (link.ctx as { contact?: Contact }).contact;
      links.push({ peer: c?.name ?? "?", address: link.address, direction: link.direction, since: link.openedAt, legacy: false });
    }
    for (const [name, link] of this.legacy.open) {
      links.push({ peer: name, address: link.address, direction: link.direction, since: link.openedAt, legacy: true });
    }
    links.sort((a, b) => a.peer.localeCompare(b.peer));
    const lg = this.legacy.transport.listening;
    return {
      name: this.name,
      peerId: this.peerId,
      discoverable: this.discoverable,
      listening: l ? formatHostPort(l.host, l.port) : null,
      legacyListening: lg ? formatHostPort(lg.host, lg.port) : null,
      links,
      pending: await this.journal.read(() => this.opts.store.outboxCounts()),
      database: this.opts.store.location,
    };
  }

  // --- address book, with effects on links -------------------------------------------

  contactList(): Promise<Contact[]> {
    return this.book.list();
  }

  async addContact(name: string, address: string, opts?: AddContactOptions): Promise<Contact> {
    const c = await this.book.add(name, address, opts);
    await this.contacts.reload();
    this.peers.dial(c);
    return c;
  }

  async removeContact(name: string): Promise<void> {
    const c = await this.book.get(name);
    await this.book.remove(name);
    await this.contacts.reload();
    this.retry.cancel(name);
    this.legacy.closeFor(name, "removed from the address book");
    if (c.peerId) this.peers.closeLinks("UNKNOWN_PEER", "removed from the address book", c.peerId);
  }

  async setBlocked(name: string, blocked: boolean): Promise<Contact> {
    const c = await this.book.setBlocked(name, blocked);
    await this.contacts.reload();
    if (blocked) {
      this.retry.cancel(name);
      this.legacy.closeFor(name, "blocked");
      if (c.peerId) this.peers.closeLinks("BLOCKED", "blocked", c.peerId);
    } else if (c.legacy) {
      void this.deliverLegacyIfOwed(c);
    } else {
      this.peers.dial(c);
    }
    return c;
  }

  /** Re-pins a contact to a new peer id, deliberately (after an identity mismatch). */
  async pinContact(name: string, id: string): Promise<Contact> {
    const old = await this.book.get(name);
    const c = await this.book.pin(name, id);
    await this.contacts.reload();
    if (old.peerId && old.peerId !== c.peerId) this.peers.closeLinks("IDENTITY_MISMATCH", "re-pinned", old.peerId);
    this.peers.dial(c);
    return c;
  }

  /** Clean shutdown: refuse new work, close links (their in-flight messages go back to pending), commit, close the store. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.discoverable = false;
    this.retry.cancelAll();
    // Links close; their handlers queue the `unsent` writes; then commit everything.
    this.legacy.transport.stopListening();
    this.legacy.closeAll("shutting down");
    await this.transport.stop();
    await this.journal.drain();
    this.journal.close();
    await this.opts.store.close();
  }
}

export function checkText(text: string): void {
  if (typeof text !== "string" || text.length === 0) throw new NodeError("BAD_TEXT", "a message cannot be empty");
  if (!text.isWellFormed()) throw new NodeError("BAD_TEXT", "the message is not valid Unicode text");
  const bytes = Buffer.byteLength(text, "utf8");
  if (bytes > MAX_TEXT_BYTES) throw new NodeError("BAD_TEXT", `a message has at most ${MAX_TEXT_BYTES} bytes of UTF-8 (this has ${bytes})`);
}
