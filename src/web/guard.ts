// The gate every request passes, in Syncthing's order: the Host check
// first (403: DNS rebinding), then, under /api/, who is asking (401 with
// neither the API key nor a session) and, for a session, whether a request
// that changes something carries the session's CSRF token (403). A
// same-site page (another port on 127.0.0.1 is same-site) can make the
// browser send our cookie, but cannot read the token, so it cannot act.
import { hostAllowed, type WebBind } from "./web-address.ts";
import { cookie, fail, text } from "./respond.ts";
import { sameSecret, type Session, type Sessions } from "./sessions.ts";

/** Who is asking: a script with the API key, or a browser with a session. */
export type Caller = { by: "key" } | { by: "session"; session: Session };

export const CSRF_HEADER = "X-CSRF-Token";
export const API_KEY_HEADER = "X-API-Key";

const SAFE_METHODS = new Set(["GET", "HEAD"]);

export interface GuardDeps {
  bind: WebBind;
  apiKey: string;
  sessions: Sessions;
  /** Per identity: two homes' pages on one machine share cookies (ports do not separate them). */
  cookieName: string;
}

export class Guard {
  constructor(private readonly d: GuardDeps) {}

  /** 403 unless the Host header names this page (web-address.ts). */
  checkHost(req: Request): Response | null {
    if (hostAllowed(req.headers.get("host"), this.d.bind)) return null;
    return text("p2pchat: this page answers only to the address it listens on (Host check): open it with `p2pchat web`\n", 403);
  }

  /** The caller, by API key or session cookie; null for neither. */
  caller(req: Request): Caller | null {
    const key = req.headers.get(API_KEY_HEADER);
    if (key !== null && sameSecret(key, this.d.apiKey)) return { by: "key" };
    const session = this.d.sessions.find(cookie(req, this.d.cookieName));
    return session ? { by: "session", session } : null;
  }

  /** For /api/: the caller, or the refusal (401 nobody, 403 a browser's state change without its CSRF token). */
  api(req: Request): Caller | Response {
    const who = this.caller(req);
    if (!who) return fail(401, "UNAUTHORIZED", "open the page with `p2pchat web` (a login link), or send the API key in X-API-Key");
    if (who.by === "key" || SAFE_METHODS.has(req.method)) return who;
    const token = req.headers.get(CSRF_HEADER);
    if (token === null || !sameSecret(token, who.session.csrf)) return fail(403, "CSRF", "a request that changes something needs the session's X-CSRF-Token header");
    return this.sameOrigin(req) ?? who;
  }

  /** Belt and braces on a state change: a browser says where a request comes from, and ours come from this page (403 otherwise). */
  sameOrigin(req: Request): Response | null {
    const origin = req.headers.get("origin");
    if (origin === null || origin === `http://${req.headers.get("host")}`) return null;
    return fail(403, "CSRF", `a request from ${origin} is not this page's`);
  }
}
