// Dialing a contact: its addresses in turn (the one that worked last first,
// IPv4 and IPv6 alike) until one answers as the pinned identity, then, while
// we owe it messages, again after a backoff. An address that fails, or where
// another certificate answers, counts as a failure of that address only.
// A contact with relays has one race the round once it has had a head start
// (relay-dials.ts): an address that hangs (a private one the internet drops)
// then costs seconds, not a connect timeout, and a direct link that comes up
// later still replaces the relayed one. Addresses learned while a round is
// under way (a beacon, a DHT record) join it, and the DHT is asked as soon
// as the address that worked last fails.
import type { Contact } from "../../domain/contact.ts";
import { formatHostPort } from "../../domain/host-port.ts";
import type { CloseInfo, Link } from "../../transport/link.ts";
import type { Transport } from "../../transport/transport.ts";
import { childLogger } from "../../log.ts";
import { DialLookups } from "./dial-lookups.ts";
import { dialPlan, insertFresh, type Target } from "./dial-plan.ts";
import type { Health } from "./health.ts";
import { RelayDials } from "./relay-dials.ts";
import type { RetryTimer } from "./retry.ts";

const log = childLogger("node");

/** Dials in progress at once (start-up announces to every contact). */
export const MAX_CONCURRENT_DIALS = 64;
/**
 * Rounds in a row that only timed out (or were reset) and are dialed again
 * even when we owe the contact nothing: the peer is there, only too busy to
 * finish TLS in time (a hundred nodes adding each other at once, each
 * answering dozens of handshakes). Dialed once, such a pair stayed unlinked
 * for good when both first dials timed out. With the default backoff, ten
 * rounds try for about five minutes: a burst that times out every dial at
 * once is spread out by the backoff's jitter before they give up.
 */
export const BUSY_ROUNDS = 10;

export interface DialerDeps<Ctx> {
  transport: () => Transport<Ctx>;
  health: Health;
  retry: RetryTimer<string>;
  discoverable(): boolean;
  /** A fresh copy of the contact (addresses change). */
  contact(name: string): Contact | undefined;
  /** The context a new outgoing link carries for the node. */
  newCtx(contact: Contact, target: Target | null): Ctx;
  /** A contact's link is up already. */
  linked(contact: Contact): boolean;
  /** Whether we owe `name` messages (worth dialing again after a failure). */
  owed(name: string): Promise<boolean>;
  /** One address tried: it worked, or why not. */
  tried(name: string, target: Target, ok: boolean, why: string | null): void;
  /** Look further (the DHT) once the first address or every address failed; true when there are new ones to try now. */
  exhausted(name: string): Promise<boolean>;
  /** Nothing direct works: a link through one of the contact's relays, or null. */
  viaRelay(contact: Contact, ctx: Ctx): Promise<Link<Ctx> | null>;
  /** A dial of `name` ended without a link (whoever waits on it looks again). */
  changed(name: string): void;
}

interface Attempt<Ctx> {
  link: Link<Ctx>;
  plan: Target[];
  at: number;
  /** When the round (its first address) started. */
  since: number;
}

export class Dialer<Ctx> {
  /** Direct dials, one address at a time. */
  private readonly attempts = new Map<string, Attempt<Ctx>>();
  private readonly relays: RelayDials<Ctx>;
  private readonly queue: string[] = [];
  private readonly lookups: DialLookups;
  /** Per contact: rounds in a row that ended busy (timed out, reset), redialed while under BUSY_ROUNDS. */
  private readonly busy = new Map<string, number>();

  constructor(private readonly d: DialerDeps<Ctx>) {
    this.relays = new RelayDials(d);
    const dialing = (name: string, c = d.contact(name)) => this.attempts.has(name) && c !== undefined && !d.linked(c) && d.discoverable();
    this.lookups = new DialLookups({ wanted: (name) => this.wanted(name), lookUp: (name) => d.exhausted(name), dialing, contact: (name) => d.contact(name), found: (c) => this.dial(c) });
  }

  isDialing(name: string): boolean {
    return this.attempts.has(name) || this.relays.busy(name);
  }

  /** Our links to `name` not closed yet: a direct dial, a relayed one, or both while they race. */
  linksOf(name: string): Link<Ctx>[] {
    return [this.attempts.get(name)?.link, this.relays.linkOf(name)].filter((l): l is Link<Ctx> => l !== undefined);
  }

  get links(): Iterable<Link<Ctx>> {
    return [...[...this.attempts.values()].map((a) => a.link), ...this.relays.links];
  }

