// The node's side of every link: who is accepted (pinning on links we
// dialed, strangers as requests, silent blocking), one link per peer
// (simultaneous dials are settled the same way on both sides), received
// messages stored before they are acked, and redials while we owe a peer
// messages.
import type { ProtocolErrorCode } from "../../protocol/protocol-error.ts";
import { INVITE_ANSWER_CAP, REFUSE_CAP, type ChatMessage, type GroupFrame, type Hello, type InviteAnswer } from "../../protocol/messages.ts";
import type { PeerId } from "../../protocol/peer-id.ts";
import { blankText } from "../../protocol/text.ts";
import type { IncomingMessage, Store } from "../../store/store.ts";
import { type Contact, mismatchAdvice, type PeerRequest } from "../../domain/contact.ts";
import type { CloseInfo, Link, LinkHandler, Refusal } from "../../transport/link.ts";
import { newCtx, type LinkCtx, type NodeLink } from "./link-ctx.ts";
import { SHUTDOWN_REASON, type Transport } from "../../transport/transport.ts";
import { childLogger } from "../../log.ts";
import { formatHostPort } from "../../domain/host-port.ts";
import type { Contacts } from "./contact-cache.ts";
import type { Target } from "../dial/dial-plan.ts";
import { Dialer } from "../dial/dialer.ts";
import type { NodeEvent } from "../node-events.ts";
import { describeFailure, type Health } from "../dial/health.ts";
import type { Journal } from "./journal.ts";
import { Outbox } from "./outbox.ts";
import type { Requests } from "./peer-requests.ts";
import type { RetryTimer } from "../dial/retry.ts";

const log = childLogger("node");

/** Received bytes not yet committed, per link, before we drop the link. */
const MAX_UNCOMMITTED_BYTES = 32 * 1024 * 1024;
/**
 * When two links cross (both dialed at once), the peer may close the one we
 * use a moment before we adopt the one it keeps: that is a replacement, not
 * a disconnection, and is not announced unless no link follows within this.
 */
const REPLACE_GRACE_MS = 2_000;

export interface PeersDeps {
  self: PeerId;
  store: Store;
  journal: Journal;
  contacts: Contacts;
  requests: Requests;
  health: Health;
  transport: () => Transport<LinkCtx>;
  emit(event: NodeEvent): void;
  discoverable(): boolean;
  contactsOnly: boolean;
  retry: RetryTimer<string>;
  /** A contact was pinned on a link we dialed (its unclaimed messages and any request from that id follow). */
  pinned(contact: Contact): Promise<void>;
  /** A request's peer turned out to be a contact (added while it knocked): its waiting messages join the contact. */
  joined(contact: Contact): Promise<void>;
  /** A stranger presented an invite token: the contact it becomes when the token admits it, else null (it knocks), and what the token was. */
  admit(link: NodeLink, hello: Hello): Promise<{ contact: Contact | null; answer: InviteAnswer }>;
  /** A contact's hello (and the address it dialed us from) told us where it can be reached. */
  learned(contact: Contact, link: NodeLink, hello: Hello): void;
  /** One of a contact's addresses was tried. */
  tried(name: string, target: Target, ok: boolean, why: string | null): void;
  /** Another peer answers at an address of `name` only heard of (not given by the user): forget it. */
  elsewhere(name: string, target: Target): void;
  /** Whether we owe `name` messages. */
  owed(name: string): Promise<boolean>;
  /** Every address of `name` failed: true when new ones were found (the DHT), to try at once. */
  exhausted(name: string): Promise<boolean>;
  /** Nothing direct works: a link through one of the contact's relays. */
  viaRelay(contact: Contact, ctx: LinkCtx): Promise<NodeLink | null>;
  /** Group sync (node/groups/): told of contacts' links, fed their group frames. */
  groups?: GroupHooks;
}

export interface GroupHooks {
  /** `promoted`: a request's link that became a contact's (what the peer sent on it before was not taken). */
  up(link: Link, contact: Contact, promoted?: boolean): void;
  down(link: Link): void;
  frames(link: Link, frames: GroupFrame[]): void;
  writable(link: Link): void;
}

