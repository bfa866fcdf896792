// The address book and the requests of a running node, with their effects
// on links: adding dials, blocking closes quietly, re-pinning moves what is
// still undelivered, accepting a request turns its link into a contact's.
// Every change that touches messages runs between the journal's commits.
import type { Hello } from "../protocol/messages.ts";
import { parsePeerId, type PeerId } from "../protocol/peer-id.ts";
import type { Contact, NewAddress, OutStatus, PeerRequest } from "../store/store.ts";
import type { Link } from "../transport/link.ts";
import { decodeInvite, encodeInvite, InviteError, MAX_INVITE_ADDRS, type Invite } from "../protocol/invite.ts";
import { advertised } from "../reach/addresses.ts";
import { vouchedAddresses } from "../reach/nearby.ts";
import { childLogger } from "../log.ts";
import { normalizeHost } from "./contacts.ts";
import type { Target } from "./dial-plan.ts";
import type { AddContactOptions, AddressBook } from "./address-book.ts";
import { formatHostPort, parseHostPort, validateName } from "./address.ts";
import { NodeError } from "./errors.ts";
import type { ChatNode } from "./node.ts";

const log = childLogger("node");

export interface CancelOutcome {
  id: string;
  /** The status before: pending and sent ones are cancelled now. */
  before: OutStatus | "unknown";
  /** It was on the wire: it may still arrive (and is then marked delivered). */
  onTheWire: boolean;
}

export interface NearbyNode {
  peerId: PeerId;
  addresses: string[];
  lastHeard: number;
  /** The contact it is, if it is one. */
  contact: string | null;
}

export interface SetContactOptions {
  address?: string;
  rename?: string;
}

export class NodeBook {
  constructor(
    private readonly node: ChatNode,
    readonly book: AddressBook,
  ) {}

  list(): Promise<Contact[]> {
    return this.book.list();
  }

  async add(name: string, address: string, opts?: AddContactOptions): Promise<Contact> {
    const c = await this.book.add(name, address, opts);
    await this.node.contacts.reload();
    if (c.peerId) await this.mergeRequest(c);
    this.node.peers.dial(c);
    return c;
  }

  /** Refuses while messages to `name` wait, unless they are dropped (kept as `cancelled`). */
  async remove(name: string, opts: { dropPending?: boolean } = {}): Promise<{ cancelled: number }> {
    const c = await this.book.get(name);
    const to = this.node.recipientOf(c);
    const unsent = await this.node.journal.read(() => this.node.opts.store.unsentCount(to));
    const waiting = unsent.pending + unsent.sent;
    let cancelled = 0;
    if (waiting > 0) {
      if (!opts.dropPending) {
        throw new NodeError(
          "HAS_PENDING",
          `${waiting} message${waiting === 1 ? "" : "s"} to ${name} ${waiting === 1 ? "is" : "are"} not delivered yet: ` +
            `withdraw ${waiting === 1 ? "it" : "them"} with \`p2pchat contacts rm ${name} --drop-pending\` (kept in history as cancelled), or wait until delivered`,
        );
      }
      cancelled = (await this.node.journal.read(() => this.node.opts.store.cancelTo(to))).length;
    }
    await this.book.remove(name);
    await this.node.contacts.reload();
    this.node.retry.cancel(name);
    this.node.health.forget(name);
    this.node.legacy.closeFor(name, "removed from the address book");
    if (c.peerId) this.node.peers.closeQuietly(c.peerId, "removed from the address book", name);
    return { cancelled };
  }

  /** Blocking closes the link as a stopping node would: the peer learns nothing. What we write waits. */
  async setBlocked(name: string, blocked: boolean): Promise<Contact> {
    const c = await this.book.setBlocked(name, blocked);
    await this.node.contacts.reload();
    if (blocked) {
      this.node.retry.cancel(name);
      this.node.legacy.closeFor(name, "blocked");
      if (c.peerId) this.node.peers.closeQuietly(c.peerId, "blocked", name);
    } else if (c.legacy) {
      void this.node.deliverLegacyIfOwed(c);
    } else {
      this.node.peers.dial(c);
    }
    return c;
  }

