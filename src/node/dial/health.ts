// Why a contact is or is not reachable, in words: per contact, the link
// state, when we last heard from it, the last error (`connection refused at
// 192.0.2.2:24003`, `timed out`, `identity changed: expected X, got Y`, `they
// closed the link`) and when the next retry is due. `status`, `send` and
// `chat` show it, so "still pending" always comes with a reason.
import type { PeerId } from "../../protocol/peer-id.ts";
import type { Contact } from "../../domain/contact.ts";
import type { CloseInfo } from "../../transport/link.ts";

export type LinkStateName = "linked" | "dialing" | "waiting" | "hidden" | "blocked" | "identity changed" | "idle";

export interface ContactState {
  name: string;
  state: LinkStateName;
  /** The state as a person reads it: `waiting to retry in 12 s`. */
  stateText: string;
  /** Where the link is (or the dial goes). */
  address: string | null;
  lastSeen: number | null;
  lastError: string | null;
  lastErrorAt: number | null;
  nextRetryAt: number | null;
  pending: number;
  /** A pinned contact's address answered with another certificate (state "identity changed"). */
  mismatch?: { expected: PeerId; got: PeerId } | null;
}

interface Entry {
  linked: string | null;
  /** Through a link the peer dialed: the address is its outgoing one, not where it listens. */
  inbound: boolean;
  via: string | null;
  /** Straight to the peer through a hole punched in both NATs. */
  punched: boolean;
  dialing: string | null;
  lastSeen: number | null;
  lastError: string | null;
  lastErrorAt: number | null;
  nextRetryAt: number | null;
  mismatch: { expected: PeerId; got: PeerId } | null;
}

const fresh = (): Entry => ({ linked: null, inbound: false, via: null, punched: false, dialing: null, lastSeen: null, lastError: null, lastErrorAt: null, nextRetryAt: null, mismatch: null });

export class Health {
  private readonly byName = new Map<string, Entry>();

  private entry(name: string): Entry {
    let e = this.byName.get(name);
    if (!e) this.byName.set(name, (e = fresh()));
    return e;
  }

  dialing(name: string, address: string): void {
    const e = this.entry(name);
    e.dialing = address;
    e.nextRetryAt = null;
  }

  /** `via`: the way a relayed link goes ("relay HOST:PORT"); its address is then the relay's. `punched`: straight, through a punched hole. */
  linked(name: string, address: string, direction: "in" | "out" = "out", via?: string, punched = false): void {
    const e = this.entry(name);
    e.linked = address;
    e.inbound = direction === "in";
    e.via = via ?? null;
    e.punched = punched;
    e.dialing = null;
    e.nextRetryAt = null;
    e.mismatch = null;
    e.lastSeen = Date.now();
  }

  /** Something arrived from the peer. */
  seen(name: string): void {
    this.entry(name).lastSeen = Date.now();
  }

  /** A link or a dial ended. */
  closed(name: string, wasUp: boolean, why: string | null): void {
    const e = this.entry(name);
    if (wasUp) {
      e.linked = null;
      e.lastSeen = Date.now();
    }
    e.dialing = null;
    if (why) {
      e.lastError = why;
      e.lastErrorAt = Date.now();
    }
  }

  retryAt(name: string, at: number | null): void {
    this.entry(name).nextRetryAt = at;
  }

  /** Records an identity mismatch; true when it is news (a new certificate), so it is said once per change. */
  mismatch(name: string, expected: PeerId, got: PeerId): boolean {
    const e = this.entry(name);
    const news = e.mismatch?.got !== got || e.mismatch?.expected !== expected;
    e.mismatch = { expected, got };
    e.lastError = `identity changed: expected ${expected}, got ${got}`;
    e.lastErrorAt = Date.now();
    return news;
  }

  mismatchOf(name: string): { expected: PeerId; got: PeerId } | null {
    return this.byName.get(name)?.mismatch ?? null;
  }

  /** The contact was re-pinned, renamed or removed. */
  clearMismatch(name: string): void {
    const e = this.byName.get(name);
    if (e) e.mismatch = null;
  }

  rename(from: string, to: string): void {
    const e = this.byName.get(from);
    this.byName.delete(from);
    if (e) this.byName.set(to, e);
  }

  forget(name: string): void {
    this.byName.delete(name);
  }

  state(c: Contact, discoverable: boolean, pending: number, now = Date.now()): ContactState {
    const e = this.byName.get(c.name) ?? fresh();
    let state: LinkStateName;
    let text: string;
    if (e.linked) [state, text] = ["linked", e.via ? `linked (via ${e.via})` : e.punched ? "linked (direct, punched)" : e.inbound ? `linked (they dialed, from ${e.linked})` : `linked (${e.linked})`];
    else if (c.blocked) [state, text] = ["blocked", "blocked"];
    else if (!discoverable) [state, text] = ["hidden", "hidden (you)"];
    else if (e.mismatch) [state, text] = ["identity changed", "identity changed (refused)"];
    else if (e.dialing) [state, text] = ["dialing", `dialing ${e.dialing}`];
    else if (e.nextRetryAt !== null && e.nextRetryAt > now) [state, text] = ["waiting", `waiting to retry in ${Math.ceil((e.nextRetryAt - now) / 1000)} s`];
    else [state, text] = ["idle", pending > 0 ? "not linked" : "not linked (nothing to send)"];
    return {
      name: c.name,
      state,
      stateText: text,
      address: e.linked ?? e.dialing,
      lastSeen: e.lastSeen,
      lastError: e.lastError,
      lastErrorAt: e.lastErrorAt,
      nextRetryAt: e.nextRetryAt,
      pending,
      mismatch: e.linked ? null : e.mismatch,
    };
  }
}

/** A closed link or failed dial, in words; null for a close of no interest (ours, a replaced duplicate). */
export function describeFailure(info: CloseInfo, address: string): string | null {
  const local = info.local?.code;
  if (local === "DUPLICATE_LINK" || info.remote?.code === "DUPLICATE_LINK") return null;
  if (local === "HANDSHAKE_TIMEOUT") return `timed out at ${address}`;
  if (local === "KEEPALIVE_TIMEOUT") return `${address} stopped answering`;
  if (local === "HIDDEN" || local === "SHUTDOWN") return null;
  if (local) return `${info.local!.reason}`;
  const remote = info.remote;
  if (remote?.code === "SHUTDOWN") return "they stopped their node";
  if (remote?.code === "HIDDEN") return "they went hidden";
  if (remote) return `they refused: ${remote.reason} (${remote.code})`;
  const err = info.error as (Error & { code?: string; errno?: number }) | undefined;
  const code = err?.code ?? "";
  const text = `${code} ${err?.message ?? ""}`;
  if (/ECONNREFUSED|refused/i.test(text)) return `connection refused at ${address}`;
  if (/ETIMEDOUT|timed? ?out/i.test(text)) return `timed out at ${address}`;
  if (/EHOSTUNREACH|ENETUNREACH|unreachable/i.test(text)) return `no route to ${address}`;
  if (/ENOTFOUND|EAI_|getaddrinfo|DNS/i.test(text)) return `cannot resolve the host of ${address}`;
  if (/ECONNRESET|reset/i.test(text)) return `${address} reset the connection`;
  if (err) return `${address}: ${err.message || code}`;
  return "they closed the link";
}
