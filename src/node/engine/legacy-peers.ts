// Peers running the original plaintext program. What they send is stored
// like any message (their own ids do not exist: each chunk gets one of ours);
// what we write to them is flushed raw when a connection opens, and can only
// ever be `sent`: the original acknowledges nothing. Every such link is
// labelled unencrypted and unauthenticated.
import { randomUUIDv7 } from "bun";
import { MAX_NAME } from "../../domain/contact-name.ts";
import type { Contact } from "../../domain/contact.ts";
import { formatHostPort, normalizeHost } from "../../domain/host-port.ts";
import type { IncomingMessage, Store } from "../../store/store.ts";
import { LegacyTransport, type LegacyHandler, type LegacyLink } from "../../transport/legacy.ts";
import { childLogger } from "../../log.ts";
import type { RetryTimer } from "../dial/retry.ts";
import type { NodeEvent } from "../node-events.ts";
import type { Contacts } from "./contact-cache.ts";
import type { Journal } from "./journal.ts";

const log = childLogger("legacy");

/** The original program's default port: where we dial a legacy peer that connected to us. */
export const ORIGINAL_PORT = 20001;

export interface LegacyDeps {
  store: Store;
  journal: Journal;
  contacts: Contacts;
  emit(event: NodeEvent): void;
  discoverable(): boolean;
  contactsOnly: boolean;
  retry: RetryTimer<string>;
}

/** Our state for each legacy link. */
export interface LegacyCtx {
  /** The contact we dialed, or (a link that came in) matched once accepted. */
  contact: Contact | null;
  flushing: boolean;
  again: boolean;
}

const newCtx = (contact: Contact | null): LegacyCtx => ({ contact, flushing: false, again: false });

export class LegacyPeers implements LegacyHandler<LegacyCtx> {
  readonly transport = new LegacyTransport<LegacyCtx>(this, () => newCtx(null));
  private readonly links = new Map<string, LegacyLink<LegacyCtx>>();
  private readonly dialing = new Set<string>();

  constructor(private readonly d: LegacyDeps) {}

  get open(): ReadonlyMap<string, LegacyLink<LegacyCtx>> {
    return this.links;
  }

  /** The open link a legacy peer reached us on (to reply `<ip> <port> <text>` on it). */
  findByAddress(host: string, port: number): LegacyLink<LegacyCtx> | undefined {
    for (const l of this.links.values()) if (normalizeHost(l.remoteHost) === normalizeHost(host) && l.remotePort === port) return l;
    return undefined;
  }

  closeAll(why: string): void {
    for (const l of this.links.values()) l.close(why);
  }

  closeFor(name: string, why: string): void {
    this.links.get(name)?.close(why);
  }

  /** The original program's peers get a plaintext link only when we owe them something. */
  async deliverIfOwed(c: Contact): Promise<void> {
    const owed = await this.d.journal.read(() => this.d.store.pendingFor({ name: c.name, peerId: null }, 0, 1));
    if (owed.length > 0) this.deliver(c);
  }

  /** Writes what we owe `contact`, dialing it in plaintext if no link is open. */
  deliver(contact: Contact): void {
    const link = this.links.get(contact.name);
    if (link) return void this.flush(link);
    if (!this.d.discoverable() || contact.blocked || contact.port <= 0 || this.dialing.has(contact.name)) return;
    this.dialing.add(contact.name);
    this.d.retry.cancel(contact.name);
    log.debug(`dialing legacy peer ${contact.name} at ${formatHostPort(contact.host, contact.port)} (plaintext)`);
    this.transport.dial(contact.host, contact.port, newCtx(contact));
  }

  opened(link: LegacyLink<LegacyCtx>): void {
    void this.accept(link).catch((err) => {
      log.warn(`legacy link ${link.address}: ${(err as Error).message}`);
      link.close("internal error");
    });
  }

  private async accept(link: LegacyLink<LegacyCtx>): Promise<void> {
    let contact: Contact | null;
    if (link.direction === "out") {
      contact = link.ctx.contact;
      if (contact) this.dialing.delete(contact.name);
    } else {
      contact = await this.contactFor(link);
    }
    if (!contact) return link.close("not a contact (--contacts-only)");
    if (contact.blocked) return link.close("blocked");
    if (!this.d.discoverable()) return link.close("hidden");
    link.ctx.contact = contact;
    this.links.get(contact.name)?.close("replaced by a newer connection");
    this.links.set(contact.name, link);
    this.d.retry.reset(contact.name);
    this.d.emit({ type: "link", peer: contact.name, up: true, address: link.address, direction: link.direction, legacy: true });
    this.flush(link);
  }

