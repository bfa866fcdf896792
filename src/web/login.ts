// Opening a session: the one-time link `p2pchat web` prints (GET
// /login?token=...), or, when the page listens beyond this machine, the
// password (POST /login). Either sets the session cookie: HttpOnly (no
// script reads it) and SameSite=Strict (no other site's page sends it).
import { readCapped } from "./body.ts";
import { redirect, fail, json } from "./respond.ts";
import type { Session, Sessions } from "./sessions.ts";

/** Wrong passwords in a row before each next try waits longer (at most PAUSE_MAX_MS). */
const FREE_TRIES = 3;
const PAUSE_MAX_MS = 5_000;
/** A sign-in body is `{"password": "..."}` with at most 1024 characters: read no more than this of it. */
const MAX_LOGIN_BODY = 16 * 1024;

export interface LoginDeps {
  sessions: Sessions;
  cookieName: string;
  /** The password's hash (Bun.password), read now: null when none is set. */
  passwordHash(): string | null;
}

export function sessionCookie(name: string, s: Session): Record<string, string> {
  return { "Set-Cookie": `${name}=${s.id}; Path=/; HttpOnly; SameSite=Strict` };
}

export function clearCookie(name: string): Record<string, string> {
  return { "Set-Cookie": `${name}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0` };
}

export class Login {
  private failures = 0;

  constructor(private readonly d: LoginDeps) {}

  /** GET /login?token=T: a session and the page, or back to /login saying the link is spent. */
  link(token: string): Response {
    const s = this.d.sessions.login(token);
    // The token leaves the address bar either way (and Referrer-Policy keeps it from leaking).
    if (!s) return redirect("/login?spent");
    return redirect("/", sessionCookie(this.d.cookieName, s));
  }

  /** POST /login {"password": "..."}: a session, or 403 after a pause that grows with each wrong try. */
  async password(req: Request): Promise<Response> {
    const hash = this.d.passwordHash();
    if (!hash) return fail(403, "NO_PASSWORD", "no password is set: open the page with `p2pchat web` on the machine it runs on");
    let given: unknown;
    try {
      // Read no further than a password could be: anyone may post here.
      given = (JSON.parse((await readCapped(req, MAX_LOGIN_BODY)) ?? "") as { password?: unknown })?.password;
    } catch {
      given = undefined;
    }
    if (typeof given !== "string" || given.length > 1024) return fail(400, "BAD_REQUEST", `the body is {"password": "..."}`);
    if (this.failures >= FREE_TRIES) await Bun.sleep(Math.min(PAUSE_MAX_MS, 250 * 2 ** (this.failures - FREE_TRIES)));
    if (!(await Bun.password.verify(given, hash).catch(() => false))) {
      this.failures++;
      return fail(403, "WRONG_PASSWORD", "wrong password");
    }
    this.failures = 0;
    return json(null, 200, sessionCookie(this.d.cookieName, this.d.sessions.open()));
  }
}
