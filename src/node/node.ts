// A running node: listens and dials (while discoverable), keeps the outbox
// flowing, stores what arrives, and tells its listeners what happens. This
// file is the composition root: each part takes a narrow *Deps bag, and only
// here are they wired to one another.
import { MAX_ADDRS, MAX_RELAYS, PROTOCOL_VERSION } from "../protocol/hello.ts";
import { FILES_CAP, FILES_PREFIX_CAP } from "../protocol/files/file-frames.ts";
import { DEVICES_CAP } from "../protocol/devices/device-frames.ts";
import { DEVICE_SYNC_CAP } from "../protocol/devices/sync-frames.ts";
import { INVITE_ANSWER_CAP, REFUSE_CAP, type Hello } from "../protocol/messages.ts";
import type { PeerId } from "../protocol/peer-id.ts";
import { FRIEND_RELAY_CAP, PUNCH_CAP } from "../protocol/reach-frames.ts";
import type { OutStatus } from "../domain/history-entry.ts";
import { handleFor } from "../domain/contact-name.ts";
import { formatHostPort, parseHostPort } from "../domain/host-port.ts";
import { checkText } from "../domain/message-text.ts";
import { NodeError } from "../domain/node-error.ts";
import { StoreError } from "../store/store-error.ts";
import { Transport, TransportError } from "../transport/transport.ts";
import { HomeLock } from "../home/home-lock.ts";
import { downloadsFolder } from "../home/home.ts";
import { loadOrCreateDiscoveryKey } from "../reach/dht/discovery-key.ts";
import { advertised } from "../reach/net/addresses.ts";
import { ReachService } from "../reach/reach-service.ts";
import { childLogger } from "../log.ts";
import { AddressBook } from "./book/address-book.ts";
import { LocalSession } from "./book/local-session.ts";
import { NodeBook } from "./book/node-book.ts";
import { NodeHints } from "./book/node-hints.ts";
import { NearbyBook } from "./book/nearby-book.ts";
import { Reads } from "./book/reads.ts";
import { Health } from "./dial/health.ts";
import { RetryTimer } from "./dial/retry.ts";
import { Contacts, recipientOf } from "./engine/contact-cache.ts";
import { Journal } from "./engine/journal.ts";
import { LegacyPeers } from "./engine/legacy-peers.ts";
import { newCtx, type LinkCtx, type NodeLink } from "./engine/link-ctx.ts";
import { Requests } from "./engine/peer-requests.ts";
import { Peers } from "./engine/peers.ts";
import { Sender, type SendResult } from "./engine/sender.ts";
import { GroupBook } from "./groups/book.ts";
import { authorKey } from "./groups/group-keys.ts";
import { GROUP_FORKS_CAP, GROUPS_CAP, GroupSync } from "./groups/sync.ts";
import { FRIEND_RELAY_DEFAULTS, FriendRelay } from "./friend-relay/friend-relay.ts";
import { mayUseOurRelay } from "./friend-relay/relay-permit.ts";
import { FileEngine } from "./files/files.ts";
import { Emitter, type NodeListener } from "./node-events.ts";
import type { NodeOptions } from "./node-options.ts";
import { nodeStatus, type NodeStatus, type StatusDeps } from "./node-status.ts";
import { ReachLinks } from "./reach-links.ts";
import { DeviceBook, type DeviceListing } from "./devices/device-book.ts";
import { DeviceJoins } from "./devices/device-joins.ts";
import { Devices } from "./devices/devices.ts";
import { OwnDials } from "./devices/own-dials.ts";
import { createOwnDevices, type OwnDevicesHooks } from "./devices/own-devices.ts";

export type { NodeOptions } from "./node-options.ts";
export type { SendResult } from "./engine/sender.ts";
export type { LinkInfo, NodeStatus } from "./node-status.ts";

