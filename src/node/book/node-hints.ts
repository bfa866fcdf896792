// How contacts are found and added from what the world tells us: an invite
// (ours, given out; theirs, pasted), a stranger presenting our invite's
// token, a contact's hello (where it says it can be reached, its discovery
// key and relays), a dial's outcome per address, a DHT lookup (nodes heard
// on the LAN: nearby-book.ts). Every one of these is a hint: the pinned
// certificate alone decides who a peer is.
import { decodeInvite, encodeInvite, InviteError, MAX_INVITE_ADDRS, type Invite } from "../../protocol/invite-line.ts";
import type { Hello, InviteAnswer } from "../../protocol/messages.ts";
import type { PeerId } from "../../protocol/peer-id.ts";
import { handleFor, validateName } from "../../domain/contact-name.ts";
import type { Contact, NewAddress } from "../../domain/contact.ts";
import { formatHostPort, normalizeHost, parseHostPort } from "../../domain/host-port.ts";
import { NodeError } from "../../domain/node-error.ts";
import type { Store } from "../../store/store.ts";
import { isLoopbackHost, screenAddresses, wireHostProblem, type WireOrigin } from "../../reach/net/wire-address.ts";
import type { ReachService } from "../../reach/reach-service.ts";
import type { Verdict } from "../../reach/reach-verdict.ts";
import { screenRelays } from "../../reach/relay/uri.ts";
import { childLogger } from "../../log.ts";
import type { Target } from "../dial/dial-plan.ts";
import type { Contacts } from "../engine/contact-cache.ts";
import type { Journal } from "../engine/journal.ts";
import type { NodeLink } from "../engine/link-ctx.ts";
import type { Requests } from "../engine/peer-requests.ts";
import type { Peers } from "../engine/peers.ts";
import type { NodeEvent } from "../node-events.ts";
import type { NodeBook } from "./node-book.ts";

const log = childLogger("node");

/** A hello's addresses may name loopback only when the link came over loopback (directly, or through a relay on loopback). */
function originOf(link: NodeLink): WireOrigin {
  return { fromLoopback: isLoopbackHost(link.remoteHost) };
}

export interface NodeHintsDeps {
  self: PeerId;
  name(): string;
  store: Store;
  journal: Journal;
  contacts: Contacts;
  requests: Requests;
  emit(event: NodeEvent): void;
  book: Pick<NodeBook, "add" | "mergeRequest">;
  peers: Pick<Peers, "relink">;
  reach: Pick<ReachService, "lookup" | "dkey" | "relayUris" | "verdict">;
  /** Where an invite says we can be reached: where we listen now, else where we will. */
  inviteAddresses(): string[];
}

export class NodeHints {
  /** `peer id + " " + device id` → the addresses that device's hellos gave. */
  private readonly byDevice = new Map<string, Set<string>>();

  constructor(private readonly d: NodeHintsDeps) {}

  /**
   * A stranger presented an invite token: while the token holds, it is a
   * contact at once, under the name it announced (made unique, and said so).
   * Else it knocks as any stranger (null).
   */
  async admit(link: NodeLink, hello: Hello): Promise<{ contact: Contact | null; answer: InviteAnswer }> {
    const use = await this.d.journal.read(() => this.d.store.useInvite(hello.invite!, Date.now()));
    if (use !== "admitted") {
      log.debug(`${link.peerId} presented an invite token that is ${use}: a request`);
      return { contact: null, answer: use };
    }
    const announced = hello.display ?? hello.name;
    const name = this.d.requests.nameFor({ name: announced });
    const hinted = this.hinted(link, hello);
    // Through a relay, the address we see is the relay's: the contact is where its hello says.
    const first = link.via ? hinted.shift() : undefined;
    const [host, port] = first ? [first.host, first.port] : [normalizeHost(link.remoteHost), hello.port];
    const store = this.d.store;
    const contact = await store
      .addContact({ name, host, port, peerId: link.peerId!, source: "hello", addresses: hinted })
      .catch(() => store.findContactByPeerId(link.peerId!));
    if (!contact) return { contact: null, answer: "unknown" };
    await this.d.contacts.reload();
    await this.d.book.mergeRequest(contact);
    this.d.emit({ type: "contact", name: contact.name, peerId: contact.peerId, how: "invited", address: link.via ? `via ${link.via}` : link.address, announced });
    return { contact: this.d.contacts.byName(contact.name) ?? contact, answer: "admitted" };
  }

