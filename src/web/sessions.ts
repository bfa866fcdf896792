// Who may use the page. Three ways in, as Syncthing's lib/api has them:
// the API key (scripts: an `X-API-Key` header, read from the home), a
// session (a browser: an HttpOnly, SameSite=Strict cookie, opened by a
// one-time login link that `p2pchat web` asks for, or by the password when
// the page listens beyond loopback), and, with a session, a CSRF token that
// every state-changing request carries in a header. Sessions live as long
// as the node runs: after a restart, `p2pchat web` opens a new one.
import { randomBytes, timingSafeEqual } from "node:crypto";

/** A login link works once, within this long of being made. */
export const LOGIN_TTL_MS = 2 * 60_000;
/** A session unused this long is gone (each use extends it). */
export const SESSION_TTL_MS = 7 * 86_400_000;
/** Sessions and unused login links kept at most; the oldest go first (Syncthing keeps 25). */
const MAX_SESSIONS = 25;
const MAX_LOGINS = 25;

/** 32 random bytes, URL-safe. */
export const newToken = (): string => randomBytes(32).toString("base64url");

/** Compares two secrets in time that does not depend on where they differ. */
export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.byteLength === y.byteLength && timingSafeEqual(x, y);
}

export interface Session {
  readonly id: string;
  /** Sent back in the X-CSRF-Token header with every request that changes something. */
  readonly csrf: string;
  expires: number;
}

export class Sessions {
  private readonly logins = new Map<string, number>();
  private readonly sessions = new Map<string, Session>();

  constructor(private readonly now: () => number = Date.now) {}

  /** A one-time login token (for the link `p2pchat web` prints). */
  newLogin(): string {
    this.sweep();
    const token = newToken();
    this.logins.set(token, this.now() + LOGIN_TTL_MS);
    trim(this.logins, MAX_LOGINS);
    return token;
  }

  /** Spends login token `token`: a new session, or null when it was used, expired or never made. */
  login(token: string): Session | null {
    const expires = this.logins.get(token);
    if (expires === undefined) return null;
    this.logins.delete(token);
    if (expires < this.now()) return null;
    return this.open();
  }

  /** A new session (a login link spent, or the password given). */
  open(): Session {
    this.sweep();
    const s: Session = { id: newToken(), csrf: newToken(), expires: this.now() + SESSION_TTL_MS };
    this.sessions.set(s.id, s);
    trim(this.sessions, MAX_SESSIONS);
    return s;
  }

  /** The live session with cookie value `id`, its life extended; null otherwise. */
  find(id: string | null): Session | null {
    if (!id) return null;
    const s = this.sessions.get(id);
    if (!s) return null;
    if (s.expires < this.now()) {
      this.sessions.delete(id);
      return null;
    }
    s.expires = this.now() + SESSION_TTL_MS;
    return s;
  }

  close(id: string): void {
    this.sessions.delete(id);
  }

  private sweep(): void {
    const now = this.now();
    for (const [t, expires] of this.logins) if (expires < now) this.logins.delete(t);
    for (const [id, s] of this.sessions) if (s.expires < now) this.sessions.delete(id);
  }
}

/** Drops the oldest entries (a Map keeps insertion order) past `max`. */
function trim<K, V>(map: Map<K, V>, max: number): void {
  for (const key of map.keys()) {
    if (map.size <= max) return;
    map.delete(key);
  }
}