  /**
   * Dials `contact` unless a link to it exists, or it must not be dialed now.
   * While a round to it is under way, addresses it did not plan for (a beacon
   * just heard, a DHT record) are tried next, not after a backoff (extend()).
   */
  dial(contact: Contact): void {
    if (!this.d.discoverable() || contact.blocked || contact.legacy) return;
    if (this.d.linked(contact)) return;
    // A round in flight: new addresses and its relays may join it now (a message came, relays became known).
    if (this.isDialing(contact.name)) {
      const attempt = this.attempts.get(contact.name);
      if (attempt) this.extend(contact, attempt, dialPlan(contact));
      return this.joinRelays(contact);
    }
    const plan = dialPlan(contact);
    if (plan.length === 0) return;
    if (this.attempts.size >= MAX_CONCURRENT_DIALS) {
      if (!this.queue.includes(contact.name)) this.queue.push(contact.name);
      return;
    }
    this.d.retry.cancel(contact.name);
    this.d.health.retryAt(contact.name, null);
    this.start(contact, plan, 0, Date.now());
    this.joinRelays(contact);
  }

  /** The contact's relays race the round of direct dials in flight once its head start is over (when we want to reach it then). */
  private joinRelays(contact: Contact): void {
    const name = contact.name;
    const attempt = this.attempts.get(name);
    if (!attempt || contact.relays.length === 0 || this.relays.busy(name)) return;
    this.relays.afterHeadstart(name, contact, attempt.since, () => {
      void (async () => {
        if (this.attempts.has(name) && (await this.wanted(name)) && this.attempts.has(name)) await this.raceRelay(name);
      })();
    });
  }

  private start(contact: Contact, plan: Target[], at: number, since: number): void {
    const target = plan[at]!;
    const address = formatHostPort(target.host, target.port);
    log.debug(`dialing ${contact.name} at ${address}${plan.length > 1 ? ` (address ${at + 1} of ${plan.length})` : ""}`);
    this.d.health.dialing(contact.name, address);
    const link = this.d.transport().dial(target.host, target.port, this.d.newCtx(contact, target));
    this.attempts.set(contact.name, { link, plan, at, since });
  }

  /**
   * Puts the addresses the round has not planned right after the one it
   * tries now, in their order. A dial that has not got through TCP and TLS
   * yet gives way to them at once: an address nobody answers any more (a
   * peer that moved), or one that accepts TCP and never speaks TLS, holds a
   * dial until the handshake deadline; it is tried again last.
   */
  private extend(contact: Contact, attempt: Attempt<Ctx>, plan: Target[]): void {
    // Bun attaches a dialed socket once TCP is up ("handshake"): until TLS is, the dial has proved nothing.
    const pending = attempt.link.state === "connecting" || attempt.link.state === "handshake";
    if (insertFresh(attempt.plan, attempt.at, plan) === 0 || !pending) return;
    const stuck = attempt.plan[attempt.at]!;
    log.debug(`${contact.name}: new addresses while ${formatHostPort(stuck.host, stuck.port)} does not answer: trying them first`);
    // Forgotten before it closes, so that its close is no failure of ours to count.
    this.attempts.delete(contact.name);
    attempt.link.drop("SHUTDOWN", "gave way to a fresher address");
    this.start(contact, [...attempt.plan.slice(attempt.at + 1), stuck], 0, attempt.since);
  }

  /** Drops queued and in-flight dials (hidden, shutting down). */
  clear(): void {
    this.queue.length = 0;
    this.relays.clear();
  }

  /**
   * A link of ours ended. Before it was up: a failure of that address, so the
   * next one is tried at once; after the last, or once a link that was up
   * goes down, a redial after the backoff while we owe the peer messages.
   * Returns true when the link was one of our dials.
   */
  closed(name: string, link: Link<Ctx>, info: CloseInfo, wasUp: boolean, why: string | null): boolean {
    const relayed = this.relays.closed(name, link, info, wasUp);
    if (relayed) {
      this.nextQueued();
      if (relayed === "ask-again") void this.raceRelay(name, { retried: true });
      else if (relayed === "redial") void this.redialIfOwed(name);
      return true;
    }
    const attempt = this.attempts.get(name);
    if (!attempt || attempt.link !== link) return false;
    this.attempts.delete(name);
    const target = attempt.plan[attempt.at]!;
    const ours = info.local?.code === "HIDDEN" || info.local?.code === "SHUTDOWN";
    const duplicate = info.local?.code === "DUPLICATE_LINK" || info.remote?.code === "DUPLICATE_LINK";
    if (!wasUp && !ours && !duplicate) {
      this.d.tried(name, target, false, why);
      const next = attempt.at + 1;
      const fresh = this.d.contact(name);
      if (fresh && next < attempt.plan.length && this.d.discoverable() && !fresh.blocked && !this.d.linked(fresh)) {
        this.start(fresh, attempt.plan, next, attempt.since);
        // The address that worked last failed: look the contact up meanwhile (dial-lookups.ts).
        if (attempt.at === 0) this.lookups.start(name);
        return true;
      }
    }
    this.relays.cancelHeadstart(name);
    this.nextQueued();
    if (duplicate || ours) return true;
    if (wasUp) void this.redialIfOwed(name);
    else void this.lookFurther(name, isBusy(info));
    return true;
  }