  /** Re-pins a contact to a new peer id, deliberately: what is still undelivered goes to the new identity. */
  async pin(name: string, id: string): Promise<{ contact: Contact; moved: number }> {
    const old = await this.book.get(name);
    const c = await this.book.pin(name, id);
    const moved = await this.node.journal.read(() => this.node.opts.store.retarget(this.node.recipientOf(old), c.peerId!));
    await this.node.contacts.reload();
    this.node.health.clearMismatch(name);
    if (old.peerId && old.peerId !== c.peerId) this.node.peers.closeLinks("IDENTITY_MISMATCH", "re-pinned", old.peerId);
    await this.mergeRequest(c);
    this.node.peers.dial(c);
    return { contact: c, moved };
  }

  /** A new address and/or a new name; history and undelivered messages stay with the same identity. */
  async set(name: string, opts: SetContactOptions): Promise<Contact> {
    let c = await this.book.get(name);
    if (opts.address !== undefined) {
      const { host, port } = parseHostPort(opts.address);
      await this.node.opts.store.updateContact(name, { host, port });
      // The dialer goes by the contact's addresses: the one typed goes first among them.
      await this.node.opts.store.saveAddresses(name, [{ host, port, source: "typed" }], { preferred: true });
    }
    if (opts.rename !== undefined && opts.rename !== name) {
      const to = validateName(opts.rename);
      const done = await this.node.journal.read(() => this.node.opts.store.renameContact(name, to));
      if (!done) throw NodeError.notAContact(name);
      this.node.retry.cancel(name);
      this.node.health.rename(name, to);
      name = to;
    }
    await this.node.contacts.reload();
    c = await this.book.get(name);
    this.node.peers.updated(c);
    if (opts.address !== undefined) this.node.peers.dial(c);
    return c;
  }

  /**
   * A contact was just pinned on a link we dialed: what was written to it
   * before is that identity's now, and a request from the same id (it
   * dialed us first) joins this contact.
   */
  async pinned(c: Contact): Promise<void> {
    void this.node.journal.claim(c.name, c.peerId!).catch(() => {});
    await this.mergeRequest(c);
  }

  /** A request from the contact's id joins the contact: its waiting messages move into the history. */
  async mergeRequest(c: Contact): Promise<void> {
    const r = c.peerId ? this.node.requests.get(c.peerId) : undefined;
    if (!r || !c.peerId) return;
    this.node.peers.promote(c.peerId, c);
    await this.node.journal.read(() => this.node.opts.store.acceptRequest(c.peerId!, c, { existing: true }));
    this.node.requests.forget(c.peerId);
  }

  // --- addresses and invites ------------------------------------------------------------

  /**
   * A stranger presented an invite token: while the token holds, it is a
   * contact at once, under the name it announced (made unique, and said so).
   * Else it knocks as any stranger (null).
   */
  async admit(link: Link, hello: Hello): Promise<Contact | null> {
    const use = await this.node.journal.read(() => this.node.opts.store.useInvite(hello.invite!, Date.now()));
    if (use !== "admitted") {
      log.debug(`${link.peerId} presented an invite token that is ${use}: a request`);
      return null;
    }
    const name = this.node.requests.nameFor({ name: hello.name });
    const hinted = [...this.hinted(link, hello)];
    // Through a relay, the address we see is the relay's: the contact is where its hello says.
    const first = link.via ? hinted.shift() : undefined;
    const [host, port] = first ? [first.host, first.port] : [normalizeHost(link.remoteHost), hello.port];
    const store = this.node.opts.store;
    const contact = await store
      .addContact({ name, host, port, peerId: link.peerId!, source: "hello", addresses: hinted })
      .catch(() => store.findContactByPeerId(link.peerId!));
    if (!contact) return null;
    await this.node.contacts.reload();
    await this.mergeRequest(contact);
    this.node.events.emit({ type: "contact", name: contact.name, peerId: contact.peerId, how: "invited", address: link.address, announced: hello.name });
    return this.node.contacts.byName(contact.name) ?? contact;
  }

