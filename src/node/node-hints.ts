// How contacts are found and added from what the world tells us: an invite
// (ours, given out; theirs, pasted), a stranger presenting our invite's
// token, a contact's hello (where it says it can be reached, its discovery
// key and relays), a dial's outcome per address, a DHT lookup, a node heard
// on the LAN. Every one of these is a hint: the pinned certificate alone
// decides who a peer is.
import type { Hello, InviteAnswer } from "../protocol/messages.ts";
import { decodeInvite, encodeInvite, InviteError, MAX_INVITE_ADDRS, type Invite } from "../protocol/invite.ts";
import { parsePeerId, type PeerId } from "../protocol/peer-id.ts";
import type { Contact, NewAddress } from "../domain/contact.ts";
import type { NodeLink } from "./link-ctx.ts";
import { advertised } from "../reach/net/addresses.ts";
import { vouchedAddresses } from "../reach/lan/nearby-peers.ts";
import { screenRelays } from "../reach/relay/uri.ts";
import { isLoopbackHost, screenAddresses, wireHostProblem, type WireOrigin } from "../reach/net/wire-address.ts";
import { childLogger } from "../log.ts";
import { formatHostPort, normalizeHost, parseHostPort } from "../domain/host-port.ts";
import { validateName } from "../domain/contact-name.ts";
import type { Target } from "./dial-plan.ts";
import { NodeError } from "../domain/node-error.ts";
import type { ChatNode } from "./node.ts";
import type { NodeBook } from "./node-book.ts";
import type { Verdict } from "./reach-verdict.ts";

const log = childLogger("node");

export interface NearbyNode {
  peerId: PeerId;
  addresses: string[];
  lastHeard: number;
  /** The contact it is, if it is one. */
  contact: string | null;
}

/** A hello's addresses may name loopback only when the link came over loopback (directly, or through a relay on loopback). */
function originOf(link: NodeLink): WireOrigin {
  return { fromLoopback: isLoopbackHost(link.remoteHost) };
}

export class NodeHints {
  constructor(
    private readonly node: ChatNode,
    private readonly book: NodeBook,
  ) {}

  /**
   * A stranger presented an invite token: while the token holds, it is a
   * contact at once, under the name it announced (made unique, and said so).
   * Else it knocks as any stranger (null).
   */
  async admit(link: NodeLink, hello: Hello): Promise<{ contact: Contact | null; answer: InviteAnswer }> {
    const use = await this.node.journal.read(() => this.node.opts.store.useInvite(hello.invite!, Date.now()));
    if (use !== "admitted") {
      log.debug(`${link.peerId} presented an invite token that is ${use}: a request`);
      return { contact: null, answer: use };
    }
    const name = this.node.requests.nameFor({ name: hello.name });
    const hinted = this.hinted(link, hello);
    // Through a relay, the address we see is the relay's: the contact is where its hello says.
    const first = link.via ? hinted.shift() : undefined;
    const [host, port] = first ? [first.host, first.port] : [normalizeHost(link.remoteHost), hello.port];
    const store = this.node.opts.store;
    const contact = await store
      .addContact({ name, host, port, peerId: link.peerId!, source: "hello", addresses: hinted })
      .catch(() => store.findContactByPeerId(link.peerId!));
    if (!contact) return { contact: null, answer: "unknown" };
    await this.node.contacts.reload();
    await this.book.mergeRequest(contact);
    this.node.events.emit({ type: "contact", name: contact.name, peerId: contact.peerId, how: "invited", address: link.via ? `via ${link.via}` : link.address, announced: hello.name });
    return { contact: this.node.contacts.byName(contact.name) ?? contact, answer: "admitted" };
  }

  /**
   * Addresses a contact's hello tells of: where it dialed us from with its
   * listening port, and what it lists, through the one filter of addresses
   * from outside (loopback only when the link itself came over loopback).
   */
  private hinted(link: NodeLink, hello: Hello): NewAddress[] {
    const from = normalizeHost(link.remoteHost);
    const origin = originOf(link);
    const out: NewAddress[] = [];
    // Through a relay, the address we see is the relay's, not the peer's. An
    // IPv6 link-local source comes without its zone (the socket does not say
    // which interface), and cannot be dialed without one: the filter drops it.
    if (link.direction === "in" && hello.port > 0 && !link.via) out.push({ host: from, port: hello.port, source: "hello" });
    for (const text of hello.addrs ?? []) {
      try {
        out.push({ ...parseHostPort(text), source: "hello" });
      } catch {
        // not an address this build can dial
      }
    }
    return screenAddresses(out, origin);
  }