  /**
   * The last address failed: while we owe the peer messages (or hold its
   * invite's token), ask further afield (the DHT), then through its relays
   * (unless one races the round already), then retry after the backoff. A
   * direct address is always tried first again at the next round.
   */
  private async lookFurther(name: string, busy = false): Promise<void> {
    if (await this.wanted(name)) {
      const found = await this.d.exhausted(name).catch(() => false);
      const fresh = this.d.contact(name);
      if (found && fresh && !this.isDialing(name) && !this.d.linked(fresh)) {
        this.dial(fresh);
        return;
      }
      if (this.relays.busy(name)) return; // the race's end redials if need be
      if (!this.attempts.has(name) && (await this.relays.open(name, { race: false }))) return;
    }
    await this.redialIfOwed(name, busy);
  }

  /** A relay beside a direct dial that may still be in flight; when none answers (the contact is not back on it yet), again after the backoff. */
  private async raceRelay(name: string, opts: { retried?: boolean } = {}): Promise<void> {
    if (!(await this.relays.open(name, { race: true, ...opts }))) await this.redialIfOwed(name);
  }

  /** Worth going further than its direct addresses: we owe it messages, or hold its invite's token (its node adds us once we present it). */
  private async wanted(name: string): Promise<boolean> {
    return Boolean(this.d.contact(name)?.inviteToken) || (await this.d.owed(name).catch(() => false));
  }

  /** A contact's link went down (one we did not dial): dial again later if we owe it messages. */
  lost(name: string): void {
    this.nextQueued();
    void this.redialIfOwed(name);
  }

  /** The link to `name` is up: that address worked, and a relay racing it is not needed. */
  up(name: string, link: Link<Ctx>): void {
    this.busy.delete(name);
    const attempt = this.attempts.get(name);
    const target = attempt?.link === link ? attempt.plan[attempt.at] : undefined;
    if (!target) return;
    this.d.tried(name, target, true, null);
    this.relays.directUp(name);
  }

  /** `busy`: the round only timed out or was reset: dialed again a few times (BUSY_ROUNDS) even when nothing is owed. */
  private async redialIfOwed(name: string, busy = false): Promise<void> {
    if (!this.d.discoverable()) return;
    const contact = this.d.contact(name);
    if (!contact || contact.blocked || contact.legacy) return;
    const owed = await this.d.owed(name).catch(() => false);
    const rounds = this.busy.get(name) ?? 0;
    const again = !owed && busy && rounds < BUSY_ROUNDS;
    if ((!owed && !again) || this.d.linked(contact) || this.relays.busy(name)) return;
    if (again) this.busy.set(name, rounds + 1);
    // A direct dial still in flight ends its round itself; the contact's relays need not wait for it.
    if (this.attempts.has(name) && contact.relays.length === 0) return;
    const ms = this.d.retry.schedule(name, () => {
      this.d.health.retryAt(name, null);
      const c = this.d.contact(name);
      if (c && this.attempts.has(name)) void this.raceRelay(name);
      else if (c) this.dial(c);
    });
    if (ms !== null) {
      this.d.health.retryAt(name, Date.now() + ms);
      log.debug(`${name}: messages waiting, redial in ${(ms / 1000).toFixed(1)} s`);
    }
  }

  private nextQueued(): void {
    while (this.queue.length > 0 && this.attempts.size < MAX_CONCURRENT_DIALS) {
      const c = this.d.contact(this.queue.shift()!);
      if (c) this.dial(c);
    }
  }
}

/** A dial that timed out or was reset: the peer may be there, busy (not refused, not someone else). */
function isBusy(info: CloseInfo): boolean {
  if (info.local?.code === "HANDSHAKE_TIMEOUT") return true;
  if (info.local || info.remote) return false;
  const err = info.error as (Error & { code?: string }) | undefined;
  return /ETIMEDOUT|ECONNRESET|timed? ?out|reset/i.test(`${err?.code ?? ""} ${err?.message ?? ""}`);
}