  /** Addresses a contact's hello tells of: where it dialed us from with its listening port, and what it lists. */
  private *hinted(link: Link, hello: Hello): Iterable<NewAddress> {
    const from = normalizeHost(link.remoteHost);
    const loopbackPeer = !link.via && (from === "127.0.0.1" || from === "::1");
    // Through a relay, the address we see is the relay's, not the peer's. An
    // IPv6 link-local source comes without its zone (the socket does not say
    // which interface), and cannot be dialed without one.
    const zoneless = /^fe[89ab][0-9a-f]:/i.test(from) && !from.includes("%");
    if (link.direction === "in" && hello.port > 0 && !link.via && !zoneless) yield { host: from, port: hello.port, source: "hello" };
    for (const text of hello.addrs ?? []) {
      let a: { host: string; port: number };
      try {
        a = parseHostPort(text);
      } catch {
        continue;
      }
      // A peer elsewhere cannot be reached at our own loopback, nor at no address.
      if (a.host === "0.0.0.0" || a.host === "::") continue;
      if (!loopbackPeer && (a.host.startsWith("127.") || a.host === "::1" || a.host === "localhost")) continue;
      yield { host: a.host, port: a.port, source: "hello" };
    }
  }

  /** A contact's link is up: remember where it says it can be reached; an invite token it took is spent. */
  learned(c: Contact, link: Link, hello: Hello): void {
    const known = new Set(c.addresses.map((a) => formatHostPort(a.host, a.port)));
    const fresh = [...this.hinted(link, hello)].filter((a) => !known.has(formatHostPort(a.host, a.port)));
    const spent = link.direction === "out" && c.inviteToken !== null;
    // Its discovery key and relays come over the authenticated link: they are this contact's.
    const dkey = hello.dkey && hello.dkey !== c.dkey ? hello.dkey : null;
    const relays = hello.relays && hello.relays.join() !== c.relays.join() ? hello.relays : null;
    if (fresh.length === 0 && !spent && !dkey && !relays) return;
    void (async () => {
      if (relays) await this.node.opts.store.updateContact(c.name, { relays });
      if (fresh.length > 0) await this.node.opts.store.saveAddresses(c.name, fresh);
      if (spent) await this.node.opts.store.updateContact(c.name, { inviteToken: null });
      if (dkey) await this.node.opts.store.updateContact(c.name, { dkey });
      await this.node.contacts.refresh(c.name);
    })().catch((err) => log.debug(`cannot save ${c.name}'s addresses: ${(err as Error).message}`));
  }

  /** Every address of `name` failed: the DHT may know newer ones (saved, and tried at once). */
  async lookedUp(name: string): Promise<boolean> {
    const fresh = await this.node.reach.lookup(name).catch(() => null);
    if (!fresh) return false;
    await this.node.opts.store.saveAddresses(name, fresh, { preferred: true });
    await this.node.contacts.refresh(name);
    return true;
  }

  /** One of a contact's addresses was tried. */
  tried(name: string, target: Target, ok: boolean, why: string | null): void {
    void this.node.opts.store
      .addressTried(name, target.host, target.port, ok ? { ok: true } : { ok: false, error: why ?? "failed" })
      .then(() => this.node.contacts.refresh(name))
      .catch((err) => log.debug(`cannot record ${name}'s address: ${(err as Error).message}`));
  }

