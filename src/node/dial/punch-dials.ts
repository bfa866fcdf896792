// From a relayed link to a direct one: once a contact's link through a
// relay is up and both ends speak "punch", the end the relay invited (as
// DCUtR's B) arranges a hole punch over it (reach/punch/), and the stream
// that comes out runs a link of its own (TLS, the pin, hellos) which
// replaces the relayed one when adopted (peers.ts: a direct link beats a
// relayed one). An attempt that fails is tried twice more at once, then
// again after a backoff, while the relayed link lives; the relayed link
// carries the conversation all along, and the switch loses nothing (the
// replaced link's in-flight messages go back to pending, the receiver drops
// ids it holds already).
import type { Duplex } from "node:stream";
import type { PeerId } from "../../protocol/peer-id.ts";
import { PUNCH_CAP, type PunchFrame } from "../../protocol/reach-frames.ts";
import type { Contact } from "../../domain/contact.ts";
import { formatHostPort } from "../../domain/host-port.ts";
import type { Link } from "../../transport/link.ts";
import type { TlsRole } from "../../transport/stream-tls.ts";
import { isLoopbackHost, splitHostPort, wireHostProblem } from "../../reach/net/wire-address.ts";
import { parseIp } from "../../reach/net/ip.ts";
import { PunchExchange, type Punched, type PunchTimeouts } from "../../reach/punch/punch-exchange.ts";
import type { Endpoint } from "../../reach/punch/simultaneous-open.ts";
import { childLogger } from "../../log.ts";

const log = childLogger("node");

/** Attempts in a row (DCUtR: the first and two retries), the pause between them, then the waits before the next rounds. */
export const ATTEMPTS_PER_ROUND = 3;
const RETRY_MS = 1_000;
export const ROUND_BACKOFF_MS = [60_000, 5 * 60_000, 30 * 60_000];
/** A moment for both ends to have adopted the relayed link before the first offer. */
const FIRST_DELAY_MS = 50;

export interface PunchDialDeps<Ctx> {
  self: PeerId;
  /** Where the peer may dial us from local port `port` (where others see us). */
  candidates(port: number): string[];
  /** Runs a link over a punched stream (TLS in `role`, the pin, hellos). */
  attach(stream: Duplex, how: { role: TlsRole; remote: Endpoint; ctx: Ctx }): Link<Ctx>;
  /** The node's state for a punched link: the contact it is for when we run TLS's client side, else nobody yet (as for a link that came in). */
  newCtx(contact: Contact | null): Ctx;
  /** A hole was punched and its link adopted: `ms` after the relayed link came up. */
  punched(contact: Contact, link: Link<Ctx>, ms: number): void;
  /** A round of attempts (ours) came to nothing: why the last failed, and when the next round starts. */
  gaveUp(contact: Contact, why: string, againInMs: number): void;
  timeouts?: Partial<PunchTimeouts>;
  backoffMs?: readonly number[];
}

interface Arranged<Ctx> {
  relayed: Link<Ctx>;
  contact: Contact;
  name: string;
  exchange: PunchExchange;
  /** We start the attempts (the relay invited us). */
  initiator: boolean;
  since: number;
  failures: number;
  rounds: number;
  timer: ReturnType<typeof setTimeout> | null;
  /** The link being run over a punched stream, until adopted or closed. */
  trying: Link<Ctx> | null;
}

export class PunchDials<Ctx> {
  /** By relayed link. */
  private readonly arranged = new Map<Link<Ctx>, Arranged<Ctx>>();
  /** Punched links not adopted yet, to their relayed link's arrangement. */
  private readonly trying = new Map<Link<Ctx>, Arranged<Ctx>>();

  constructor(private readonly d: PunchDialDeps<Ctx>) {}

  /** Whether both ends of `link` can try: relayed, and the peer's hello lists the cap. */
  static eligible(link: Link): boolean {
    return link.via !== null && (link.peerHello?.caps.includes(PUNCH_CAP) ?? false);
  }

  /** A contact's link was adopted: a relayed one is to be upgraded; a punched one is the upgrade done. */
  up(link: Link<Ctx>, contact: Contact): void {
    const done = this.trying.get(link);
    if (done) {
      this.trying.delete(link);
      done.trying = null;
      const ms = Date.now() - done.since;
      log.debug(`${contact.name}: direct link through a punched hole (${link.address}), ${ms} ms after the relayed one`);
      this.d.punched(contact, link, ms);
      return;
    }
    const a = this.arrange(link, contact);
    if (a?.initiator) this.later(a, FIRST_DELAY_MS);
  }

