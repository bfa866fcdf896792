// Our links to contacts through their relays, as the dialer uses them: a
// session asked for when a round of direct dials fails, or beside one that
// has had its head start, and a deadline on the relayed handshake. What to
// do after a failure (redial, back off) stays the dialer's.
import type { Contact } from "../../domain/contact.ts";
import type { CloseInfo, Link } from "../../transport/link.ts";
import type { Health } from "./health.ts";

/** How long a round of direct dials runs alone before a contact's relays join in (none when no address of it ever worked). */
export const RELAY_HEADSTART_MS = 2_000;
/**
 * A relayed link not up (TLS and hellos) after this long is given up and
 * asked for again at once, once per round: strelaysrv can refuse one side's
 * join ("already connected"), leaving the other side's stream silent.
 */
export const RELAYED_HANDSHAKE_MS = 4_000;

export interface RelayDialDeps<Ctx> {
  health: Health;
  discoverable(): boolean;
  contact(name: string): Contact | undefined;
  newCtx(contact: Contact, target: null): Ctx;
  linked(contact: Contact): boolean;
  /** A link through one of the contact's relays, or null. */
  viaRelay(contact: Contact, ctx: Ctx): Promise<Link<Ctx> | null>;
  /** A dial of `name` ended without a link (whoever waits on it looks again). */
  changed(name: string): void;
}

interface Relayed<Ctx> {
  link: Link<Ctx>;
  /** Given up once already for a silent handshake. */
  retried: boolean;
  timer: ReturnType<typeof setTimeout>;
}

/** What the dialer should do once a relayed link of ours closed. */
export type RelayedClosed = "nothing" | "ask-again" | "redial";

export class RelayDials<Ctx> {
  /** Contacts whose relay session is being set up (no link yet). */
  private readonly asking = new Set<string>();
  private readonly relayed = new Map<string, Relayed<Ctx>>();
  /** Rounds of direct dials whose relays join in when the head start is over. */
  private readonly headstart = new Map<string, ReturnType<typeof setTimeout>>();

  constructor(private readonly d: RelayDialDeps<Ctx>) {}

  /** A session is being asked for, or a relayed link of ours is up or on its way. */
  busy(name: string): boolean {
    return this.asking.has(name) || this.relayed.has(name);
  }

  linkOf(name: string): Link<Ctx> | undefined {
    return this.relayed.get(name)?.link;
  }

  get links(): Link<Ctx>[] {
    return [...this.relayed.values()].map((r) => r.link);
  }

  /** Runs `race` once the round of direct dials that started at `since` has had its head start (unless armed already). */
  afterHeadstart(name: string, contact: Contact, since: number, race: () => void): void {
    if (this.headstart.has(name)) return;
    const headstart = contact.addresses.some((a) => a.lastOk !== null) ? RELAY_HEADSTART_MS : 0;
    const t = setTimeout(() => {
      this.headstart.delete(name);
      race();
    }, Math.max(0, since + headstart - Date.now()));
    t.unref?.();
    this.headstart.set(name, t);
  }

  cancelHeadstart(name: string): void {
    clearTimeout(this.headstart.get(name));
    this.headstart.delete(name);
  }

  clear(): void {
    for (const t of this.headstart.values()) clearTimeout(t);
    this.headstart.clear();
  }

  /**
   * A session through one of the contact's relays, and a link over it; true
   * when the link is under way (it reports through the link handler). A race
   * runs beside a direct dial and says nothing to `health` of its own.
   */
  async open(name: string, opts: { race: boolean; retried?: boolean }): Promise<boolean> {
    const c = this.d.contact(name);
    if (!c || c.relays.length === 0 || !this.d.discoverable() || c.blocked || c.legacy || this.d.linked(c) || this.busy(name)) return false;
    this.asking.add(name);
    if (!opts.race) this.d.health.dialing(name, "a relay");
    const link = await this.d
      .viaRelay(c, this.d.newCtx(c, null))
      .catch(() => null)
      .finally(() => this.asking.delete(name));
    if (!link) {
      if (!opts.race) this.d.health.closed(name, false, `no relay of ${name} could connect us`);
      this.d.changed(name);
      return false;
    }
    const timer = setTimeout(() => {
      if (!link.isOpen) link.drop("HANDSHAKE_TIMEOUT", `no handshake through the relay within ${RELAYED_HANDSHAKE_MS / 1000} s`);
    }, RELAYED_HANDSHAKE_MS);
    timer.unref?.();
    this.relayed.set(name, { link, retried: opts.retried === true, timer });
    // A direct link came up while the relay was asked: this one is not needed.
    const now = this.d.contact(name);
    if (!now || this.d.linked(now) || !this.d.discoverable()) link.drop("DUPLICATE_LINK", "a direct link came up first");
    return true;
  }

  /** A direct link to `name` is up: a relayed one still on its way is not needed. */
  directUp(name: string): void {
    this.cancelHeadstart(name);
    const r = this.relayed.get(name);
    if (r && !r.link.isOpen) r.link.drop("DUPLICATE_LINK", "a direct link came up first");
  }

  /** A link closed: null when it was not a relayed link of ours, else what to do now. */
  closed(name: string, link: Link<Ctx>, info: CloseInfo, wasUp: boolean): RelayedClosed | null {
    const r = this.relayed.get(name);
    if (r?.link !== link) return null;
    this.relayed.delete(name);
    clearTimeout(r.timer);
    const local = info.local?.code;
    if (local === "HIDDEN" || local === "SHUTDOWN" || local === "DUPLICATE_LINK" || info.remote?.code === "DUPLICATE_LINK") return "nothing";
    // A session whose other side never came: a fresh one at once, once.
    if (!wasUp && local === "HANDSHAKE_TIMEOUT" && !r.retried) return "ask-again";
    return "redial";
  }
}