/** How long a relink waits for the old link to close before dialing anyway. */
const RELINK_WAIT_MS = 5_000;
/** How long a knock from an unpinned contact's address waits for our dial there (then it is a request, and the dial may still pin it). */
const CONFIRM_WAIT_MS = 5_000;

export class Peers implements LinkHandler<LinkCtx> {
  /** The adopted link of each peer (a contact's or a request's). */
  private readonly links = new Map<PeerId, NodeLink>();
  /** Links the peer replaced, whose "down" waits to see whether a new link follows. */
  private readonly replacing = new Map<PeerId, ReturnType<typeof setTimeout>>();
  readonly dialer: Dialer<LinkCtx>;

  constructor(private readonly d: PeersDeps) {
    this.dialer = new Dialer({
      transport: d.transport,
      health: d.health,
      retry: d.retry,
      discoverable: d.discoverable,
      contact: (name) => d.contacts.byName(name),
      newCtx: (contact, target) => newCtx(contact, target),
      linked: (c) => this.linkTo(c) !== undefined,
      owed: d.owed,
      tried: d.tried,
      exhausted: d.exhausted,
      viaRelay: d.viaRelay,
    });
  }

  get adopted(): ReadonlyMap<PeerId, NodeLink> {
    return this.links;
  }

  /** Ids of our messages written to some link and not acked yet: they may still arrive. */
  inFlightIds(): Set<string> {
    const ids = new Set<string>();
    for (const link of this.links.values()) for (const id of link.ctx.outbox?.inFlightIds() ?? []) ids.add(id);
    return ids;
  }

  /** The contact's link, if one is up (a request's link is not a contact's). */
  linkTo(contact: Contact): NodeLink | undefined {
    const link = contact.peerId ? this.links.get(contact.peerId) : undefined;
    return link && link.ctx.contact ? link : undefined;
  }

  contactOf(link: NodeLink): Contact | null {
    return link.ctx.contact;
  }

  /** New messages for `contact`: its link's outbox takes them, or a dial brings one up. */
  deliver(contact: Contact): void {
    const link = this.linkTo(contact);
    if (link) link.ctx.outbox?.pump();
    else this.dial(contact);
  }

  /** Dials `contact` (its addresses in turn) unless a link or a dial to it exists, or it must not be dialed now. */
  dial(contact: Contact): void {
    this.dialer.dial(contact);
  }

  /** The invite token our hello on `link` presents: the contact's we dial, as it is now (remembered on the link). */
  tokenFor(link: NodeLink, fresh: (c: Contact) => Contact | undefined): string | null {
    const ctx = link.ctx;
    if (link.direction !== "out" || !ctx.contact) return null;
    ctx.presented = (fresh(ctx.contact) ?? ctx.contact).inviteToken;
    return ctx.presented;
  }

  /** What `tokenFor` gave the hello on `link`. */
  presented(link: NodeLink): string | null {
    return link.ctx.presented;
  }

  /**
   * Only a hello carries an invite token: to present a new one to a contact,
   * let a dial in flight end, and if the link it is on did not present that
   * token, close it (as a node that stops does) and dial again.
   */
  async relink(contact: Contact, token: string, fresh: () => Contact | undefined): Promise<void> {
    const deadline = Date.now() + RELINK_WAIT_MS;
    while (this.dialer.isDialing(contact.name) && !this.linkTo(contact) && Date.now() < deadline) await Bun.sleep(20);
    const link = this.linkTo(contact);
    // (Not the contact's token now: a link that presented it has spent it already.)
    if (link && link.ctx.presented !== token) {
      link.refuse("SHUTDOWN", "presenting a new invite");
      while ((this.linkTo(contact) || this.dialer.isDialing(contact.name)) && Date.now() < deadline) await Bun.sleep(20);
    }
    this.dial(fresh() ?? contact);
  }