  /** A punch frame on a contact's adopted link (it may come before up(): the peer adopted first). */
  frame(link: Link<Ctx>, contact: Contact, f: PunchFrame): void {
    this.arrange(link, contact)?.exchange.frame(f);
  }

  /** A link closed: a relayed one ends its attempts; a punched one that never got adopted is a failed attempt. */
  down(link: Link<Ctx>): void {
    const failed = this.trying.get(link);
    if (failed) {
      this.trying.delete(link);
      failed.trying = null;
      this.failed(failed, "the link over the punched hole closed before it was up");
    }
    const a = this.arranged.get(link);
    if (!a) return;
    this.arranged.delete(link);
    if (a.timer) clearTimeout(a.timer);
    a.exchange.close();
  }

  private arrange(link: Link<Ctx>, contact: Contact): Arranged<Ctx> | null {
    const had = this.arranged.get(link);
    if (had) return had;
    if (!PunchDials.eligible(link)) return null;
    const fromLoopback = isLoopbackHost(link.remoteHost);
    const exchange = new PunchExchange({
      send: (f) => link.sendReach(f),
      candidates: (port) => this.d.candidates(port),
      screen: (addrs) => screen(addrs, fromLoopback),
      timeouts: this.d.timeouts,
    });
    const a: Arranged<Ctx> = { relayed: link, contact, name: contact.name, exchange, initiator: link.direction === "in", since: Date.now(), failures: 0, rounds: 0, timer: null, trying: null };
    exchange.onResponse = (r) => void this.settle(a, r);
    this.arranged.set(link, a);
    return a;
  }

  private later(a: Arranged<Ctx>, ms: number): void {
    if (a.timer) clearTimeout(a.timer);
    a.timer = setTimeout(() => {
      a.timer = null;
      if (this.arranged.get(a.relayed) !== a || a.trying) return;
      void this.settle(a, a.exchange.initiate());
    }, ms);
    a.timer.unref?.();
  }

  /** An attempt (ours or the peer's) ended: a stream runs a link, or the initiator tries again later. */
  private async settle(a: Arranged<Ctx>, attempt: Promise<Punched>): Promise<void> {
    let p: Punched;
    try {
      p = await attempt;
    } catch (err) {
      if (a.initiator) this.failed(a, (err as Error).message);
      else log.debug(`${a.name}: the hole punch they started failed: ${(err as Error).message}`);
      return;
    }
    if (this.arranged.get(a.relayed) !== a || !a.relayed.isOpen) return void p.socket.destroy();
    // Both ends of one TCP connection: the smaller id runs TLS's client side, as each end can tell alone.
    const peer = a.relayed.peerId!;
    const role: TlsRole = this.d.self < peer ? "client" : "server";
    log.debug(`${a.name}: a hole punched to ${formatHostPort(p.remote.host, p.remote.port)} in ${p.ms} ms (attempt ${p.attempt}): running TLS as its ${role}`);
    const link = this.d.attach(p.socket, { role, remote: p.remote, ctx: this.d.newCtx(role === "client" ? a.contact : null) });
    a.trying = link;
    this.trying.set(link, a);
  }

  private failed(a: Arranged<Ctx>, why: string): void {
    if (this.arranged.get(a.relayed) !== a || !a.initiator) return;
    a.failures++;
    if (a.failures < ATTEMPTS_PER_ROUND) {
      log.debug(`${a.name}: no hole punched (${why}); again in ${RETRY_MS / 1000} s`);
      return this.later(a, RETRY_MS);
    }
    const backoff = this.d.backoffMs ?? ROUND_BACKOFF_MS;
    const ms = backoff[Math.min(a.rounds, backoff.length - 1)]!;
    a.rounds++;
    a.failures = 0;
    log.debug(`${a.name}: no hole punched after ${ATTEMPTS_PER_ROUND} attempts (${why}); staying relayed, trying again in ${Math.round(ms / 1000)} s`);
    this.d.gaveUp(a.contact, why, ms);
    this.later(a, ms);
  }
}

/** The peer's candidates we may dial: IP literals (a name means nothing to punch to) that the wire filter passes. */
function screen(addrs: readonly string[], fromLoopback: boolean): Endpoint[] {
  const out: Endpoint[] = [];
  for (const text of addrs) {
    const hp = splitHostPort(text);
    if (hp && parseIp(hp.host) && wireHostProblem(hp.host, { fromLoopback }) === null) out.push(hp);
  }
  return out;
}
