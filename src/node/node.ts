// A running node: listens and dials (while discoverable), keeps the outbox
// flowing, stores what arrives, and tells its listeners what happens.
import { MAX_ADDRS, MAX_RELAYS, PROTOCOL_VERSION } from "../protocol/hello.ts";
import { INVITE_ANSWER_CAP, REFUSE_CAP, type Hello } from "../protocol/messages.ts";
import type { PeerId } from "../protocol/peer-id.ts";
import type { OutgoingMessage, Recipient, Store } from "../store/store.ts";
import { StoreError } from "../store/store-error.ts";
import type { OutStatus } from "../domain/history-entry.ts";
import type { Contact } from "../domain/contact.ts";
import type { LinkLimits } from "../transport/link.ts";
import { newCtx, type LinkCtx, type NodeLink } from "./link-ctx.ts";
import { Transport, TransportError } from "../transport/transport.ts";
import { childLogger } from "../log.ts";
import { formatHostPort, normalizeHost } from "../domain/host-port.ts";
import { checkText } from "../domain/message-text.ts";
import { AddressBook } from "./address-book.ts";
import { Contacts } from "./contacts.ts";
import { LegacyPeers } from "./legacy.ts";
import { NodeError } from "../domain/node-error.ts";
import { Emitter, type NodeListener } from "./events.ts";
import { Health } from "./health.ts";
import { HomeLock } from "../home/home-lock.ts";
import { Journal } from "./journal.ts";
import type { Local } from "../home/open-local.ts";
import { NodeBook } from "./node-book.ts";
import { NodeHints } from "./node-hints.ts";
import { Peers } from "./peers.ts";
import { Reads } from "./reads.ts";
import { NodeReach, type ReachOptions } from "./reach.ts";
import { Requests } from "./requests.ts";
import { RetryTimer, type RetryOptions } from "./retry.ts";
import { LocalSession } from "./session.ts";
import { nodeStatus, type NodeStatus } from "./status.ts";
import { loadOrCreateDiscoveryKey } from "../reach/dht/discovery-key.ts";
import { GroupBook } from "./groups/book.ts";
import { authorKey } from "./groups/keys.ts";
import { GROUP_FORKS_CAP, GROUPS_CAP, GroupSync } from "./groups/sync.ts";

export type { LinkInfo, NodeStatus } from "./status.ts";

const log = childLogger("node");

export interface NodeOptions {
  local: Local;
  store: Store;
  /** Default: the config's setting. */
  discoverable?: boolean;
  /** Refuse peers that are not in the address book (no requests either). */
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
  /** The command running this node, named to a second one that finds the home taken. */
  command?: string;
  /** How long the journal tries a failing database again before giving up on a write. */
  storeRetryMs?: number;
  /** Background upkeep of the database (SQLite checkpoints on a thread); off for a node that runs a moment. Default on. */
  maintenance?: boolean;
  /** LAN beacons, port mapping, the DHT. Default: all on (each still off under P2PCHAT_DISCOVERY=off). */
  reach?: ReachOptions;
  /** A node a command starts for a moment, hidden, when none runs for the home: not the one friends reach. */
  transient?: boolean;
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
  readonly journal: Journal;
  readonly contacts: Contacts;
  readonly requests: Requests;
  readonly health = new Health();
  readonly book: NodeBook;
  /** Invites, nearby nodes, addresses from hellos, dials and the DHT: how contacts are found and added. */
  readonly hints: NodeHints;
  readonly transport: Transport<LinkCtx>;
  readonly peers: Peers;
  readonly legacy: LegacyPeers;
  readonly retry: RetryTimer<string>;
  /** Unread counts and read marks (the chat's conversations). */
  readonly reads: Reads;
  readonly reach: NodeReach;
  /** Group chat (node/groups/): the sync engine and what users do with groups. */
  readonly groups: GroupSync;
  readonly groupBook: GroupBook;
  private readonly sessionId = crypto.randomUUID();
  private discoverable = false;
  private stopped = false;
  private readonly host: string;
  /** 0 until the first listen picks a free port, which later listens reuse: contacts keep a valid address. */
  private port: number;