  /** Closes the link to one peer (blocked, removed) or to all (hidden, shutting down). */
  closeLinks(code: Refusal["code"], reason: string, peer?: PeerId): void {
    if (peer) {
      this.links.get(peer)?.refuse(code, reason);
      return;
    }
    this.dialer.clear();
    for (const link of this.dialer.links) link.refuse(code, reason);
    for (const link of this.links.values()) link.refuse(code, reason);
  }

  /**
   * Closes a peer's link the way a node that stops does (the same error
   * frame, the same words), so a blocked or removed peer learns nothing from
   * it; a dial of ours in flight to it is dropped too.
   */
  closeQuietly(peer: PeerId, note: string, name?: string): void {
    this.links.get(peer)?.refuse("SHUTDOWN", SHUTDOWN_REASON, true, note);
    if (name) for (const link of this.dialer.linksOf(name)) link.refuse("SHUTDOWN", SHUTDOWN_REASON, true, note);
  }

  /** This machine lost these addresses: links from them are dead (what their peers send goes nowhere), so both sides dial again. */
  dropFrom(gone: ReadonlySet<string>): void {
    for (const link of this.links.values()) {
      const local = link.localAddress?.replace(/^::ffff:/, "");
      if (local && gone.has(local)) link.drop("KEEPALIVE_TIMEOUT", `this machine's address ${local} is gone`);
    }
  }

  /**
   * A request's link becomes a contact's (accepted, or pinned by a dial of
   * ours): from now on what it sends is the contact's, and we deliver to it.
   */
  promote(peerId: PeerId, contact: Contact): void {
    const link = this.links.get(peerId);
    if (!link || !link.isOpen) return;
    const ctx = link.ctx;
    if (ctx.contact) return;
    ctx.request = null;
    ctx.contact = contact;
    this.startOutbox(link, contact, null);
    this.d.groups?.up(link, contact, true);
    this.d.health.linked(contact.name, link.address, link.direction, link.via ?? undefined);
    this.d.emit({ type: "link", peer: contact.name, up: true, address: link.address, direction: link.direction });
  }

  /** A contact changed (renamed, new address): its link follows. */
  updated(contact: Contact): void {
    const link = contact.peerId ? this.links.get(contact.peerId) : undefined;
    if (link && link.ctx.contact) link.ctx.contact = contact;
  }

  // --- LinkHandler ----------------------------------------------------------------

  /** Runs once TLS is up, before our hello. A refusal here sends nothing: the peer only sees the connection close. */
  verify(link: NodeLink): Refusal | null {
    const peerId = link.peerId!;
    if (peerId === this.d.self) return { code: "IDENTITY_MISMATCH", reason: "that is our own id: a node does not link to itself" };
    if (!this.d.discoverable()) return { code: "HIDDEN", reason: "this peer is not discoverable now" };
    if (link.direction === "out") {
      const { contact: c, target } = link.ctx;
      const contact = c!;
      if (contact.peerId && contact.peerId !== peerId) {
        // An address we only heard of (a beacon, a record, a hello, a relay)
        // answering as someone else is a stale or forged hint, not news about
        // the contact: it is someone else's now, and forgotten. Only where the
        // user sent us (typed, or the invite they pasted) is it loud, with the
        // advice to re-pin: elsewhere that advice would be a ready-made command
        // for whoever sits on an old or DHT-found address.
        const source = target ? contact.addresses.find((a) => a.host === target.host && a.port === target.port)?.source : undefined;
        if (source !== "typed" && source !== "invite") {
          log.debug(`${contact.name}: ${link.address} (${source ? `from ${source}` : "last known"}) answered as ${peerId}, not ${contact.peerId}: someone else's now`);
          if (target && source) this.d.elsewhere(contact.name, target);
          return { code: "IDENTITY_MISMATCH", reason: `${link.address} is someone else's now (${peerId} answers there)${source ? ": forgotten" : ""}` };
        }
        if (this.d.health.mismatch(contact.name, contact.peerId, peerId)) {
          const text =
            `IDENTITY MISMATCH for ${contact.name} at ${link.address}: pinned ${contact.peerId}, but the peer there presents ${peerId}. ` +
            `Refused: nothing goes to it. ${mismatchAdvice(contact.name, peerId)}`;
          this.d.emit({ type: "warning", peer: contact.name, text });
          log.debug(text); // shown where the user looks (serve, chat, status, send), once
        }
        return { code: "IDENTITY_MISMATCH", reason: `identity changed: expected ${contact.peerId}, got ${peerId}` };
      }
    }
    if (this.d.contacts.byPeer(peerId)?.blocked || this.d.requests.isBlocked(peerId)) return { code: "SHUTDOWN", reason: SHUTDOWN_REASON, frame: true, note: "blocked" };
    return null;
  }

