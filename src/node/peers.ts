// The node's side of every link: who is accepted (pinning, trust on first
// use, unknown peers, blocking), one link per peer (simultaneous dials are
// settled the same way on both sides), received messages stored before they
// are acked, and redials while we owe a peer messages.
import type { ChatMessage, Hello } from "../protocol/messages.ts";
import type { PeerId } from "../protocol/peer-id.ts";
import type { Contact, IncomingMessage, Store } from "../store/store.ts";
import type { CloseInfo, Link, LinkHandler, Refusal } from "../transport/link.ts";
import type { Transport } from "../transport/transport.ts";
import { childLogger } from "../log.ts";
import { Contacts } from "./contacts.ts";
import type { NodeEvent } from "./events.ts";
import type { Journal } from "./journal.ts";
import { Outbox } from "./outbox.ts";
import { RetryTimer } from "./retry.ts";

const log = childLogger("node");

/** Received bytes not yet committed, per link, before we drop the link. */
const MAX_UNCOMMITTED_BYTES = 32 * 1024 * 1024;
/** Dials in progress at once (start-up announces to every contact). */
const MAX_CONCURRENT_DIALS = 64;

export interface PeersDeps {
  self: PeerId;
  store: Store;
  journal: Journal;
  contacts: Contacts;
  transport: () => Transport;
  emit(event: NodeEvent): void;
  discoverable(): boolean;
  contactsOnly: boolean;
  retry: RetryTimer<string>;
}

interface LinkCtx {
  /** The contact we dialed (out) or matched (in, once decided). */
  contact: Contact | null;
  outbox: Outbox | null;
  uncommitted: number;
}

const ctxOf = (link: Link) => link.ctx as LinkCtx;

export class Peers implements LinkHandler {
  /** The adopted link of each peer. */
  private readonly links = new Map<PeerId, Link>();
  /** Dials in flight, by contact name. */
  private readonly dialing = new Map<string, Link>();
  private readonly dialQueue: Contact[] = [];

  constructor(private readonly d: PeersDeps) {}

  get adopted(): ReadonlyMap<PeerId, Link> {
    return this.links;
  }

  linkTo(contact: Contact): Link | undefined {
    return contact.peerId ? this.links.get(contact.peerId) : undefined;
  }

  // --- dialing ------------------------------------------------------------------

  /** Dials `contact` unless a link or a dial to it exists, or it must not be dialed now. */
  dial(contact: Contact): void {
    if (!this.d.discoverable() || contact.blocked || contact.legacy || contact.port <= 0) return;
    if (this.linkTo(contact) || this.dialing.has(contact.name)) return;
    if (this.dialing.size >= MAX_CONCURRENT_DIALS) {
      if (!this.dialQueue.some((c) => c.name === contact.name)) this.dialQueue.push(contact);
      return;
    }
    this.d.retry.cancel(contact.name);
    log.debug(`dialing ${contact.name} at ${contact.host}:${contact.port}`);
    const ctx: LinkCtx = { contact, outbox: null, uncommitted: 0 };
    this.dialing.set(contact.name, this.d.transport().dial(contact.host, contact.port, ctx));
  }

  /** After a failed or lost link: try again later while we owe this peer messages. */
  private async redialIfOwed(name: string): Promise<void> {
    if (!this.d.discoverable()) return;
    const contact = this.d.contacts.byName(name);
    if (!contact || contact.blocked || contact.legacy) return;
    const owed = await this.d.journal.read(() => this.d.store.pendingFor(name, 0, 1)).catch(() => []);
    if (owed.length === 0 || this.linkTo(contact) || this.dialing.has(name)) return;
    const ms = this.d.retry.schedule(name, () => {
      const c = this.d.contacts.byName(name);
      if (c) this.dial(c);
    });
    if (ms !== null) log.debug(`${name}: messages waiting, redial in ${(ms / 1000).toFixed(1)} s`);
  }

  private nextQueuedDial(): void {
    while (this.dialQueue.length > 0 && this.dialing.size < MAX_CONCURRENT_DIALS) {
      const next = this.dialQueue.shift()!;
      const fresh = this.d.contacts.byName(next.name);
      if (fresh) this.dial(fresh);
    }
  }