  private constructor(
    readonly opts: NodeOptions,
    private readonly lock: HomeLock,
  ) {
    const { local, store } = opts;
    const emit = (e: Parameters<Emitter["emit"]>[0]) => this.events.emit(e);
    this.session = new LocalSession(store);
    this.journal = new Journal(store, {
      retryForMs: opts.storeRetryMs,
      onHealth: (ok, err) => {
        const why = err instanceof StoreError ? err.message : `the database (${store.location}) fails: ${(err as Error)?.message ?? err}`;
        const text = ok ? `the database answers again (${store.location}): messages flow again` : `${why}. Messages wait with their senders until it answers.`;
        log.debug(text); // the event shows it where the user looks (serve, chat), once
        emit({ type: "store", ok, text });
      },
    });
    this.contacts = new Contacts(store);
    this.requests = new Requests({ store, journal: this.journal, emit, contacts: () => this.contacts.all() });
    this.retry = new RetryTimer<string>(opts.retry);
    this.host = opts.host ?? local.config.host;
    this.port = opts.port ?? local.config.port;
    this.groups = new GroupSync({
      self: local.identity.peerId,
      name: () => this.name,
      store,
      journal: this.journal,
      contacts: this.contacts,
      emit,
      linkTo: (c) => this.peers.linkTo(c),
      dial: (c) => this.peers.dial(c),
    });
    this.groupBook = new GroupBook({ self: local.identity.peerId, name: () => this.name, sync: this.groups, contacts: this.contacts, checkText, dial: (c) => this.peers.dial(c) });
    this.peers = new Peers({
      self: local.identity.peerId,
      store,
      journal: this.journal,
      contacts: this.contacts,
      requests: this.requests,
      health: this.health,
      transport: () => this.transport,
      emit,
      discoverable: () => this.discoverable,
      contactsOnly: opts.contactsOnly ?? false,
      retry: this.retry,
      pinned: (c) => this.book.pinned(c),
      joined: (c) => this.book.mergeRequest(c),
      admit: (link, hello) => this.hints.admit(link, hello),
      learned: (c, link, hello) => this.hints.learned(c, link, hello),
      tried: (name, target, ok, why) => this.hints.tried(name, target, ok, why),
      elsewhere: (name, target) => this.hints.elsewhere(name, target),
      owed: (name) => this.owes(name),
      exhausted: (name) => this.hints.lookedUp(name),
      viaRelay: (c, ctx) => this.reach.dialThroughRelay(c.name, ctx),
      groups: this.groups,
    });
    this.transport = new Transport<LinkCtx>({ identity: local.identity, handler: this.peers, hello: (link) => this.hello(link), incoming: () => newCtx(null), limits: opts.limits });
    this.legacy = new LegacyPeers({
      store,
      journal: this.journal,
      contacts: this.contacts,
      emit,
      discoverable: () => this.discoverable,
      contactsOnly: opts.contactsOnly ?? false,
      retry: this.retry,
    });
    this.book = new NodeBook(this, new AddressBook(store));
    this.hints = new NodeHints(this, this.book);
    this.reads = new Reads({ store, journal: this.journal, contacts: () => this.contacts.all(), emit });
    this.reach = new NodeReach(this, opts.reach ?? {});
  }