  hello(link: NodeLink, hello: Hello): void {
    this.decide(link, hello).catch((err) => {
      log.warn(`link ${link.address}: ${(err as Error).message}`);
      link.refuse("UNKNOWN_ERROR", "internal error");
    });
  }

  private async decide(link: NodeLink, hello: Hello): Promise<void> {
    const peerId = link.peerId!;
    const ctx = link.ctx;
    if (link.direction === "out") {
      const before = ctx.contact!;
      const contact = await this.d.contacts.pinOnFirstContact(before, peerId, link.address, this.d.emit);
      if (!contact) return link.refuse("DUPLICATE_LINK", "this peer is already in the address book under another name");
      ctx.contact = contact;
      if (!before.peerId) await this.d.pinned(contact);
    } else {
      ctx.contact = this.d.contacts.byPeer(peerId) ?? null;
      if (!ctx.contact) {
        // A stranger: a request, never a contact by its name or address.
        if (this.d.requests.isBlocked(peerId)) return link.refuse("SHUTDOWN", SHUTDOWN_REASON, true, "blocked");
        // An invite we gave out lets its bearer in as a contact at once, while the token holds.
        if (hello.invite) {
          const { contact, answer } = await this.d.admit(link, hello);
          ctx.contact = contact;
          // Said so the invitee knows it is a contact, or only a request.
          if (hello.caps.includes(INVITE_ANSWER_CAP)) link.sendInviteAnswer(answer);
        }
      } else if (hello.invite && hello.caps.includes(INVITE_ANSWER_CAP) && !ctx.contact.blocked) {
        link.sendInviteAnswer("admitted"); // a contact already: the token changes nothing
      }
      if (!ctx.contact && !link.via) {
        // The seed's way: each typed the other's address, nobody's id. A knock
        // pointing at where we saved an unpinned contact is worth our own dial
        // there: what answers is pinned, as on any dial of ours, and when it
        // is this peer, the peer is that contact. Its word alone proves nothing.
        const typed = this.d.contacts.unpinnedAt(link.remoteHost, hello);
        if (typed) {
          await this.confirm(typed);
          ctx.contact = this.d.contacts.byPeer(peerId) ?? null;
          if (link.state !== "deciding") return; // closed meanwhile
        }
      }
      if (!ctx.contact) {
        if (this.d.contactsOnly) {
          log.debug(`refused ${JSON.stringify(hello.name)} (${peerId}) from ${link.remoteHost}: not a contact (--contacts-only)`);
          return link.refuse("UNKNOWN_PEER", "this peer accepts links from its contacts only");
        }
        const knock = await this.d.requests.knock(peerId, hello.name, link.remoteHost, hello.port);
        if (!knock.ok) {
          if (knock.why === "blocked") return link.refuse("SHUTDOWN", SHUTDOWN_REASON, true, "blocked");
          return link.refuse("REQUESTS_FULL", "this peer has too many open requests: try again later");
        }
        ctx.request = knock.request;
        // Added as a contact while it knocked: it is one.
        const now = this.d.contacts.byPeer(peerId);
        if (now) {
          ctx.contact = now;
          ctx.request = null;
          await this.d.joined(now);
        }
      }
    }
    if (link.state !== "deciding") return; // closed meanwhile
    if (ctx.contact?.blocked) return link.refuse("SHUTDOWN", SHUTDOWN_REASON, true, "blocked");
    if (!this.d.discoverable()) return link.refuse("HIDDEN", "this peer is not discoverable now");
    this.adopt(link, hello);
  }