  /** Closes the link to one peer (blocked, removed) or to all (hidden, shutting down). */
  closeLinks(code: Refusal["code"], reason: string, peer?: PeerId): void {
    if (peer) {
      this.links.get(peer)?.refuse(code, reason);
      return;
    }
    this.dialQueue.length = 0;
    for (const link of this.dialing.values()) link.refuse(code, reason);
    for (const link of this.links.values()) link.refuse(code, reason);
  }

  // --- LinkHandler ----------------------------------------------------------------

  verify(link: Link): Refusal | null {
    const peerId = link.peerId!;
    if (peerId === this.d.self) return { code: "IDENTITY_MISMATCH", reason: "that is our own id: a node does not link to itself" };
    if (!this.d.discoverable()) return { code: "HIDDEN", reason: "this peer is not discoverable now" };
    if (link.direction === "out") {
      const contact = ctxOf(link).contact!;
      if (contact.peerId && contact.peerId !== peerId) {
        const text =
          `IDENTITY MISMATCH for ${contact.name} at ${link.address}: pinned ${contact.peerId}, but the peer there presents ${peerId}. ` +
          `Refused. If ${contact.name} really has a new identity, re-pin deliberately: p2pchat contacts pin ${contact.name} ${peerId}`;
        this.d.emit({ type: "warning", peer: contact.name, text });
        log.warn(text);
        return { code: "IDENTITY_MISMATCH", reason: "your certificate does not match the id pinned for this address" };
      }
    }
    const known = this.d.contacts.byPeer(peerId);
    if (known?.blocked) return { code: "BLOCKED", reason: "blocked" };
    return null;
  }

  hello(link: Link, hello: Hello): void {
    link.ctx ??= { contact: null, outbox: null, uncommitted: 0 } satisfies LinkCtx;
    this.decide(link, hello).catch((err) => {
      log.warn(`link ${link.address}: ${(err as Error).message}`);
      link.refuse("UNKNOWN_ERROR", "internal error");
    });
  }

  private async decide(link: Link, hello: Hello): Promise<void> {
    const peerId = link.peerId!;
    const ctx = ctxOf(link);
    let contact: Contact | null;
    if (link.direction === "out") {
      contact = await this.d.contacts.pinOnFirstContact(ctx.contact!, peerId, link.address, this.d.emit);
      if (!contact) return link.refuse("DUPLICATE_LINK", "this peer is already in the address book under another name");
    } else {
      contact = this.d.contacts.byPeer(peerId) ?? null;
      if (!contact) {
        contact = await this.d.contacts.acceptUnknown(peerId, hello, link.remoteHost, this.d.contactsOnly, this.d.emit);
        if (!contact) return link.refuse("UNKNOWN_PEER", "this peer accepts links from its contacts only");
      }
    }
    if (link.state !== "deciding") return; // closed meanwhile
    if (contact.blocked) return link.refuse("BLOCKED", "blocked");
    if (!this.d.discoverable()) return link.refuse("HIDDEN", "this peer is not discoverable now");
    ctx.contact = contact;
    this.adopt(link, contact, hello);
  }

  /** One link per peer. A restarted peer (new session) replaces its old link; otherwise both sides keep the link dialed by the smaller id. */
  private adopt(link: Link, contact: Contact, hello: Hello): void {
    const peerId = link.peerId!;
    const existing = this.links.get(peerId);
    let previous: string[] = [];
    if (existing && existing !== link) {
      const sameSession = existing.peerHello?.session === hello.session;
      if (sameSession && existing.direction !== link.direction) {
        const dialer = (l: Link) => (l.direction === "out" ? this.d.self : peerId);
        if (dialer(existing) < dialer(link)) return link.refuse("DUPLICATE_LINK", "a link between us already exists");
      }
      this.links.delete(peerId);
      previous = ctxOf(existing).outbox?.stop() ?? [];
      existing.refuse("DUPLICATE_LINK", sameSession ? "replaced by the link dialed by the smaller id" : "replaced by a newer link");
    }
    this.links.set(peerId, link);
    this.d.retry.reset(contact.name);
    const outbox = new Outbox(link, contact.name, {
      store: this.d.store,
      journal: this.d.journal,
      emit: this.d.emit,
      allowed: () => this.d.discoverable() && !this.d.contacts.byName(contact.name)?.blocked,
    });
    ctxOf(link).outbox = outbox;
    link.accept();
    log.debug(`link up: ${contact.name} ${link.address} (${link.direction})${existing ? " replacing an older one" : ""}`);
    // A replaced link is no news to the user: the peer stayed connected.
    if (!existing) this.d.emit({ type: "link", peer: contact.name, up: true, address: link.address, direction: link.direction });
    // Only after an older link's in-flight messages are pending again: order is kept.
    if (previous.length > 0) this.d.journal.unsent(previous).then(() => outbox.start(), () => outbox.start());
    else outbox.start();
  }