  /**
   * Addresses a contact's hello tells of: where it dialed us from with its
   * listening port, and what it lists, through the one filter of addresses
   * from outside (loopback only when the link itself came over loopback).
   */
  hinted(link: NodeLink, hello: Hello): NewAddress[] {
    const from = normalizeHost(link.remoteHost);
    const origin = originOf(link);
    const out: NewAddress[] = [];
    // Through a relay, the address we see is the relay's, not the peer's. An
    // IPv6 link-local source comes without its zone (the socket does not say
    // which interface), and cannot be dialed without one: the filter drops it.
    // Over a punched hole the source is the peer's router, whose listening port it does not forward.
    if (link.direction === "in" && hello.port > 0 && !link.via && !link.punched) out.push({ host: from, port: hello.port, source: "hello" });
    for (const text of hello.addrs ?? []) {
      try {
        out.push({ ...parseHostPort(text), source: "hello" });
      } catch {
        // not an address this build can dial
      }
    }
    return screenAddresses(out, origin);
  }

  /** Addresses a link's peer lists for another device of its identity (a roster): screened as a hello's are. */
  listed(link: NodeLink, addrs: readonly string[]): NewAddress[] {
    const out: NewAddress[] = [];
    for (const text of addrs) {
      try {
        out.push({ ...parseHostPort(text), source: "hello" });
      } catch {
        // not an address this build can dial
      }
    }
    return screenAddresses(out, originOf(link));
  }

  /** Addresses (HOST:PORT) the hellos of one device of a contact's identity gave in this run: forgotten with it when it is revoked. */
  fromDevice(peerId: string | null, deviceId: string): string[] {
    return [...(this.byDevice.get(`${peerId} ${deviceId}`) ?? [])];
  }

  /** A contact's link is up: remember where it says it can be reached; an invite token it took is spent. */
  learned(c: Contact, link: NodeLink, hello: Hello): void {
    const known = new Set(c.addresses.map((a) => formatHostPort(a.host, a.port)));
    const hinted = this.hinted(link, hello);
    if (link.deviceId) {
      const key = `${c.peerId} ${link.deviceId}`;
      const seen = this.byDevice.get(key) ?? new Set<string>();
      for (const a of hinted) seen.add(formatHostPort(a.host, a.port));
      this.byDevice.set(key, seen);
    }
    const fresh = hinted.filter((a) => !known.has(formatHostPort(a.host, a.port)));
    const presented = link.ctx.presented;
    const spent = presented !== null && presented === (this.d.contacts.byName(c.name) ?? c).inviteToken;
    // Its discovery key and relays come over the authenticated link: they are this contact's.
    const dkey = hello.dkey && hello.dkey !== c.dkey ? hello.dkey : null;
    const offered = hello.relays && screenRelays(hello.relays, originOf(link));
    const relays = offered && offered.join() !== c.relays.join() ? offered : null;
    if (fresh.length === 0 && !spent && !dkey && !relays) return;
    void (async () => {
      if (relays) await this.d.store.updateContact(c.name, { relays });
      if (fresh.length > 0) await this.d.store.saveAddresses(c.name, fresh);
      if (spent) await this.d.store.updateContact(c.name, { inviteToken: null });
      if (dkey) await this.d.store.updateContact(c.name, { dkey });
      await this.d.contacts.refresh(c.name);
    })().catch((err) => log.debug(`cannot save ${c.name}'s addresses: ${(err as Error).message}`));
  }

  /** Every address of `name` failed: the DHT may know newer ones (saved, and tried at once). */
  async lookedUp(name: string): Promise<boolean> {
    const fresh = await this.d.reach.lookup(name).catch(() => null);
    if (!fresh) return false;
    await this.d.store.saveAddresses(name, fresh, { preferred: true });
    await this.d.contacts.refresh(name);
    return true;
  }

  /** One of a contact's addresses was tried. */
  tried(name: string, target: Target, ok: boolean, why: string | null): void {
    void this.d.store
      .addressTried(name, target.host, target.port, ok ? { ok: true } : { ok: false, error: why ?? "failed" })
      .then(() => this.d.contacts.refresh(name))
      .catch((err) => log.debug(`cannot record ${name}'s address: ${(err as Error).message}`));
  }

  /**
   * Addresses an older version took from the wire that no peer can be at
   * (unspecified, multicast, broadcast, link-local without our zone): gone
   * from the address book at start. Loopback stays: it may have come over
   * loopback, and the store does not say.
   */
  async forgetUnreachable(): Promise<void> {
    let forgot = 0;
    for (const c of this.d.contacts.all()) {
      for (const a of c.addresses) {
        if (a.source === "typed" || wireHostProblem(a.host, { fromLoopback: true, ownZone: a.source === "lan" }) === null) continue;
        if (await this.d.store.forgetAddress(c.name, a.host, a.port)) forgot++;
      }
    }
    if (forgot > 0) {
      log.debug(`forgot ${forgot} address(es) no peer can be at`);
      await this.d.contacts.reload();
    }
  }