  /** Dials an unpinned contact and waits, a while, until the dial pinned it to someone or gave up. */
  private async confirm(contact: Contact): Promise<void> {
    log.debug(`a stranger points at ${contact.name}'s address (${formatHostPort(contact.host, contact.port)}): dialing it there to see who answers`);
    this.dial(contact);
    const deadline = Date.now() + CONFIRM_WAIT_MS;
    // (No event says "this round ended": the dialer's state is looked at, as relink does.)
    while (this.dialer.isDialing(contact.name) && !this.d.contacts.byName(contact.name)?.peerId && Date.now() < deadline) await Bun.sleep(20);
  }

  /** One link per peer. A restarted peer (new session) replaces its old link; otherwise both sides keep the link dialed by the smaller id. */
  private adopt(link: NodeLink, hello: Hello): void {
    const peerId = link.peerId!;
    const ctx = link.ctx;
    const existing = this.links.get(peerId);
    let previous: string[] = [];
    if (existing && existing !== link) {
      const sameSession = existing.peerHello?.session === hello.session;
      if (sameSession && existing.direction !== link.direction) {
        const dialer = (l: NodeLink) => (l.direction === "out" ? this.d.self : peerId);
        if (dialer(existing) < dialer(link)) {
          // The link we keep may still be a request's while this one proved the contact.
          if (ctx.contact && !existing.ctx.contact) this.promote(peerId, ctx.contact);
          return link.refuse("DUPLICATE_LINK", "a link between us already exists");
        }
      }
      this.links.delete(peerId);
      previous = existing.ctx.outbox?.stop() ?? [];
      existing.refuse("DUPLICATE_LINK", sameSession ? "replaced by the link dialed by the smaller id" : "replaced by a newer link");
    }
    this.links.set(peerId, link);
    link.accept();
    const contact = ctx.contact;
    if (!contact) {
      log.debug(`request link up: ${JSON.stringify(hello.name)} ${peerId} ${link.address}`);
      return;
    }
    log.debug(`link up: ${contact.name} ${link.address} (${link.direction})${existing ? " replacing an older one" : ""}`);
    this.d.health.linked(contact.name, link.address, link.direction, link.via ?? undefined);
    if (link.direction === "out") this.dialer.up(contact.name, link);
    this.d.learned(contact, link, hello);
    // A replaced link is no news to the user: the peer stayed connected.
    const replaced = this.replacing.get(peerId);
    if (replaced) {
      clearTimeout(replaced);
      this.replacing.delete(peerId);
    } else if (!existing || !existing.ctx.contact) {
      this.d.emit({ type: "link", peer: contact.name, up: true, address: link.address, direction: link.direction, ...(link.via ? { via: link.via } : {}) });
    }
    this.startOutbox(link, contact, previous);
    this.d.groups?.up(link, contact);
  }

  private startOutbox(link: NodeLink, contact: Contact, previous: string[] | null): void {
    const peerId = link.peerId!;
    const outbox = new Outbox(link, {
      store: this.d.store,
      journal: this.d.journal,
      emit: this.d.emit,
      allowed: () => this.d.discoverable() && !this.d.contacts.byPeer(peerId)?.blocked,
      recipient: () => {
        const c = link.ctx.contact ?? contact;
        return { name: this.d.contacts.byPeer(peerId)?.name ?? c.name, peerId };
      },
      // Only a link that delivers resets the redial backoff: one that comes up
      // and fails at once (a receiver that cannot store) must not storm.
      delivering: () => this.d.retry.reset(link.ctx.contact?.name ?? contact.name),
    });
    link.ctx.outbox = outbox;
    // Only after an older link's in-flight messages are pending again: order is kept.
    if (previous && previous.length > 0) this.d.journal.unsent(previous).then(() => outbox.start(), () => outbox.start());
    else outbox.start();
  }

