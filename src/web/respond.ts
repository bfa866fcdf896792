// Every response the page's server sends carries the same guard rails: a
// Content-Security-Policy that runs only our own scripts (no inline script:
// a message that smuggled markup in could not run any), no framing
// (clickjacking), no MIME sniffing, no Referer (a login link never leaks),
// nothing cached. And no CORS headers at all: another origin's script may
// not read a reply, nor send the custom headers the API asks for.
import { NodeError } from "../domain/node-error.ts";

export const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join("; ");

const GUARD_HEADERS: Record<string, string> = {
  "Content-Security-Policy": CSP,
  "X-Frame-Options": "DENY",
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Resource-Policy": "same-origin",
  "Cache-Control": "no-store",
};

export function respond(body: ConstructorParameters<typeof Response>[0], status: number, headers: Record<string, string> = {}): Response {
  return new Response(body, { status, headers: { ...GUARD_HEADERS, ...headers } });
}

export function json(value: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return respond(JSON.stringify(value ?? null), status, { "Content-Type": "application/json; charset=utf-8", ...headers });
}

/** A refusal: `{ error: { code, message } }`, the shape the control socket uses. */
export function fail(status: number, code: string, message: string): Response {
  return json({ error: { code, message } }, status);
}

/** An operation's error as the control socket carries it, with a status that says whose fault it is. */
export function failWith(err: unknown): Response {
  if (err instanceof NodeError) {
    const status = err.isInputError || err.code === "CONTROL_FAILED" ? 400 : err.code === "NOT_RUNNING" ? 503 : 409;
    return fail(status, err.code, err.message);
  }
  return fail(500, "FAILED", (err as Error)?.message ?? String(err));
}

export function text(body: string, status = 200, type = "text/plain; charset=utf-8"): Response {
  return respond(body, status, { "Content-Type": type });
}

export function redirect(to: string, headers: Record<string, string> = {}): Response {
  return respond(null, 303, { Location: to, ...headers });
}

/** The value of cookie `name` in a request, or null. */
export function cookie(req: Request, name: string): string | null {
  const header = req.headers.get("cookie");
  if (!header) return null;
  for (const part of header.split(";")) {
    const at = part.indexOf("=");
    if (at > 0 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim();
  }
  return null;
}
