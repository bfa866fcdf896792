// The REST API under /api/: the control operations, each at
// `POST /api/op/NAME` with its arguments by name as the JSON body (what the
// control socket's `args` holds), routed through control/ops.ts's one table
// (`runRequest`: the same argument checks as the socket), never a second
// list. Beside them, what only a browser needs: its session, the live
// events, the list in one request, an invite's QR code, and for scripts with
// the API key a login link.
import type { OpName } from "../control/ops.ts";
import { isOpName } from "../control/ops.ts";
import type { Contact, PeerRequest } from "../control/api.ts";
import { imitatedName } from "../domain/lookalike.ts";
import { NodeError } from "../domain/node-error.ts";
import type { EventStreams } from "./event-stream.ts";
import type { Caller } from "./guard.ts";
import { qrMatrix } from "./qr.ts";
import { fail, json } from "./respond.ts";

/** A request body past this is refused (a message is at most 64 KiB). */
export const MAX_BODY = 1024 * 1024;

export interface ApiDeps {
  /** Runs a control operation with its untyped JSON arguments, checked (control/ops.ts runRequest). */
  run(op: OpName, args: unknown): Promise<unknown>;
  events: EventStreams;
  /** A one-time login token (sessions.ts). */
  newLogin(): string;
  /** Ends the caller's session. */
  logout(caller: Caller): Record<string, string>;
  origin: string;
}

export async function handleApi(req: Request, path: string, who: Caller, d: ApiDeps): Promise<Response> {
  const route = `${req.method} ${path}`;
  if (path.startsWith("/api/op/")) {
    const name = path.slice("/api/op/".length);
    if (!isOpName(name)) return fail(404, "NO_SUCH_OPERATION", `there is no operation ${JSON.stringify(name)}`);
    if (req.method !== "POST") return fail(405, "METHOD", `operations are POSTed: POST /api/op/${name}`);
    const body = await readJson(req);
    if (body instanceof Response) return body;
    return reply(() => d.run(name, body ?? undefined));
  }
  switch (route) {
    case "GET /api/session":
      return json({ csrf: who.by === "session" ? who.session.csrf : null });
    case "GET /api/events":
      return d.events.stream(req);
    case "GET /api/roster":
      return reply(() => roster(d));
    case "POST /api/qr": {
      const body = await readJson(req);
      if (body instanceof Response) return body;
      const text = (body as { text?: unknown } | null)?.text;
      if (typeof text !== "string") return fail(400, "BAD_REQUEST", `the body is {"text": "..."}`);
      return reply(async () => qrMatrix(text));
    }
    case "POST /api/login-link":
      // A session may not mint more sessions: only whoever holds the key (`p2pchat web`).
      if (who.by !== "key") return fail(403, "KEY_ONLY", "login links are made with the API key (p2pchat web)");
      return json({ url: `${d.origin}/login?token=${d.newLogin()}` });
    case "POST /api/logout":
      return json(null, 200, d.logout(who));
    default:
      return fail(404, "NOT_FOUND", `no ${route} here`);
  }
}

/** The conversations view in one request: the node's status, contacts, groups, unread counts, and requests with the contact each name imitates. */
async function roster(d: ApiDeps): Promise<unknown> {
  const [status, contacts, groups, conversations, requests] = await Promise.all(
    (["status", "contacts", "groups", "conversations", "requests"] as const).map((op) => d.run(op, undefined)),
  );
  const names = (contacts as Contact[]).map((c) => c.name);
  const withImitation = (requests as PeerRequest[]).map((r) => ({ ...r, imitates: imitatedName(r.name, names) }));
  return { status, contacts, groups, conversations, requests: withImitation };
}

/** The body as JSON (none: null), or the refusal. */
async function readJson(req: Request): Promise<unknown> {
  const type = req.headers.get("content-type") ?? "";
  const text = await req.text();
  if (text.length > MAX_BODY) return fail(413, "TOO_LARGE", `a request body is at most ${MAX_BODY} bytes`);
  if (text.trim() === "") return null;
  // Only JSON: a form a page elsewhere could post without asking is refused before it is read as anything.
  if (!type.startsWith("application/json")) return fail(415, "BAD_REQUEST", "send JSON (Content-Type: application/json)");
  try {
    return JSON.parse(text);
  } catch {
    return fail(400, "BAD_REQUEST", "the body is not JSON");
  }
}

/** `{ result }`, or the error as the control socket carries it, with a status that says whose fault it is. */
async function reply(fn: () => Promise<unknown>): Promise<Response> {
  try {
    return json({ result: (await fn()) ?? null });
  } catch (err) {
    if (err instanceof NodeError) {
      const status = err.isInputError || err.code === "CONTROL_FAILED" ? 400 : err.code === "NOT_RUNNING" ? 503 : 409;
      return fail(status, err.code, err.message);
    }
    return fail(500, "FAILED", (err as Error)?.message ?? String(err));
  }
}