const log = childLogger("node");

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
  /** Nodes heard on the LAN: the list, adding one by (the beginning of) its id, naming it at its hello. */
  readonly nearby: NearbyBook;
  readonly transport: Transport<LinkCtx>;
  readonly peers: Peers;
  readonly legacy: LegacyPeers;
  readonly retry: RetryTimer<string>;
  /** Unread counts and read marks (the chat's conversations). */
  readonly reads: Reads;
  readonly reach: ReachService;
  /** Group chat (node/groups/): the sync engine and what users do with groups. */
  readonly groups: GroupSync;
  readonly groupBook: GroupBook;
  /** Relaying for our contacts while the internet reaches us directly (node/friend-relay/). */
  readonly friendRelay: FriendRelay;
  /** File transfer (node/files/): offers, fetches, what links ask of us. */
  readonly files: FileEngine;
  /** This identity's devices (node/devices/): who they are, join lines, revocations. */
  readonly deviceBook: DeviceBook;
  /** Join lines this device handed out (admin devices only). */
  readonly deviceJoins: DeviceJoins;
  /** Device sync's hooks (own-devices.ts): links to our other devices and their sync frames. */
  readonly devices: OwnDevicesHooks;
  private readonly ownDials: OwnDials;
  private readonly sender: Sender;
  private readonly statusDeps: StatusDeps;
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
    const self = local.identity.peerId;
    const emit = (e: Parameters<Emitter["emit"]>[0]) => this.events.emit(e);
    const discoverable = () => this.discoverable;
    // What peers and groups call us: the handle of the name we show ("José-Ñandú" for "José Ñandú").
    const name = () => handleFor(this.name);
    const contactsOnly = opts.contactsOnly ?? false;
    this.host = opts.host ?? local.config.host;
    this.port = opts.port ?? local.config.port;
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
    const journal = this.journal;
    const contacts = (this.contacts = new Contacts(store));
    const requests = (this.requests = new Requests({ store, journal, emit, contacts: () => contacts.all() }));
    const retry = (this.retry = new RetryTimer<string>(opts.retry));
    const health = this.health;
    this.groups = new GroupSync({
      self,
      name,
      store,
      journal,
      contacts,
      emit,
      linkTo: (c) => this.peers.linkTo(c),
      dial: (c) => this.peers.dial(c),
      filePosted: (group, author, authorName, body) => this.files.posted(group, { peerId: author, name: authorName }, body),
    });
    this.groupBook = new GroupBook({ self, name, sync: this.groups, contacts, checkText, dial: (c) => this.peers.dial(c) });
    // Reaching each other better over contacts' links: where they see us, punched holes, friends' relays.
    const reachLinks = new ReachLinks({ self, reach: () => this.reach, transport: () => this.transport, emit, offer: () => this.friendRelay.offer, punchRetryMs: opts.reach?.punchRetryMs });
    const config = local.config;
    this.files = new FileEngine({
      home: local.home,
      store,
      journal,
      contacts,
      emit,
      settings: () => ({ downloads: downloadsFolder(local.home, config), autoAcceptBytes: config.autoAcceptMiB * 2 ** 20 }),
      dial: (c) => this.peers.dial(c),
      groups: { member: (g, p) => this.groups.isMember(g, p), alias: (g) => this.groups.aliasOf(g), resolve: (n) => this.groupBook.resolve(n).id, post: (g, body) => this.groupBook.postFile(g, body) },
      limits: opts.fileLimits,
    });
    // Devices: the book, dials to our other devices, and device sync's hooks (the one spot sync plugs in).
    this.devices = opts.devices ?? createOwnDevices({ self, deviceId: local.identity.deviceId, store, journal, emit, booksChanged: () => contacts.reload() });
    const deviceBook = (this.deviceBook = new DeviceBook({
      identity: local.identity,
      store,
      name,
      addresses: () => this.inviteAddresses(),
      emit,
      links: () => this.peers.adopted.values(),
      closeDevice: (id, reason) => this.peers.adopted.get(id)?.refuse("IDENTITY_MISMATCH", reason),
      listed: (link, addrs) => this.hints.listed(link, addrs),
      saveAddresses: async (c, addrs) => {
        await store.saveAddresses(c.name, addrs);
        await contacts.refresh(c.name);
      },
      forgetAddresses: async (c, addrs, deviceId) => {
        // What its roster said, and what its own links' hellos said (a device that is our contact's contact dials them).
        for (const a of new Set([...addrs, ...this.hints.fromDevice(c.peerId, deviceId)])) {
          const { host, port } = parseHostPort(a);
          await store.forgetAddress(c.name, host, port);
        }
        await contacts.refresh(c.name);
      },
      changed: () => {
        this.ownDials.dialAll();
        this.reach.devicesChanged();
      },
    }));
    this.ownDials = new OwnDials({
      transport: () => this.transport,
      devices: () => deviceBook.others(),
      linked: (id) => this.peers.deviceLinked(id),
      discoverable,
      redialMs: opts.ownRedialMs,
    });
    this.deviceJoins = new DeviceJoins({
      identity: local.identity,
      name,
      addresses: () => this.inviteAddresses(),
      emit,
      requireAdmin: (what) => deviceBook.requireAdmin(what),
      roster: () => deviceBook.roster(),
      count: () => deviceBook.list(new Set()).length,
    });
    const devices = new Devices({ book: deviceBook, joins: this.deviceJoins, dials: this.ownDials, sync: this.devices, hinted: (link, hello) => this.hints.hinted(link, hello) });
    const peers = (this.peers = new Peers({
      self,
      store,
      journal,
      contacts,
      requests,
      health,
      transport: () => this.transport,
      emit,
      discoverable,
      contactsOnly,
      retry,
      pinned: (c) => this.book.pinned(c),
      joined: (c) => this.book.mergeRequest(c),
      admit: (link, hello) => this.hints.admit(link, hello),
      learned: (c, link, hello) => this.hints.learned(c, link, hello),
      named: (c, hello, address) => this.nearby.named(c, hello, address),
      tried: (name, target, ok, why) => this.hints.tried(name, target, ok, why),
      elsewhere: (name, target) => this.hints.elsewhere(name, target),
      owed: (name) => this.owes(name),
      exhausted: (name) => this.hints.lookedUp(name),
      viaRelay: (c, ctx) => this.reach.dialThroughRelay(c.name, (stream, how) => this.transport.attach(stream, { ...how, direction: "out", ctx })),
      groups: this.groups,
      reach: reachLinks,
      files: this.files,
      devices,
    }));
    this.transport = new Transport<LinkCtx>({ identity: local.identity, handler: peers, hello: (link) => this.hello(link), incoming: () => newCtx(null), limits: opts.limits });
    const legacy = (this.legacy = new LegacyPeers({ store, journal, contacts, emit, discoverable, contactsOnly, retry }));
    const book = (this.book = new NodeBook({ book: new AddressBook(store), store, journal, contacts, requests, health, retry, emit, peers, legacy }));
    this.reads = new Reads({ store, journal, contacts: () => contacts.all(), emit });
    const reach = (this.reach = new ReachService(
      {
        home: local.home,
        identity: local.identity,
        transient: opts.transient === true,
        discoverable,
        listening: () => this.listening,
        contacts: {
          byName: (n) => contacts.byName(n),
          byPeer: (id) => contacts.byPeer(id),
          saveRelays: async (n, relays) => {
            await store.updateContact(n, { relays }).catch(() => false);
            await contacts.refresh(n);
          },
        },
        heard: (id) => void this.nearby.heard(id),
        invited: (stream, how) => void this.transport.attach(stream, { ...how, direction: "in" }),
        lost: (gone) => peers.dropFrom(gone),
        stands: (v) => emit({ type: "reach", reach: v.reach, lines: v.lines }),
        otherDevices: () => this.deviceBook.others().flatMap((d) => d.addrs),
        devicesOf: (peerId) => this.deviceBook.devicesOf(peerId),
      },
      opts.reach ?? {},
    ));
    this.friendRelay = new FriendRelay({
      identity: local.identity,
      settings: opts.reach?.relayForContacts ?? FRIEND_RELAY_DEFAULTS,
      discoverable,
      listening: () => this.listening,
      reach,
      admit: (id) => mayUseOurRelay(contacts, id),
      offerChanged: (uri) => reachLinks.offerAll(uri, peers.adopted.values()),
    });
    reach.help.onChange(() => this.friendRelay.update());
    this.hints = new NodeHints({
      self,
      name,
      store,
      journal,
      contacts,
      requests,
      emit,
      book,
      peers,
      reach,
      inviteAddresses: () => this.everyDeviceAddress(),
    });
    this.nearby = new NearbyBook({ store, contacts, requests, emit, book, peers, reach, discoverable, owes: (n) => this.owes(n) });
    const groups = { has: (n: string) => this.groupBook.has(n), send: (n: string, texts: readonly string[]) => this.groupBook.send(n, texts), statusOf: (ids: readonly string[]) => this.groups.statusOf(ids) };
    this.sender = new Sender({ store, journal, contacts, emit, peers, legacy, addContact: (n, address) => book.add(n, address), groups, stopped: () => this.stopped });
    const node = this;
    this.statusDeps = {
      get name() {
        return node.name;
      },
      peerId: self,
      get discoverable() {
        return node.discoverable;
      },
      get listening() {
        return node.listening;
      },
      addresses: () => this.addresses(),
      store,
      journal,
      contacts,
      health,
      requests,
      peers,
      legacy,
      reach,
      friendRelay: this.friendRelay,
    };
  }

  /** Takes the home (one node per home), then starts. */
  static async start(opts: NodeOptions): Promise<ChatNode> {
    const lock = await HomeLock.acquire(opts.local.home, opts.command ?? "serve");
    try {
      const node = new ChatNode(opts, lock);
      // What the node reads (and resets) before it starts anything is asked again when the database's
      // connection was lost meanwhile (each step may run twice), as the node's own writes ride out an outage.
      // Whatever was in flight when we last stopped (or crashed) goes again.
      await againOnLostConnection(() => opts.store.resetInFlight());
      if (opts.maintenance !== false) log.debug(`store: ${await opts.store.startMaintenance()}`);
      await againOnLostConnection(async () => {
        await node.contacts.reload();
        await node.deviceBook.load();
        await node.hints.forgetUnreachable();
        await node.requests.reload();
      });
      await node.reach.start();
      const key = authorKey(await loadOrCreateDiscoveryKey(opts.local.home));
      await againOnLostConnection(() => node.groups.load(key));
      await againOnLostConnection(() => node.files.start());
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
    const hello: Hello = { type: "hello", version: PROTOCOL_VERSION, name: handleFor(this.name), display: this.name, port: this.transport.listening?.port ?? 0, caps: ["ack-batch", GROUPS_CAP, GROUP_FORKS_CAP, INVITE_ANSWER_CAP, REFUSE_CAP, PUNCH_CAP, FRIEND_RELAY_CAP, FILES_CAP, FILES_PREFIX_CAP, DEVICES_CAP, DEVICE_SYNC_CAP], session: this.sessionId };
    const addrs = this.addresses().slice(0, MAX_ADDRS);
    if (addrs.length > 0) hello.addrs = addrs;
    const token = this.peers.tokenFor(link, (c) => this.contacts.byName(c.name));
    if (token) hello.invite = token;
    const dkey = this.reach.dkey;
    if (dkey) hello.dkey = dkey;
    const relays = this.reach.relayUris().slice(0, MAX_RELAYS);
    if (relays.length > 0) hello.relays = relays;
    // Where we see the peer: behind NAT, its public address, which it cannot see itself (what its hole punches offer).
    if (link.via === null && /^[0-9a-f:.]+$/i.test(link.remoteHost)) hello.seen = formatHostPort(link.remoteHost, link.remotePort);
    return hello;
  }

  /** Where peers can reach this node, best first (for invites, hellos and the DHT). */
  addresses(): string[] {
    return this.reach.addresses();
  }

  /** Where an invite says we are: where we listen now, else (hidden) where we will. */
  private inviteAddresses(): string[] {
    if (this.listening) return this.addresses();
    const config = this.opts.local.config;
    return advertised({ host: this.opts.host ?? config.host, port: this.opts.port ?? config.port });
  }

  /** Where an invite says we are: this device, then our other devices (a contact reaches whichever is up). */
  everyDeviceAddress(): string[] {
    const all = [...this.inviteAddresses(), ...this.deviceBook.others().flatMap((d) => d.addrs)];
    return [...new Set(all)].slice(0, 16);
  }

  /** Our devices: id, name, this one, admin, last seen, linked now. */
  listDevices(): DeviceListing[] {
    return this.deviceBook.list(new Set(this.peers.adopted.keys()));
  }

  /** A one-time join line for a new device (admin devices only). */
  addDevice(opts: { name?: string; admin?: boolean }): { text: string; token: string; expires: number } {
    return this.deviceJoins.create(opts);
  }

  /** Revokes one of our devices by name or id (admin devices only). */
  revokeDevice(which: string): Promise<DeviceListing> {
    return this.deviceBook.revoke(which);
  }

  /**
   * Whether messages to `name` wait (worth dialing it). Read after every
   * queued write: a link that just closed has queued its in-flight messages
   * back to pending, and they are owed as much as those never sent.
   */
  async owes(name: string): Promise<boolean> {
    const c = this.contacts.byName(name);
    if (!c) return false;
    if (this.groups.owes(c) || this.files.owes(c)) return true;
    const to = recipientOf(c);
    return (await this.journal.settled(() => this.opts.store.pendingFor(to, 0, 1))).length > 0;
  }

  /** Discoverable: listen, and dial every contact (to deliver what we owe and be told what they hold). Hidden: neither. */
  async setDiscoverable(on: boolean): Promise<void> {
    if (this.stopped) throw new NodeError("NOT_RUNNING", "the node has stopped");
    if (on === this.discoverable) return;
    if (on) {
      this.listen();
      this.discoverable = true;
      this.ownDials.start();
      for (const c of this.contacts.all()) {
        if (c.legacy) void this.legacy.deliverIfOwed(c);
        else this.peers.dial(c);
      }
    } else {
      this.discoverable = false;
      this.retry.cancelAll();
      this.ownDials.stop();
      this.transport.stopListening();
      this.legacy.transport.stopListening();
      this.peers.closeLinks("HIDDEN", "the peer is no longer discoverable");
      this.legacy.closeAll("hidden");
    }
    await this.reach.discoverable(on);
    this.friendRelay.update();
    const l = this.transport.listening;
    this.lock.setAddress(l ? formatHostPort(l.host, l.port) : null);
    log.debug(on ? `discoverable, listening on ${l ? formatHostPort(l.host, l.port) : "?"}` : "hidden");
    this.events.emit({ type: "discoverable", on, listening: l ? formatHostPort(l.host, l.port) : null });
  }

  /** Listens for peers (and the original program's, when asked): a port taken is an error, or (chat, send) a dial-out-only run. */
  private listen(): void {
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
    if (this.opts.legacyPort === undefined) return;
    try {
      this.legacy.transport.listen(this.host, this.opts.legacyPort);
    } catch (err) {
      this.transport.stopListening();
      if (err instanceof TransportError) throw new NodeError(err.code === "PORT_IN_USE" ? "PORT_IN_USE" : "LISTEN_FAILED", err.message, { cause: err });
      throw err;
    }
  }

  /**
   * Stores the message as pending, then sends it if a link is up (or dials).
   * Calls made one after another are stored in that order (sender.ts).
   */
  send(peer: string, text: string): Promise<SendResult> {
    return this.sender.send(peer, text);
  }

  /** The original program's `<ip> <port> <text>` (sender.ts). */
  sendTo(host: string, port: number, text: string): Promise<SendResult> {
    return this.sender.sendTo(host, port, text);
  }

  /** Many messages to one peer (or '#group'), in one transaction (the benchmark, scripts, piped input). */
  sendMany(peer: string, texts: readonly string[]): Promise<string[]> {
    return this.sender.sendMany(peer, texts);
  }

  statusOf(ids: readonly string[]): Promise<Map<string, OutStatus>> {
    return this.sender.statusOf(ids);
  }

  status(): Promise<NodeStatus> {
    return nodeStatus(this.statusDeps);
  }

  /** Clean shutdown: refuse new work, close links (their in-flight messages go back to pending), commit, close the store. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.discoverable = false;
    this.retry.cancelAll();
    this.ownDials.stop();
    try {
      await this.friendRelay.stop();
      await this.reach.stop();
      // Links close; their handlers queue the `unsent` writes; then commit everything.
      this.groups.stop();
      this.devices.stop?.();
      // What arrived is fsync'd and recorded before the journal closes.
      await this.files.stop();
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

/** Runs `fn`, again (twice at most) when the database's connection was lost under it; any other error at once. */
async function againOnLostConnection(fn: () => Promise<unknown>): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await fn();
      return;
    } catch (err) {
      const lost = (err instanceof StoreError && err.code === "UNAVAILABLE") || /connection (closed|lost|reset)|server has gone away|lost connection/i.test((err as Error)?.message ?? "");
      if (!lost || attempt >= 2) throw err;
      log.debug(`the database connection was lost while starting (${(err as Error).message}): again`);
      await Bun.sleep(50 * 4 ** attempt);
    }
  }
}
