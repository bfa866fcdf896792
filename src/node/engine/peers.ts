// The node's side of every link: who is accepted (admission.ts), one link
// per device of a peer (simultaneous dials are settled the same way on both
// sides; a peer that knows nothing of devices is one device whose id is its
// peer id), what arrives (inbox.ts), an outbox on one link per contact (any
// of its devices': the receiver drops an id it has), and redials while we
// owe a peer messages (the dialer). Links to our own other devices are
// handed to the devices room.
import type { ChatMessage, FileFrame, Frame, GroupFrame, Hello, InviteAnswer } from "../../protocol/messages.ts";
import type { ReachFrame } from "../../protocol/reach-frames.ts";
import type { PeerId } from "../../protocol/peer-id.ts";
import type { ProtocolErrorCode } from "../../protocol/protocol-error.ts";
import type { Contact } from "../../domain/contact.ts";
import { formatHostPort } from "../../domain/host-port.ts";
import type { Store } from "../../store/store.ts";
import type { CloseInfo, LinkHandler, Refusal } from "../../transport/link.ts";
import { SHUTDOWN_REASON, type Transport } from "../../transport/transport.ts";
import { childLogger } from "../../log.ts";
import type { Target } from "../dial/dial-plan.ts";
import { Dialer } from "../dial/dialer.ts";
import { describeFailure, type Health } from "../dial/health.ts";
import type { RetryTimer } from "../dial/retry.ts";
import type { NodeEvent } from "../node-events.ts";
import { Admission } from "./admission.ts";
import { describeClose, refusalReason } from "./close-reasons.ts";
import type { Contacts } from "./contact-cache.ts";
import { Inbox } from "./inbox.ts";
import { LinkSet } from "./link-set.ts";
import { preferredPath } from "./link-choice.ts";
import type { Journal } from "./journal.ts";
import { newCtx, type LinkCtx, type NodeLink } from "./link-ctx.ts";
import { Outbox } from "./outbox.ts";
import type { Requests } from "./peer-requests.ts";
import type { DeviceHooks, FileHooks, GroupHooks, ReachHooks } from "./peer-hooks.ts";
import { Waiters } from "./waiters.ts";

const log = childLogger("node");

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
  /** A contact's first hello: one added by its id from the LAN takes the name it announces (the contact as it is now). */
  named(contact: Contact, hello: Hello, address: string): Promise<Contact>;
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
  /** Hole punching and friends' relays (node/reach-links.ts): told of contacts' links, fed their reach frames. */
  reach?: ReachHooks;
  /** File transfer (node/files/): told of every adopted link, a contact's or a request's, fed its file frames. */
  files?: FileHooks;
  /** Devices (node/devices/): our own devices' links, rosters and revocations, join tokens. */
  devices?: DeviceHooks;
}

/** How long a relink waits for the old link to close before dialing anyway. */
const RELINK_WAIT_MS = 5_000;
/** How long a knock from an unpinned contact's address waits for our dial there (then it is a request, and the dial may still pin it). */
const CONFIRM_WAIT_MS = 5_000;

export class Peers implements LinkHandler<LinkCtx> {
  /** The adopted link of each device (a contact's, a request's, or our own other device's). */
  private readonly links = new LinkSet();
  /** Links the peer replaced, whose "down" waits to see whether a new link follows. */
  private readonly replacing = new Map<PeerId, ReturnType<typeof setTimeout>>();
  readonly dialer: Dialer<LinkCtx>;
  private readonly admission: Admission;
  private readonly inbox: Inbox;
  /** Who waits for a contact's link or dial to change (relink, confirm), by its name. */
  private readonly waiters = new Waiters<string>();