  /** A new invite: one line carrying our name, id, addresses and a token good for `uses` admissions until `expiresMs` from now. */
  async createInvite(opts: { uses: number; expiresMs: number }): Promise<{ text: string; invite: Invite }> {
    const token = Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString("base64url");
    const expires = Date.now() + opts.expiresMs;
    await this.node.opts.store.createInvite(token, opts.uses, expires);
    const config = this.node.opts.local.config;
    const listen = this.node.listening ?? { host: this.node.opts.host ?? config.host, port: this.node.opts.port ?? config.port };
    const addresses = this.node.listening ? this.node.addresses() : advertised(listen);
    const invite: Invite = { name: this.node.name, peerId: this.node.peerId, addresses: addresses.slice(0, MAX_INVITE_ADDRS), token, expires };
    const dkey = this.node.reach.dkey;
    if (dkey) invite.dkey = dkey;
    const relays = this.node.reach.relayUris();
    if (relays.length > 0) invite.relays = relays;
    return { text: encodeInvite(invite), invite };
  }

  /**
   * Someone's invite: pins its id, saves its addresses, and dials it with the
   * token, so its node adds us at once. Named as it calls itself unless
   * `name` is given or the name is taken (then name-2, and `renamed` says so).
   */
  async addInvite(text: string, name?: string): Promise<{ contact: Contact; renamed: boolean; known: boolean }> {
    let inv: Invite;
    try {
      inv = decodeInvite(text);
    } catch (err) {
      if (err instanceof InviteError) throw new NodeError("BAD_INVITE", err.message, { cause: err });
      throw err;
    }
    if (inv.peerId === this.node.peerId) throw new NodeError("BAD_INVITE", "that is your own invite: give it to the person you want to talk to");
    const addresses: NewAddress[] = [];
    for (const a of inv.addresses) {
      try {
        addresses.push({ ...parseHostPort(a), source: "invite" });
      } catch {
        // an address this build cannot read: the others may do
      }
    }
    const known = this.node.contacts.byPeer(inv.peerId);
    if (known) {
      await this.node.opts.store.saveAddresses(known.name, addresses);
      await this.node.opts.store.updateContact(known.name, { inviteToken: inv.token, ...(inv.dkey ? { dkey: inv.dkey } : {}), ...(inv.relays?.length ? { relays: inv.relays } : {}) });
      const c = (await this.node.contacts.refresh(known.name)) ?? known;
      this.node.peers.dial(c);
      return { contact: c, renamed: false, known: true };
    }
    const wanted = name ?? inv.name;
    const chosen = name !== undefined ? validateName(name) : this.node.requests.nameFor({ name: wanted });
    const first = addresses[0];
    if (!first) throw new NodeError("BAD_INVITE", "the invite holds no address this node can dial (was its node hidden when it was made?)");
    const c = await this.add(chosen, formatHostPort(first.host, first.port), {
      id: inv.peerId,
      source: "invite",
      addresses: addresses.slice(1),
      inviteToken: inv.token,
      dkey: inv.dkey,
      relays: inv.relays,
    });
    return { contact: c, renamed: chosen !== wanted, known: false };
  }

  /** Nodes heard on the LAN in the last 90 s, and which contact each is. */
  nearby(): NearbyNode[] {
    return this.node.reach.nearbyPeers().map((p) => ({
      peerId: p.peerId,
      addresses: p.addresses.map((a) => formatHostPort(a.host, a.port)),
      lastHeard: p.lastHeard,
      contact: this.node.contacts.byPeer(p.peerId)?.name ?? null,
    }));
  }