  /** Another peer answers at an address of `name` it was only heard at: forgotten, so no round dials it again. */
  elsewhere(name: string, target: Target): void {
    void this.d.store
      .forgetAddress(name, target.host, target.port)
      .then(() => this.d.contacts.refresh(name))
      .catch((err) => log.debug(`cannot forget ${name}'s address: ${(err as Error).message}`));
  }

  /** A new invite: one line carrying our name, id, addresses and a token good for `uses` admissions until `expiresMs` from now. */
  async createInvite(opts: { uses: number; expiresMs: number }): Promise<{ text: string; invite: Invite; verdict: Verdict }> {
    const token = Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString("base64url");
    const expires = Date.now() + opts.expiresMs;
    await this.d.store.createInvite(token, opts.uses, expires);
    const addresses = this.d.inviteAddresses();
    const invite: Invite = { name: this.d.name(), peerId: this.d.self, addresses: addresses.slice(0, MAX_INVITE_ADDRS), token, expires };
    const dkey = this.d.reach.dkey;
    if (dkey) invite.dkey = dkey;
    const relays = this.d.reach.relayUris();
    if (relays.length > 0) invite.relays = relays;
    return { text: encodeInvite(invite), invite, verdict: this.d.reach.verdict() };
  }

  /**
   * Someone's invite: pins its id, saves its addresses, and dials it with the
   * token, so its node adds us at once. Named as it calls itself unless
   * `name` is given or the name is taken (then name-2, and `renamed` says so).
   */
  async addInvite(text: string, name?: string): Promise<{ contact: Contact; renamed: boolean; known: boolean; announced?: string; taken?: string }> {
    let inv: Invite;
    try {
      inv = decodeInvite(text);
    } catch (err) {
      if (err instanceof InviteError) throw new NodeError("BAD_INVITE", err.message, { cause: err });
      throw err;
    }
    if (inv.peerId === this.d.self) throw new NodeError("BAD_INVITE", "that is your own invite: give it to the person you want to talk to");
    const listed: NewAddress[] = [];
    for (const a of inv.addresses) {
      try {
        listed.push({ ...parseHostPort(a), source: "invite" });
      } catch {
        // an address this build cannot read: the others may do
      }
    }
    // A node on this machine listening on loopback lists only loopback (several
    // homes on one machine); a loopback address beside others is no place a peer
    // elsewhere listens.
    const origin = { fromLoopback: listed.length > 0 && listed.every((a) => isLoopbackHost(a.host)) };
    const addresses = screenAddresses(listed, origin);
    if (inv.relays) inv.relays = screenRelays(inv.relays, origin);
    const known = this.d.contacts.byPeer(inv.peerId);
    if (known) {
      await this.d.store.saveAddresses(known.name, addresses);
      await this.d.store.updateContact(known.name, { inviteToken: inv.token, ...(inv.dkey ? { dkey: inv.dkey } : {}), ...(inv.relays?.length ? { relays: inv.relays } : {}) });
      const c = (await this.d.contacts.refresh(known.name)) ?? known;
      await this.d.peers.relink(c, inv.token, () => this.d.contacts.byName(c.name));
      return { contact: c, renamed: false, known: true };
    }
    const wanted = name ?? inv.name;
    const chosen = name !== undefined ? validateName(name) : this.d.requests.nameFor({ name: wanted });
    const first = addresses[0];
    if (!first && listed.length > 0) throw new NodeError("BAD_INVITE", `the invite names only places no peer elsewhere can be (${inv.addresses.slice(0, 3).join(", ")}): not added`);
    if (!first) throw new NodeError("BAD_INVITE", "the invite holds no address this node can dial (was its node hidden when it was made?)");
    const c = await this.d.book.add(chosen, formatHostPort(first.host, first.port), {
      id: inv.peerId,
      source: "invite",
      addresses: addresses.slice(1),
      inviteToken: inv.token,
      dkey: inv.dkey,
      relays: inv.relays,
    });
    // Renamed only when its name is a contact's (or looks like one): said, with whose.
    const taken = name === undefined && chosen !== handleFor(wanted) ? this.d.requests.imitated(wanted) : null;
    return { contact: c, renamed: chosen !== handleFor(wanted), known: false, announced: inv.name, ...(taken ? { taken } : {}) };
  }
}