  messages(link: NodeLink, batch: ChatMessage[]): void {
    const ctx = link.ctx;
    const { contact, request } = ctx;
    if ((!contact && !request) || this.links.get(link.peerId!) !== link) return; // not (or no longer) the adopted link
    batch = refuseBlank(link, batch);
    if (batch.length === 0) return;
    const peerId = link.peerId!;
    // A request stores up to its cap: what fits of this batch is stored and acked, then the link is refused.
    const taken = request ? this.d.requests.take(peerId, batch.length) : batch.length;
    const full = () => link.refuse("REQUESTS_FULL", "too many messages wait for this peer's user to accept you: they are kept, send more later");
    if (taken === 0) return full();
    const messages = taken < batch.length ? batch.slice(0, taken) : batch;
    const received = Date.now();
    let bytes = 0;
    const rows: IncomingMessage[] = messages.map((m) => {
      bytes += m.body.length;
      return contact
        ? { id: m.id, peerId, peer: contact.name, host: link.remoteHost, port: contact.port, body: m.body, created: m.created, received }
        : { id: m.id, peerId, peer: "", host: link.remoteHost, port: 0, body: m.body, created: m.created, received, request: true };
    });
    ctx.uncommitted += bytes;
    if (ctx.uncommitted > MAX_UNCOMMITTED_BYTES) return link.refuse("OVERLOADED", "too much unacknowledged data");
    if (contact) this.d.health.seen(contact.name);
    const mine = new Set(rows);
    this.d.journal.incoming(rows).then(
      (result) => {
        ctx.uncommitted -= bytes;
        // Committed: now, and only now, the sender may forget them.
        link.sendAck(messages.map((m) => m.id));
        let fresh = 0;
        for (const m of result.stored) {
          if (!mine.has(m)) continue;
          fresh++;
          if (!m.request) this.d.emit({ type: "message", entry: { id: m.id, direction: "in", peer: m.peer, text: m.body, status: "received", time: m.created, received: m.received } });
        }
        if (request) this.d.requests.stored(peerId, taken, fresh);
        if (taken < batch.length) full();
      },
      (err) => {
        if (request) this.d.requests.stored(peerId, taken, 0);
        // The journal already tried again for a while, and says once that the database fails.
        log.debug(`cannot store messages from ${contact?.name ?? peerId}: ${(err as Error).message}`);
        link.refuse("OVERLOADED", "the receiver cannot store messages now; they stay with you and go again later");
      },
    );
  }

  /** The inviter's node answered the token our hello presented. */
  inviteAnswer(link: NodeLink, answer: InviteAnswer): void {
    const { contact, presented } = link.ctx;
    if (link.direction !== "out" || !contact || presented === null) return; // we presented nothing
    this.d.emit({ type: "invite", peer: contact.name, answer, token: presented });
  }

  acks(link: NodeLink, ids: string[]): void {
    link.ctx.outbox?.acked(ids);
  }

  refused(link: NodeLink, ids: string[], code: ProtocolErrorCode, reason: string): void {
    link.ctx.outbox?.refused(ids, refusalReason(code, reason));
  }

  /** Group frames count only on a contact's adopted link (a request's carries none). */
  group(link: NodeLink, frames: GroupFrame[]): void {
    if (link.ctx.contact && this.links.get(link.peerId!) === link) this.d.groups?.frames(link, frames);
  }

  writable(link: NodeLink): void {
    link.ctx.outbox?.pump();
    this.d.groups?.writable(link);
  }