  constructor(private readonly d: PeersDeps) {
    this.admission = new Admission({ ...d, confirm: (c) => this.confirm(c), changed: (name) => this.changed(name) });
    this.inbox = new Inbox(d);
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
      changed: (name) => this.changed(name),
    });
  }

  /** Adopted links by device id. */
  get adopted(): ReadonlyMap<string, NodeLink> {
    return this.links.all;
  }

  private isAdopted(link: NodeLink): boolean {
    return this.links.holds(link);
  }

  /** Every adopted link of a peer (each of its devices'). */
  linksOf(peerId: PeerId): NodeLink[] {
    return this.links.of(peerId);
  }

  /** Whether a link to this device of ours (or anyone's) is adopted. */
  deviceLinked(deviceId: string): boolean {
    return this.links.has(deviceId);
  }

  /** The device id we compare with a peer's when two links cross: this device's. */
  private get ownDeviceId(): string {
    return this.d.devices?.deviceId ?? this.d.self;
  }

  /** Ids of our messages written to some link and not acked yet: they may still arrive. */
  inFlightIds(): Set<string> {
    const ids = new Set<string>();
    for (const link of this.links.values()) for (const id of link.ctx.outbox?.inFlightIds() ?? []) ids.add(id);
    return ids;
  }

  /** The contact's link, if one is up (a request's link is not a contact's). */
  linkTo(contact: Contact): NodeLink | undefined {
    return contact.peerId ? this.links.primary(contact.peerId) : undefined;
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

  /**
   * Only a hello carries an invite token: to present a new one to a contact,
   * close each link up that did not present it (as a node that stops does),
   * letting a dial in flight end first (the link it brings may present it or
   * not), then dial again unless a link presented it.
   */
  async relink(contact: Contact, token: string, fresh: () => Contact | undefined): Promise<void> {
    const deadline = Date.now() + RELINK_WAIT_MS;
    const name = contact.name;
    const up = () => {
      const link = this.linkTo(contact);
      return link?.isOpen ? link : undefined;
    };
    for (;;) {
      // A link closing is gone once it has closed; a dial in flight, once its link is up or it failed.
      await this.waiters.until(name, deadline, () => up() !== undefined || (!this.linkTo(contact) && !this.dialer.isDialing(name)));
      const link = up();
      // (Not the contact's token now: a link that presented it has spent it already.)
      if (!link || link.ctx.presented === token || Date.now() >= deadline) break;
      link.refuse("SHUTDOWN", "presenting a new invite");
    }
    if (up()?.ctx.presented !== token) this.dial(fresh() ?? contact);
  }

  /** Dials an unpinned contact and waits, a while, until the dial pinned it to someone or gave up. */
  private async confirm(contact: Contact): Promise<void> {
    log.debug(`a stranger points at ${contact.name}'s address (${formatHostPort(contact.host, contact.port)}): dialing it there to see who answers`);
    this.dial(contact);
    const name = contact.name;
    await this.waiters.until(name, Date.now() + CONFIRM_WAIT_MS, () => !this.dialer.isDialing(name) || Boolean(this.d.contacts.byName(name)?.peerId));
  }

  /** A link or a dial of `name` came, went or was pinned: whoever waits on it looks again. */
  private changed(name: string): void {
    this.waiters.wake(name);
  }

  /** Closes the link to one peer (blocked, removed) or to all (hidden, shutting down). */
  closeLinks(code: Refusal["code"], reason: string, peer?: PeerId): void {
    if (peer) {
      for (const link of this.linksOf(peer)) link.refuse(code, reason);
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
    for (const link of this.linksOf(peer)) link.refuse("SHUTDOWN", SHUTDOWN_REASON, true, note);
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
    for (const link of this.linksOf(peerId)) this.promoteLink(link, contact);
  }

  private promoteLink(link: NodeLink, contact: Contact): void {
    if (!link.isOpen) return;
    const ctx = link.ctx;
    if (ctx.contact || ctx.ownDevice) return;
    const carrier = link.peerId ? this.links.primary(link.peerId, link) : undefined;
    ctx.request = null;
    ctx.contact = contact;
    if (carrier) {
      ctx.secondary = true; // another device of the peer carries its outbox
      this.d.files?.up(link, { name: contact.name, request: false }); // as on every contact's link
      this.d.devices?.contactUp(link);
      return;
    }
    this.startOutbox(link, contact, null);
    this.d.groups?.up(link, contact, true);
    this.d.reach?.up(link, contact);
    this.d.files?.up(link, { name: contact.name, request: false });
    this.d.health.linked(contact.name, link.address, link.direction, link.via ?? undefined, link.punched);
    this.d.emit({ type: "link", peer: contact.name, up: true, address: link.address, direction: link.direction });
    this.changed(contact.name);
  }

  /** A contact changed (renamed, new address): its link follows. */
  updated(contact: Contact): void {
    if (!contact.peerId) return;
    for (const link of this.linksOf(contact.peerId)) if (link.ctx.contact) link.ctx.contact = contact;
  }

  // --- LinkHandler ----------------------------------------------------------------

  /** Runs once TLS is up, before our hello. A refusal here sends nothing: the peer only sees the connection close. */
  verify(link: NodeLink): Refusal | null {
    return this.admission.verify(link);
  }

  hello(link: NodeLink, hello: Hello): void {
    this.admission
      .decide(link, hello)
      .then((adopt) => {
        if (adopt) this.adopt(link, hello);
      })
      .catch((err) => {
        log.warn(`link ${link.address}: ${(err as Error).message}`);
        link.refuse("UNKNOWN_ERROR", "internal error");
      });
  }

  /** One link per device. A restarted peer (new session) replaces its old link; otherwise both sides keep the link dialed by the smaller (device) id. */
  private adopt(link: NodeLink, hello: Hello): void {
    const peerId = link.peerId!;
    const deviceId = link.deviceId!;
    const ctx = link.ctx;
    const existing = this.links.get(deviceId);
    let previous: string[] = [];
    if (existing && existing !== link) {
      const sameSession = existing.peerHello?.session === hello.session;
      const path = sameSession ? preferredPath(existing, link) : null;
      if (path === "existing") {
        if (ctx.contact && !existing.ctx.contact) this.promoteLink(existing, ctx.contact);
        return link.refuse("DUPLICATE_LINK", "a direct link between us already exists");
      }
      if (sameSession && path === null && existing.direction !== link.direction) {
        const dialer = (l: NodeLink) => (l.direction === "out" ? this.ownDeviceId : deviceId);
        if (dialer(existing) < dialer(link)) {
          // The link we keep may still be a request's while this one proved the contact.
          if (ctx.contact && !existing.ctx.contact) this.promoteLink(existing, ctx.contact);
          return link.refuse("DUPLICATE_LINK", "a link between us already exists");
        }
      }
      this.links.remove(existing);
      previous = existing.ctx.outbox?.stop() ?? [];
      existing.refuse("DUPLICATE_LINK", path === "incoming" ? "replaced by a direct link" : sameSession ? "replaced by the link dialed by the smaller id" : "replaced by a newer link");
    }
    this.links.put(link);
    if (ctx.ownDevice) {
      // Another device of ours: the devices room takes it from here.
      link.accept();
      if (!link.isOpen) return;
      ctx.up = true;
      log.debug(`link up: our device ${deviceId} ${link.address} (${link.direction})`);
      this.d.devices?.ownUp(link, hello);
      // Our devices keep their groups in step as members do (node/groups/own-keys.ts).
      this.d.groups?.up(link);
      return;
    }
    // Files first, so an offer that came with the hello is not lost. Then the
    // frames that came with the hello are replayed; the first may end the
    // link (a node that blocked us says SHUTDOWN right after its hello): then
    // it was never up, and nothing below announces it.
    this.d.files?.up(link, ctx.contact ? { name: ctx.contact.name, request: false } : { name: hello.name, request: true });
    link.accept();
    if (!link.isOpen) return;
    ctx.up = true;
    const contact = ctx.contact;
    if (!contact) {
      log.debug(`request link up: ${JSON.stringify(hello.name)} ${peerId} ${link.address}`);
      return;
    }
    if (!existing?.ctx.outbox && this.links.primary(peerId, link)) {
      // Another device of the same peer carries its outbox: this one only takes what comes, until that one closes.
      ctx.secondary = true;
      log.debug(`link up: ${contact.name}'s device ${deviceId} ${link.address} (${link.direction}), beside its linked device`);
      if (link.direction === "out") this.dialer.up(contact.name, link);
      this.d.learned(contact, link, hello);
      this.d.devices?.contactUp(link);
      return;
    }
    log.debug(`link up: ${contact.name} ${link.address} (${link.direction})${existing ? " replacing an older one" : ""}`);
    this.d.health.linked(contact.name, link.address, link.direction, link.via ?? undefined, link.punched);
    if (link.direction === "out") this.dialer.up(contact.name, link);
    this.d.learned(contact, link, hello);
    // A replaced link is no news to the user: the peer stayed connected.
    const replaced = this.replacing.get(peerId);
    if (replaced) {
      clearTimeout(replaced);
      this.replacing.delete(peerId);
    } else if (!existing?.ctx.contact && !this.linksOf(peerId).some((l) => l !== link && l.ctx.contact)) {
      this.d.emit({ type: "link", peer: contact.name, up: true, address: link.address, direction: link.direction, ...(link.via ? { via: link.via } : {}) });
    }
    this.startOutbox(link, contact, previous);
    this.d.groups?.up(link, contact);
    this.d.reach?.up(link, contact);
    this.d.devices?.contactUp(link);
    this.changed(contact.name);
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
    const { contact, request } = link.ctx;
    if ((!contact && !request) || !this.isAdopted(link)) return; // not (or no longer) an adopted link
    this.inbox.take(link, batch);
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

  /** Group frames count only on a contact's adopted link (a request's carries none), and on our own devices'. */
  group(link: NodeLink, frames: GroupFrame[]): void {
    if ((link.ctx.ownDevice || (link.ctx.contact && !link.ctx.secondary)) && this.isAdopted(link)) this.d.groups?.frames(link, frames);
  }

  /** Hole punching and relay offers count only on a contact's adopted link. */
  reach(link: NodeLink, frame: ReachFrame): void {
    const contact = link.ctx.contact;
    if (contact && !link.ctx.secondary && this.isAdopted(link)) this.d.reach?.frame(link, contact, frame);
  }

  /** File frames count on an adopted link, a request's too (its offers wait for the user; nothing else of a stranger's is taken). */
  files(link: NodeLink, frames: FileFrame[]): void {
    if (this.isAdopted(link) && !link.ctx.ownDevice) this.d.files?.frames(link, frames);
  }

  /** Device frames count on our own devices' links and contacts' (a request's carries none). */
  device(link: NodeLink, frame: Frame): void {
    if ((link.ctx.ownDevice || link.ctx.contact) && this.isAdopted(link)) this.d.devices?.frame(link, frame);
  }

  writable(link: NodeLink): void {
    link.ctx.outbox?.pump();
    this.d.groups?.writable(link);
    this.d.files?.writable(link);
    if (link.ctx.ownDevice) this.d.devices?.ownWritable?.(link);
  }

  closed(link: NodeLink, info: CloseInfo): void {
    const ctx = link.ctx;
    const name = ctx.contact?.name;
    const adopted = this.isAdopted(link);
    if (adopted) this.links.remove(link);
    const wasAdopted = adopted && ctx.up;
    if (ctx.ownDevice) {
      log.debug(`link ${link.address} to our device ${ctx.ownDevice} closed: ${describeClose(info)}`);
      this.d.devices?.ownDown(link, wasAdopted);
      this.d.groups?.down(link);
      return;
    }
    // Another device of the contact takes its outbox over when this one carried it.
    const heir = adopted ? this.links.heir(link) : undefined;
    if (heir) {
      heir.ctx.secondary = false;
      log.debug(`${heir.ctx.contact!.name}: its device ${heir.deviceId} carries its outbox now`);
    }
    this.d.groups?.down(link);
    this.d.reach?.down(link);
    this.d.files?.down(link);
    const inflight = ctx.outbox?.stop() ?? [];
    if (inflight.length > 0) {
      this.d.journal.unsent(inflight).then(() => {
        // A newer link to the same peer may be past these: make it look again.
        const other = ctx.contact ? this.linkTo(ctx.contact) : undefined;
        if (other) other.ctx.outbox?.rewind();
      }, () => {});
    }
    if (heir) {
      const c = heir.ctx.contact!;
      this.startOutbox(heir, c, null);
      this.d.groups?.up(heir, c, true);
      this.d.reach?.up(heir, c);
    }
    const why = describeClose(info);
    const failure = describeFailure(info, link.address);
    if (name) this.d.health.closed(name, wasAdopted, failure);
    if (wasAdopted && name && (heir || ctx.secondary)) {
      log.debug(`link down: ${name}'s device ${link.deviceId} ${link.address}: ${why} (another of its devices stays linked)`);
    } else if (wasAdopted && name) {
      log.debug(`link down: ${name} ${link.address}: ${why}`);
      const down = { type: "link" as const, peer: name, up: false, address: link.address, direction: link.direction, reason: why };
      if (info.remote?.code === "DUPLICATE_LINK" && link.peerId) {
        const peerId = link.peerId;
        const t = setTimeout(() => {
          this.replacing.delete(peerId);
          if (!this.links.hasPeer(peerId)) this.d.emit(down);
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
    if (!ours && wasAdopted && !replaced && !heir && !ctx.secondary) this.dialer.lost(name);
    this.changed(name);
  }
}