  /** A node heard on the LAN, by its peer id: pinned to it, at the addresses it was heard at. */
  async addNearby(id: string, name?: string): Promise<{ contact: Contact; renamed: boolean; known: boolean }> {
    const parsed = parsePeerId(id);
    if (!parsed.ok) throw new NodeError("BAD_PEER_ID", `invalid peer id ${JSON.stringify(id)}: ${parsed.reason}`);
    const known = this.node.contacts.byPeer(parsed.id);
    if (known) return { contact: known, renamed: false, known: true };
    const found = this.node.reach.nearbyPeers().find((p) => p.peerId === parsed.id);
    // Where its beacons came from: the other addresses a beacon names are anyone's say-so.
    const heard = found && { ...found, addresses: vouchedAddresses(found) };
    if (!heard || heard.addresses.length === 0) {
      throw new NodeError("NOT_NEARBY", `${parsed.id} was not heard on the LAN in the last 90 s (see \`p2pchat nearby\`); add it with its invite, or NAME HOST:PORT --id ID`);
    }
    const chosen = name !== undefined ? validateName(name) : this.node.requests.nameFor({ name: `peer-${parsed.id.slice(0, 7).toLowerCase()}` });
    const [first, ...rest] = heard.addresses;
    const c = await this.add(chosen, formatHostPort(first!.host, first!.port), {
      id: parsed.id,
      source: "lan",
      addresses: rest.map((a) => ({ host: a.host, port: a.port, source: "lan" as const })),
    });
    return { contact: c, renamed: name === undefined, known: false };
  }

  // --- requests ----------------------------------------------------------------------

  requests(): Promise<PeerRequest[]> {
    return this.node.requests.list();
  }

  /** Makes the request a contact (named as it announced, made unique, or `as`); its waiting messages join the history. */
  async acceptRequest(id: string, as?: string): Promise<{ contact: Contact; moved: number; announced: string }> {
    const r = await this.node.requests.resolve(id);
    const name = this.node.requests.nameFor(r, as);
    const draft: Contact = { name, host: r.host, port: r.port, peerId: r.peerId, blocked: false, legacy: false, createdAt: Date.now(), addresses: [], inviteToken: null, dkey: null, relays: [] };
    // What arrives from now on is the contact's; what waited moves in below, before it.
    this.node.peers.promote(r.peerId, draft);
    const res = await this.node.journal.read(() => this.node.opts.store.acceptRequest(r.peerId, draft));
    this.node.requests.forget(r.peerId);
    await this.node.contacts.reload();
    this.node.events.emit({ type: "contact", name, peerId: r.peerId, how: "accepted", address: r.host });
    this.node.peers.dial(res.contact);
    return { ...res, announced: r.name };
  }

  async rejectRequest(id: string): Promise<PeerRequest> {
    const r = await this.node.requests.resolve(id);
    await this.node.requests.reject(r);
    this.node.peers.closeQuietly(r.peerId, "request rejected");
    return r;
  }

  async blockRequest(id: string): Promise<PeerRequest> {
    const r = await this.node.requests.resolve(id);
    await this.node.requests.block(r);
    this.node.peers.closeQuietly(r.peerId, "blocked");
    return r;
  }

  // --- withdrawing ---------------------------------------------------------------------

  /** Withdraws messages not delivered yet. One already on the wire may still arrive: it is said so. */
  async cancel(ids: readonly string[]): Promise<CancelOutcome[]> {
    const wire = this.onTheWire();
    const before = await this.node.journal.read(() => this.node.opts.store.cancel(ids));
    return ids.map((id) => ({ id, before: before.get(id) ?? "unknown", onTheWire: wire.has(id) }));
  }

  /** Withdraws everything not delivered yet to `name`. */
  async cancelTo(name: string): Promise<CancelOutcome[]> {
    const c = await this.book.get(name);
    const wire = this.onTheWire();
    const ids = await this.node.journal.read(() => this.node.opts.store.cancelTo(this.node.recipientOf(c)));
    return ids.map((id) => ({ id, before: "pending" as const, onTheWire: wire.has(id) }));
  }

  private onTheWire(): Set<string> {
    const ids = new Set<string>();
    for (const link of this.node.peers.adopted.values()) {
      const outbox = (link.ctx as { outbox?: { inFlightIds(): Iterable<string> } | null }).outbox;
      if (outbox) for (const id of outbox.inFlightIds()) ids.add(id);
    }
    return ids;
  }

  peerIdOf(name: string): PeerId | null {
    return this.node.contacts.byName(name)?.peerId ?? null;
  }
}
