// The REST API under /api/: the control operations, each at
// `POST /api/op/NAME` with its arguments by name as the JSON body (what the
// control socket's `args` holds), routed through control/ops.ts's one table
// (`runRequest`: the same argument checks as the socket), never a second
// list. Beside them, what only a browser needs: its session, the live
// events, the list in one request, an invite's QR code, a file to send
// (uploads.ts) and one to fetch (downloads.ts), and for scripts with the API
// key a login link.
import type { OpName } from "../control/ops.ts";
import { isOpName } from "../control/ops.ts";
import type { Contact, PeerRequest } from "../control/api.ts";
import { imitatedName } from "../domain/lookalike.ts";
import type { EventStreams } from "./event-stream.ts";
import type { Caller } from "./guard.ts";
import { qrMatrix } from "./qr.ts";
import { readCapped } from "./body.ts";
import { download } from "./downloads.ts";
import { fail, failWith, json } from "./respond.ts";
import type { Uploads } from "./uploads.ts";

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
  uploads: Uploads;
  /** Bytes an upload may hold (the page checks before it sends). */
  maxUpload: number;
}

export async function handleApi(req: Request, url: URL, who: Caller, d: ApiDeps): Promise<Response> {
  const path = url.pathname;
  const route = `${req.method} ${path}`;
  if (path.startsWith("/api/op/")) {
    const name = path.slice("/api/op/".length);
    if (!isOpName(name)) return fail(404, "NO_SUCH_OPERATION", `there is no operation ${JSON.stringify(name)}`);
    if (req.method !== "POST") return fail(405, "METHOD", `operations are POSTed: POST /api/op/${name}`);
    const body = await readJson(req);
    if (body instanceof Response) return body;
    return reply(() => d.run(name, body ?? undefined));
  }
  if (path.startsWith("/api/download/")) {
    if (req.method !== "GET") return fail(405, "METHOD", "a file is fetched with GET");
    // Not decoded: an id is hex and dashes, and anything else (a path, %2F) names no transfer.
    return download(path.slice("/api/download/".length), d.run);
  }
  switch (route) {
    case "GET /api/session":
      return json({ csrf: who.by === "session" ? who.session.csrf : null, maxUpload: d.maxUpload });
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
    case "POST /api/upload":
      return d.uploads.receive(req, url);
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

/** The body as JSON (none: null), or the refusal; read no further than MAX_BODY. */
async function readJson(req: Request): Promise<unknown> {
  const type = req.headers.get("content-type") ?? "";
  const text = await readCapped(req, MAX_BODY);
  if (text === null) return fail(413, "TOO_LARGE", `a request body is at most ${MAX_BODY} bytes`);
  if (text.trim() === "") return null;
  // Only JSON: a form a page elsewhere could post without asking is refused before it is read as anything.
  if (!type.startsWith("application/json")) return fail(415, "BAD_REQUEST", "send JSON (Content-Type: application/json)");
  try {
    return JSON.parse(text);
  } catch {
    return fail(400, "BAD_REQUEST", "the body is not JSON");
  }
}

/** `{ result }`, or the error as the control socket carries it (failWith). */
async function reply(fn: () => Promise<unknown>): Promise<Response> {
  try {
    return json({ result: (await fn()) ?? null });
  } catch (err) {
    return failWith(err);
  }
}