  /** A legacy contact is found by the peer's ip; an unknown one is added, named after its ip and port, marked legacy. */
  private async contactFor(link: LegacyLink<LegacyCtx>): Promise<Contact | null> {
    const host = normalizeHost(link.remoteHost);
    const known = this.d.contacts.all().find((c) => c.legacy && normalizeHost(c.host) === host);
    if (known) return known;
    if (this.d.contactsOnly) return null;
    const base = [...formatHostPort(host, link.remotePort)].slice(0, MAX_NAME).join("");
    let name = base;
    for (let n = 2; this.d.contacts.byName(name); n++) name = `${[...base].slice(0, MAX_NAME - String(n).length - 1).join("")}-${n}`;
    const contact = await this.d.store.addContact({ name, host, port: ORIGINAL_PORT, legacy: true });
    this.d.contacts.put(contact);
    this.d.emit({ type: "contact", name, peerId: null, how: "new-peer", address: link.address });
    return contact;
  }

  received(link: LegacyLink<LegacyCtx>, texts: string[], bytes: number): void {
    const contact = link.ctx.contact;
    if (!contact) {
      link.backlog -= bytes; // before it is accepted: dropped, and the peer is told nothing (it cannot be)
      return;
    }
    const now = Date.now();
    const rows: IncomingMessage[] = texts.map((body) => ({ id: randomUUIDv7("hex", now), peerId: null, peer: contact.name, host: normalizeHost(link.remoteHost), port: link.remotePort, body, created: now, received: now }));
    this.d.journal.incoming(rows).then(
      () => {
        link.backlog -= bytes;
        for (const m of rows) this.d.emit({ type: "message", entry: { id: m.id, direction: "in", peer: m.peer, text: m.body, status: "received", time: m.created, received: m.received } });
      },
      (err) => {
        log.error(`cannot store what ${contact.name} sent: ${(err as Error).message}`);
        link.close("storage failed");
      },
    );
  }

  closed(link: LegacyLink<LegacyCtx>, why: string): void {
    const contact = link.ctx.contact;
    if (!contact) return;
    this.dialing.delete(contact.name);
    if (this.links.get(contact.name) !== link) {
      log.debug(`legacy dial to ${contact.name} failed: ${why}`);
      void this.redialIfOwed(contact.name);
      return;
    }
    this.links.delete(contact.name);
    this.d.emit({ type: "link", peer: contact.name, up: false, address: link.address, direction: link.direction, legacy: true, reason: why });
    void this.redialIfOwed(contact.name);
  }

  private async redialIfOwed(name: string): Promise<void> {
    const c = this.d.contacts.byName(name);
    if (!c || !c.legacy || !this.d.discoverable() || c.blocked) return;
    const owed = await this.d.journal.read(() => this.d.store.pendingFor({ name, peerId: null }, 0, 1)).catch(() => []);
    if (owed.length > 0) this.d.retry.schedule(name, () => this.deliver(this.d.contacts.byName(name) ?? c));
  }

  /** Everything pending, back to back in one write as the original did, then `sent`. */
  private flush(link: LegacyLink<LegacyCtx>): void {
    const ctx = link.ctx;
    if (ctx.flushing) {
      ctx.again = true;
      return;
    }
    ctx.flushing = true;
    ctx.again = false;
    void (async () => {
      try {
        const name = ctx.contact!.name;
        for (;;) {
          const rows = await this.d.journal.read(() => this.d.store.pendingFor({ name, peerId: null }, 0, 1000));
          if (rows.length === 0 || !link.isOpen) break;
          if (!link.write(rows.map((r) => r.body).join(""))) break;
          const ids = rows.map((r) => r.id);
          await this.d.journal.sent(ids);
          this.d.emit({ type: "status", peer: name, ids, status: "sent" });
        }
      } catch (err) {
        log.warn(`legacy flush to ${link.address}: ${(err as Error).message}`);
      } finally {
        ctx.flushing = false;
        if (ctx.again) this.flush(link);
      }
    })();
  }
}