  messages(link: Link, messages: ChatMessage[]): void {
    const ctx = ctxOf(link);
    const contact = ctx.contact;
    if (!contact || this.links.get(link.peerId!) !== link) return; // not (or no longer) the adopted link
    const received = Date.now();
    let bytes = 0;
    const rows: IncomingMessage[] = messages.map((m) => {
      bytes += m.body.length;
      return { id: m.id, peerId: link.peerId, peer: contact.name, host: link.remoteHost, port: contact.port, body: m.body, created: m.created, received };
    });
    ctx.uncommitted += bytes;
    if (ctx.uncommitted > MAX_UNCOMMITTED_BYTES) return link.refuse("OVERLOADED", "too much unacknowledged data");
    const mine = new Set(rows);
    this.d.journal.incoming(rows).then(
      (result) => {
        ctx.uncommitted -= bytes;
        // Committed: now, and only now, the sender may forget them.
        link.sendAck(messages.map((m) => m.id));
        for (const m of result.stored) {
          if (!mine.has(m)) continue;
          this.d.emit({ type: "message", entry: { id: m.id, direction: "in", peer: m.peer, text: m.body, status: "received", time: m.received } });
        }
      },
      (err) => {
        log.error(`cannot store messages from ${contact.name}: ${(err as Error).message}`);
        link.refuse("UNKNOWN_ERROR", "the receiver could not store the messages");
      },
    );
  }

  acks(link: Link, ids: string[]): void {
    ctxOf(link).outbox?.acked(ids);
  }

  writable(link: Link): void {
    ctxOf(link).outbox?.pump();
  }

  closed(link: Link, info: CloseInfo): void {
    const ctx = (link.ctx ?? { contact: null, outbox: null, uncommitted: 0 }) as LinkCtx;
    const name = ctx.contact?.name;
    if (link.direction === "out" && name && this.dialing.get(name) === link) this.dialing.delete(name);
    const wasAdopted = link.peerId !== null && this.links.get(link.peerId) === link;
    if (wasAdopted) this.links.delete(link.peerId!);
    const inflight = ctx.outbox?.stop() ?? [];
    if (inflight.length > 0) {
      this.d.journal.unsent(inflight).then(() => {
        // A newer link to the same peer may be past these: make it look again.
        const other = link.peerId ? this.links.get(link.peerId) : undefined;
        if (other) ctxOf(other).outbox?.rewind();
      }, () => {});
    }
    const why = describeClose(info);
    if (wasAdopted && name) {
      log.debug(`link down: ${name} ${link.address}: ${why}`);
      this.d.emit({ type: "link", peer: name, up: false, address: link.address, direction: link.direction, reason: why });
    } else {
      log.debug(`link ${link.address} (${link.direction}) closed before it was up: ${why}`);
    }
    this.nextQueuedDial();
    const replaced = info.local?.code === "DUPLICATE_LINK" || info.remote?.code === "DUPLICATE_LINK";
    if (name && !replaced) void this.redialIfOwed(name);
  }
}

/** Our own reasons for closing, as we say them (the peer gets the code and a reason from its side). */
const OUR_SIDE: Partial<Record<string, string>> = {
  HIDDEN: "we went hidden",
  SHUTDOWN: "we are shutting down",
};

const THEIR_SIDE: Partial<Record<string, string>> = {
  HIDDEN: "they went hidden",
  SHUTDOWN: "they stopped their node",
};

export function describeClose(info: CloseInfo): string {
  if (info.local) return OUR_SIDE[info.local.code] ?? `${info.local.code}: ${info.local.reason}`;
  if (info.remote) return THEIR_SIDE[info.remote.code] ?? `peer said ${info.remote.code}: ${info.remote.reason}`;
  if (info.error) return info.error.message || String(info.error);
  return "closed";
}