  closed(link: NodeLink, info: CloseInfo): void {
    const ctx = link.ctx;
    const name = ctx.contact?.name;
    const wasAdopted = link.peerId !== null && this.links.get(link.peerId) === link;
    if (wasAdopted) this.links.delete(link.peerId!);
    this.d.groups?.down(link);
    const inflight = ctx.outbox?.stop() ?? [];
    if (inflight.length > 0) {
      this.d.journal.unsent(inflight).then(() => {
        // A newer link to the same peer may be past these: make it look again.
        const other = link.peerId ? this.links.get(link.peerId) : undefined;
        if (other) other.ctx.outbox?.rewind();
      }, () => {});
    }
    const why = describeClose(info);
    const failure = describeFailure(info, link.address);
    if (name) this.d.health.closed(name, wasAdopted, failure);
    if (wasAdopted && name) {
      log.debug(`link down: ${name} ${link.address}: ${why}`);
      const down = { type: "link" as const, peer: name, up: false, address: link.address, direction: link.direction, reason: why };
      if (info.remote?.code === "DUPLICATE_LINK" && link.peerId) {
        const peerId = link.peerId;
        const t = setTimeout(() => {
          this.replacing.delete(peerId);
          if (!this.links.has(peerId)) this.d.emit(down);
        }, REPLACE_GRACE_MS);
        t.unref?.();
        this.replacing.set(peerId, t);
      } else {
        this.d.emit(down);
      }
    } else {
      log.debug(`link ${link.address} (${link.direction}) closed before it was up: ${why}`);
    }
    if (!name) return;
    // Ours: the dialer tries the contact's next address, or later again; theirs: later again.
    const ours = link.direction === "out" && this.dialer.closed(name, link, info, wasAdopted, failure);
    const replaced = info.local?.code === "DUPLICATE_LINK" || info.remote?.code === "DUPLICATE_LINK";
    if (!ours && wasAdopted && !replaced) this.dialer.lost(name);
  }
}

const BLANK_REASON = "a blank message (only spaces or invisible characters) is not stored";

/**
 * A message with nothing to show (protocol/text.ts, the rule our own CLI
 * and node apply before sending) is never stored: the sender's node is told
 * so and keeps it as failed. An older peer knows no refuse frame: it is
 * acked instead, or it would send it again forever. Returns the others.
 */
function refuseBlank(link: NodeLink, batch: ChatMessage[]): ChatMessage[] {
  const ok: ChatMessage[] = [];
  const ids: string[] = [];
  for (const m of batch) {
    if (blankText(m.body) === null) ok.push(m);
    else ids.push(m.id);
  }
  if (ids.length === 0) return batch;
  log.debug(`${link.peerId}: refused ${ids.length} blank message${ids.length === 1 ? "" : "s"}: ${ids.join(", ")}`);
  if (link.peerHello?.caps.includes(REFUSE_CAP)) link.sendRefuse(ids, "BLANK_MESSAGE", BLANK_REASON);
  else link.sendAck(ids);
  return ok;
}

/** Why the receiver refused our message, as history keeps it: our words for a code we know, else the peer's (cut short). */
export function refusalReason(code: ProtocolErrorCode, reason: string): string {
  if (code === "BLANK_MESSAGE") return "refused by the receiver: a blank message (only spaces or invisible characters)";
  const said = [...reason].slice(0, 200).join("");
  return `refused by the receiver (${code})${said ? `: ${said}` : ""}`;
}

/** Our own reasons for closing, as we say them (the peer gets the code and a reason from its side). */
const OUR_SIDE: Partial<Record<string, string>> = {
  HIDDEN: "we went hidden",
};

const THEIR_SIDE: Partial<Record<string, string>> = {
  HIDDEN: "they went hidden",
  SHUTDOWN: "they stopped their node",
};

export function describeClose(info: CloseInfo): string {
  if (info.local?.code === "SHUTDOWN") return info.local.reason === SHUTDOWN_REASON ? "we are shutting down" : info.local.reason;
  if (info.local) return OUR_SIDE[info.local.code] ?? `${info.local.code}: ${info.local.reason}`;
  if (info.remote) return THEIR_SIDE[info.remote.code] ?? `peer said ${info.remote.code}: ${info.remote.reason}`;
  if (info.error) return info.error.message || String(info.error);
  return "closed";
}
