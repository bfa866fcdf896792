// The address book and the requests of a running node, with their effects
// on links: adding dials, blocking closes quietly, re-pinning moves what is
// still undelivered, accepting a request turns its link into a contact's.
// Every change that touches messages runs between the journal's commits.
import type { PeerId } from "../../protocol/peer-id.ts";
import { validateName } from "../../domain/contact-name.ts";
import type { Contact, PeerRequest } from "../../domain/contact.ts";
import type { OutStatus } from "../../domain/history-entry.ts";
import { parseHostPort } from "../../domain/host-port.ts";
import { NodeError } from "../../domain/node-error.ts";
import type { Store } from "../../store/store.ts";
import type { Health } from "../dial/health.ts";
import type { RetryTimer } from "../dial/retry.ts";
import { recipientOf, type Contacts } from "../engine/contact-cache.ts";
import type { Journal } from "../engine/journal.ts";
import type { LegacyPeers } from "../engine/legacy-peers.ts";
import type { Requests } from "../engine/peer-requests.ts";
import type { Peers } from "../engine/peers.ts";
import type { NodeEvent } from "../node-events.ts";
import { parseId, type AddContactOptions, type AddressBook } from "./address-book.ts";

export interface CancelOutcome {
  id: string;
  /** The status before: pending and sent ones are cancelled now. */
  before: OutStatus | "unknown";
  /** It was on the wire: it may still arrive (and is then marked delivered). */
  onTheWire: boolean;
}

/** Where messages written to a contact's old identity go when it is pinned to another: to the new one, or withdrawn. */
export interface PinOptions {
  pending?: "move" | "drop";
}

export interface SetContactOptions {
  address?: string;
  rename?: string;
}

export interface NodeBookDeps {
  book: AddressBook;
  store: Store;
  journal: Journal;
  contacts: Contacts;
  requests: Requests;
  health: Health;
  retry: RetryTimer<string>;
  emit(event: NodeEvent): void;
  peers: Pick<Peers, "dial" | "closeLinks" | "closeQuietly" | "promote" | "updated" | "inFlightIds">;
  legacy: Pick<LegacyPeers, "closeFor" | "deliverIfOwed">;
}

export class NodeBook {
  readonly book: AddressBook;

  constructor(private readonly d: NodeBookDeps) {
    this.book = d.book;
  }

  list(): Promise<Contact[]> {
    return this.book.list();
  }

  async add(name: string, address: string, opts?: AddContactOptions): Promise<Contact> {
    const c = await this.book.add(name, address, opts);
    await this.d.contacts.reload();
    if (c.peerId) await this.mergeRequest(c);
    this.d.peers.dial(c);
    return c;
  }