  /** Takes the home (one node per home), then starts. */
  static async start(opts: NodeOptions): Promise<ChatNode> {
    const lock = await HomeLock.acquire(opts.local.home, opts.command ?? "serve");
    try {
      const node = new ChatNode(opts, lock);
      // Whatever was in flight when we last stopped (or crashed) goes again.
      await opts.store.resetInFlight();
      if (opts.maintenance !== false) log.debug(`store: ${await opts.store.startMaintenance()}`);
      await node.contacts.reload();
      await node.hints.forgetUnreachable();
      await node.requests.reload();
      await node.reach.start();
      await node.groups.load(authorKey(await loadOrCreateDiscoveryKey(opts.local.home)));
      if (opts.discoverable ?? opts.local.config.discoverable) await node.setDiscoverable(true);
      return node;
    } catch (err) {
      lock.release();
      throw err;
    }
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

  get isStopped(): boolean {
    return this.stopped;
  }

  get listening(): { host: string; port: number } | null {
    return this.transport.listening;
  }

  on(listener: NodeListener): () => void {
    return this.events.on(listener);
  }

  /** What we tell a peer about ourselves: where we listen, and on a dial to an inviter, its token. */
  private hello(link: NodeLink): Hello {
    const hello: Hello = { type: "hello", version: PROTOCOL_VERSION, name: this.name, port: this.transport.listening?.port ?? 0, caps: ["ack-batch", GROUPS_CAP, GROUP_FORKS_CAP, INVITE_ANSWER_CAP, REFUSE_CAP], session: this.sessionId };
    const addrs = this.addresses().slice(0, MAX_ADDRS);
    if (addrs.length > 0) hello.addrs = addrs;
    const token = this.peers.tokenFor(link, (c) => this.contacts.byName(c.name));
    if (token) hello.invite = token;
    const dkey = this.reach.dkey;
    if (dkey) hello.dkey = dkey;
    const relays = this.reach.relayUris().slice(0, MAX_RELAYS);
    if (relays.length > 0) hello.relays = relays;
    return hello;
  }

  /** Where peers can reach this node, best first (for invites, hellos and the DHT). */
  addresses(): string[] {
    return this.reach.addresses();
  }

  /**
   * Whether messages to `name` wait (worth dialing it). Read after every
   * queued write: a link that just closed has queued its in-flight messages
   * back to pending, and they are owed as much as those never sent.
   */
  async owes(name: string): Promise<boolean> {
    const c = this.contacts.byName(name);
    if (!c) return false;
    if (this.groups.owes(c)) return true;
    const to = this.recipientOf(c);
    return (await this.journal.settled(() => this.opts.store.pendingFor(to, 0, 1))).length > 0;
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
    await this.reach.discoverable(on);
    const l = this.transport.listening;
    this.lock.setAddress(l ? formatHostPort(l.host, l.port) : null);
    log.debug(on ? `discoverable, listening on ${l ? formatHostPort(l.host, l.port) : "?"}` : "hidden");
    this.events.emit({ type: "discoverable", on, listening: l ? formatHostPort(l.host, l.port) : null });
  }

  /** The original program's peers get a plaintext link only when we owe them something. */
  async deliverLegacyIfOwed(c: Contact): Promise<void> {
    const owed = await this.journal.read(() => this.opts.store.pendingFor({ name: c.name, peerId: null }, 0, 1));
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
   * at that address, else to a new contact named after it (a peer we dial
   * is one we chose: pinned on first contact, no request step).
   */
  async sendTo(host: string, port: number, text: string): Promise<SendResult> {
    const viaLegacy = this.legacy.findByAddress(host, port);
    const ctxContact = viaLegacy?.ctx.contact;
    let name = ctxContact?.name ?? this.contacts.all().find((c) => normalizeHost(c.host) === normalizeHost(host) && c.port === port)?.name;
    if (!name) {
      name = formatHostPort(host, port);
      await this.book.add(name, name);
    }
    return this.send(name, text);
  }

  /** Many messages to one peer (or '#group'), in one transaction (the benchmark, scripts, piped input). */
  sendMany(peer: string, texts: readonly string[]): Promise<string[]> {
    if (this.groupBook.has(peer) || (peer.startsWith("#") && !this.contacts.byName(peer))) {
      if (this.stopped) return Promise.reject(new NodeError("NOT_RUNNING", "the node has stopped"));
      try {
        return this.groupBook.send(peer, texts);
      } catch (err) {
        return Promise.reject(err);
      }
    }
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
        // The message belongs to the identity pinned now (or to the first one this contact pins).
        return { id: Bun.randomUUIDv7("hex", now), peer: contact.name, peerId: contact.legacy ? null : contact.peerId, host: contact.host, port: contact.port, body: text, created: now };
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
      if (link) link.ctx.outbox?.pump();
      else this.peers.dial(contact);
      return ids;
    });
  }

  statusOf(ids: readonly string[]): Promise<Map<string, OutStatus>> {
    return this.journal.read(() => this.opts.store.statusOf(ids)).then((m) => {
      for (const [id, s] of this.groups.statusOf(ids)) m.set(id, s);
      return m;
    });
  }

  /** Whom a contact's messages are for. */
  recipientOf(c: Contact): Recipient {
    return { name: c.name, peerId: c.legacy ? null : c.peerId };
  }

  status(): Promise<NodeStatus> {
    return nodeStatus(this);
  }

  /** Clean shutdown: refuse new work, close links (their in-flight messages go back to pending), commit, close the store. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.discoverable = false;
    this.retry.cancelAll();
    try {
      await this.reach.stop();
      // Links close; their handlers queue the `unsent` writes; then commit everything.
      this.groups.stop();
      this.legacy.transport.stopListening();
      this.legacy.closeAll("shutting down");
      await this.transport.stop();
      await this.journal.drain();
      this.journal.close();
      await this.opts.store.close();
    } finally {
      this.lock.release();
    }
  }
}