  /** A contact's link is up: remember where it says it can be reached; an invite token it took is spent. */
  learned(c: Contact, link: NodeLink, hello: Hello): void {
    const known = new Set(c.addresses.map((a) => formatHostPort(a.host, a.port)));
    const fresh = this.hinted(link, hello).filter((a) => !known.has(formatHostPort(a.host, a.port)));
    const presented = this.node.peers.presented(link);
    const spent = presented !== null && presented === (this.node.contacts.byName(c.name) ?? c).inviteToken;
    // Its discovery key and relays come over the authenticated link: they are this contact's.
    const dkey = hello.dkey && hello.dkey !== c.dkey ? hello.dkey : null;
    const offered = hello.relays && screenRelays(hello.relays, originOf(link));
    const relays = offered && offered.join() !== c.relays.join() ? offered : null;
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

  /**
   * Addresses an older version took from the wire that no peer can be at
   * (unspecified, multicast, broadcast, link-local without our zone): gone
   * from the address book at start. Loopback stays: it may have come over
   * loopback, and the store does not say.
   */
  async forgetUnreachable(): Promise<void> {
    let forgot = 0;
    for (const c of this.node.contacts.all()) {
      for (const a of c.addresses) {
        if (a.source === "typed" || wireHostProblem(a.host, { fromLoopback: true, ownZone: a.source === "lan" }) === null) continue;
        if (await this.node.opts.store.forgetAddress(c.name, a.host, a.port)) forgot++;
      }
    }
    if (forgot > 0) {
      log.debug(`forgot ${forgot} address(es) no peer can be at`);
      await this.node.contacts.reload();
    }
  }

  /** Another peer answers at an address of `name` it was only heard at: forgotten, so no round dials it again. */
  elsewhere(name: string, target: Target): void {
    void this.node.opts.store
      .forgetAddress(name, target.host, target.port)
      .then(() => this.node.contacts.refresh(name))
      .catch((err) => log.debug(`cannot forget ${name}'s address: ${(err as Error).message}`));
  }

  /** A new invite: one line carrying our name, id, addresses and a token good for `uses` admissions until `expiresMs` from now. */
  async createInvite(opts: { uses: number; expiresMs: number }): Promise<{ text: string; invite: Invite; verdict: Verdict }> {
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
    return { text: encodeInvite(invite), invite, verdict: this.node.reach.verdict() };
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
    const known = this.node.contacts.byPeer(inv.peerId);
    if (known) {
      await this.node.opts.store.saveAddresses(known.name, addresses);
      await this.node.opts.store.updateContact(known.name, { inviteToken: inv.token, ...(inv.dkey ? { dkey: inv.dkey } : {}), ...(inv.relays?.length ? { relays: inv.relays } : {}) });
      const c = (await this.node.contacts.refresh(known.name)) ?? known;
      await this.node.peers.relink(c, inv.token, () => this.node.contacts.byName(c.name));
      return { contact: c, renamed: false, known: true };
    }
    const wanted = name ?? inv.name;
    const chosen = name !== undefined ? validateName(name) : this.node.requests.nameFor({ name: wanted });
    const first = addresses[0];
    if (!first && listed.length > 0) throw new NodeError("BAD_INVITE", `the invite names only places no peer elsewhere can be (${inv.addresses.slice(0, 3).join(", ")}): not added`);
    if (!first) throw new NodeError("BAD_INVITE", "the invite holds no address this node can dial (was its node hidden when it was made?)");
    const c = await this.book.add(chosen, formatHostPort(first.host, first.port), {
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
    const c = await this.book.add(chosen, formatHostPort(first!.host, first!.port), {
      id: parsed.id,
      source: "lan",
      addresses: rest.map((a) => ({ host: a.host, port: a.port, source: "lan" as const })),
    });
    return { contact: c, renamed: name === undefined, known: false };
  }
}