  /** Refuses while messages to `name` wait, unless they are dropped (kept as `cancelled`). */
  async remove(name: string, opts: { dropPending?: boolean } = {}): Promise<{ cancelled: number }> {
    const c = await this.book.get(name);
    const to = recipientOf(c);
    const unsent = await this.d.journal.read(() => this.d.store.unsentCount(to));
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
      cancelled = (await this.d.journal.read(() => this.d.store.cancelTo(to))).length;
    }
    await this.book.remove(name);
    await this.d.contacts.reload();
    this.d.retry.cancel(name);
    this.d.health.forget(name);
    this.d.legacy.closeFor(name, "removed from the address book");
    if (c.peerId) this.d.peers.closeQuietly(c.peerId, "removed from the address book", name);
    return { cancelled };
  }

  /** Blocking closes the link as a stopping node would: the peer learns nothing. What we write waits. */
  async setBlocked(name: string, blocked: boolean): Promise<Contact> {
    const c = await this.book.setBlocked(name, blocked);
    await this.d.contacts.reload();
    if (blocked) {
      this.d.retry.cancel(name);
      this.d.legacy.closeFor(name, "blocked");
      if (c.peerId) this.d.peers.closeQuietly(c.peerId, "blocked", name);
    } else if (c.legacy) {
      void this.d.legacy.deliverIfOwed(c);
    } else {
      this.d.peers.dial(c);
    }
    return c;
  }

  /** Re-pins a contact to a new peer id, deliberately: what is still undelivered goes to the new identity. */
  /**
   * Pins `name` to another identity. Messages written before any pin go to
   * it; messages written to the old identity belong to that identity (issue:
   * a message never follows a name), so while any wait the pin is refused
   * unless the user says where they go: moved to the new identity, or
   * withdrawn (kept as cancelled).
   */
  async pin(name: string, id: string, opts: PinOptions = {}): Promise<{ contact: Contact; moved: number; cancelled: number }> {
    const old = await this.book.get(name);
    const from = recipientOf(old);
    const changes = old.peerId !== null && old.peerId !== parseId(id);
    let cancelled = 0;
    if (changes) {
      const unsent = await this.d.journal.read(() => this.d.store.unsentCount(from));
      const waiting = unsent.pending + unsent.sent;
      if (waiting > 0 && !opts.pending) {
        const them = waiting === 1 ? "it" : "them";
        throw new NodeError(
          "HAS_PENDING",
          `${waiting} message${waiting === 1 ? "" : "s"} written to ${name}'s old identity ${old.peerId} ${waiting === 1 ? "is" : "are"} not delivered: ` +
            `add --move-pending to send ${them} to the new one, or --drop-pending to withdraw ${them} (kept in history as cancelled)`,
        );
      }
      if (waiting > 0 && opts.pending === "drop") cancelled = (await this.d.journal.read(() => this.d.store.cancelTo(from))).length;
    }
    const c = await this.book.pin(name, id);
    const moved = await this.d.journal.read(() => this.d.store.retarget(from, c.peerId!));
    await this.d.contacts.reload();
    this.d.health.clearMismatch(name);
    if (old.peerId && old.peerId !== c.peerId) this.d.peers.closeLinks("IDENTITY_MISMATCH", "re-pinned", old.peerId);
    await this.mergeRequest(c);
    this.d.peers.dial(c);
    return { contact: c, moved, cancelled };
  }

  /** A new address and/or a new name; history and undelivered messages stay with the same identity. */
  async set(name: string, opts: SetContactOptions): Promise<Contact> {
    let c = await this.book.get(name);
    if (opts.address !== undefined) {
      const { host, port } = parseHostPort(opts.address);
      await this.d.store.updateContact(name, { host, port });
      // The dialer goes by the contact's addresses: the one typed goes first among them.
      await this.d.store.saveAddresses(name, [{ host, port, source: "typed" }], { preferred: true });
    }
    if (opts.rename !== undefined && opts.rename !== name) {
      const to = validateName(opts.rename);
      const done = await this.d.journal.read(() => this.d.store.renameContact(name, to));
      if (!done) throw NodeError.notAContact(name);
      this.d.retry.cancel(name);
      this.d.health.rename(name, to);
      name = to;
    }
    await this.d.contacts.reload();
    c = await this.book.get(name);
    this.d.peers.updated(c);
    if (opts.address !== undefined) this.d.peers.dial(c);
    return c;
  }

  /**
   * A contact was just pinned on a link we dialed: what was written to it
   * before is that identity's now, and a request from the same id (it
   * dialed us first) joins this contact.
   */
  async pinned(c: Contact): Promise<void> {
    void this.d.journal.claim(c.name, c.peerId!).catch(() => {});
    await this.mergeRequest(c);
  }

  /** A request from the contact's id joins the contact: its waiting messages move into the history. */
  async mergeRequest(c: Contact): Promise<void> {
    const r = c.peerId ? this.d.requests.get(c.peerId) : undefined;
    if (!r || !c.peerId) return;
    this.d.peers.promote(c.peerId, c);
    await this.d.journal.read(() => this.d.store.acceptRequest(c.peerId!, c, { existing: true }));
    this.d.requests.forget(c.peerId);
  }

  // --- requests ----------------------------------------------------------------------

  requests(): Promise<PeerRequest[]> {
    return this.d.requests.list();
  }

  /** Makes the request a contact (named as it announced, made unique, or `as`); its waiting messages join the history. */
  async acceptRequest(id: string, as?: string): Promise<{ contact: Contact; moved: number; announced: string }> {
    const r = await this.d.requests.resolve(id);
    const name = this.d.requests.nameFor(r, as);
    const draft: Contact = { name, host: r.host, port: r.port, peerId: r.peerId, blocked: false, legacy: false, createdAt: Date.now(), addresses: [], inviteToken: null, dkey: null, relays: [] };
    // What arrives from now on is the contact's; what waited moves in below, before it.
    this.d.peers.promote(r.peerId, draft);
    const res = await this.d.journal.read(() => this.d.store.acceptRequest(r.peerId, draft));
    this.d.requests.forget(r.peerId);
    await this.d.contacts.reload();
    this.d.emit({ type: "contact", name, peerId: r.peerId, how: "accepted", address: r.host });
    this.d.peers.dial(res.contact);
    return { ...res, announced: r.name };
  }

  async rejectRequest(id: string): Promise<PeerRequest> {
    const r = await this.d.requests.resolve(id);
    await this.d.requests.reject(r);
    this.d.peers.closeQuietly(r.peerId, "request rejected");
    return r;
  }

  async blockRequest(id: string): Promise<PeerRequest> {
    const r = await this.d.requests.resolve(id);
    await this.d.requests.block(r);
    this.d.peers.closeQuietly(r.peerId, "blocked");
    return r;
  }

  // --- withdrawing ---------------------------------------------------------------------

  /** Withdraws messages not delivered yet. One already on the wire may still arrive: it is said so. */
  async cancel(ids: readonly string[]): Promise<CancelOutcome[]> {
    const wire = this.onTheWire();
    const before = await this.d.journal.read(() => this.d.store.cancel(ids));
    return ids.map((id) => ({ id, before: before.get(id) ?? "unknown", onTheWire: wire.has(id) }));
  }

  /** Withdraws everything not delivered yet to `name`. */
  async cancelTo(name: string): Promise<CancelOutcome[]> {
    const c = await this.book.get(name);
    const wire = this.onTheWire();
    const ids = await this.d.journal.read(() => this.d.store.cancelTo(recipientOf(c)));
    return ids.map((id) => ({ id, before: "pending" as const, onTheWire: wire.has(id) }));
  }

  private onTheWire(): Set<string> {
    return this.d.peers.inFlightIds();
  }

  peerIdOf(name: string): PeerId | null {
    return this.d.contacts.byName(name)?.peerId ?? null;
  }
}
