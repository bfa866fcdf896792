// The control socket of a running `serve`: newline-delimited JSON requests
// from commands on the same machine and home (owner-only permissions), and
// the node's events for those that subscribe.
import type { Socket, UnixSocketListener } from "bun";
import { chmodSync, existsSync, unlinkSync } from "node:fs";
import { NodeError } from "../domain/node-error.ts";
import type { ChatNode } from "../node/node.ts";
import { childLogger } from "../log.ts";
import { WriteQueue } from "../transport/writer.ts";
import { OPS, type Op } from "./api.ts";
import { LocalApi } from "./local.ts";
import { controlPath, socketProblem, stat } from "./path.ts";
import { probeControl } from "./client.ts";

const log = childLogger("control");

/** A control client that stops reading is dropped past this. */
const MAX_QUEUE = 64 * 1024 * 1024;
/** A request line longer than this is refused (a message body is at most 64 KiB). */
const MAX_LINE = 1024 * 1024;

interface Conn {
  buf: string;
  queue: WriteQueue;
  unsubscribe: (() => void) | null;
}

export type Request = { id: number; op: Op; args?: Record<string, unknown> };
export type Response = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: { code: string; message: string } };

export class ControlServer {
  private constructor(
    private readonly listener: UnixSocketListener<Conn>,
    readonly path: string,
    private readonly conns: Set<Socket<Conn>>,
  ) {}

  /** Commands attached right now (a second chat, a status in flight...). */
  get attached(): number {
    return this.conns.size;
  }

  /**
   * Refuses to start when another serve answers on this home's control path,
   * or when the file there belongs to another user; replaces a stale socket.
   */
  static async start(home: string, node: ChatNode): Promise<ControlServer> {
    const path = controlPath(home, { create: true });
    const st = process.platform === "win32" ? null : stat(path);
    if (st && st.uid !== process.getuid?.()) {
      throw new NodeError("UNSAFE_CONTROL", `cannot start: ${path} is in the way and ${socketProblem(st)}. Check who made it, and remove it`);
    }
    if (await probeControl(path)) {
      throw new NodeError("ALREADY_RUNNING", `a p2pchat serve is already running for ${home} (its control socket ${path} answers)`);
    }
    if (process.platform !== "win32" && existsSync(path)) {
      log.debug(`removing stale control socket ${path}`);
      unlinkSync(path);
    }
    const api = new LocalApi(node, { ownsNode: false });
    const conns = new Set<Socket<Conn>>();
    const old = process.umask(0o177); // the socket is created owner-only
    let listener: UnixSocketListener<Conn>;
    try {
      listener = Bun.listen<Conn>({
        unix: path,
        socket: {
          open(s) {
            s.data = { buf: "", queue: new WriteQueue(MAX_QUEUE), unsubscribe: null };
            conns.add(s);
          },
          data(s, chunk) {
            s.data.buf += chunk.toString();
            if (s.data.buf.length > MAX_LINE && !s.data.buf.includes("\n")) {
              s.end();
              return;
            }
            let nl: number;
            while ((nl = s.data.buf.indexOf("\n")) >= 0) {
              const line = s.data.buf.slice(0, nl);
              s.data.buf = s.data.buf.slice(nl + 1);
              if (line.trim()) void handle(s, line, api);
            }
          },
          drain(s) {
            s.data.queue.drain(s as Socket<unknown>);
          },
          close(s) {
            conns.delete(s);
            s.data?.unsubscribe?.();
          },
          error(s) {
            conns.delete(s);
            s.data?.unsubscribe?.();
          },
        },
      });
    } finally {
      process.umask(old);
    }
    if (process.platform !== "win32") chmodSync(path, 0o600);
    return new ControlServer(listener, path, conns);
  }

  /** Stops; attached commands are told `reason` first (they print it), then disconnected. */
  stop(reason?: string): void {
    if (reason) for (const s of this.conns) send(s, { event: { type: "stopped", reason } });
    for (const s of this.conns) s.end();
    this.listener.stop(true);
    if (process.platform !== "win32" && existsSync(this.path)) {
      try {
        unlinkSync(this.path);
      } catch {
        // already gone
      }
    }
  }
}

function send(s: Socket<Conn>, msg: unknown): void {
  if (!s.data.queue.send(s as Socket<unknown>, Buffer.from(JSON.stringify(msg) + "\n"))) s.terminate();
}

async function handle(s: Socket<Conn>, line: string, api: LocalApi): Promise<void> {
  let req: Request;
  try {
    req = JSON.parse(line);
    if (typeof req?.id !== "number" || !OPS.includes(req.op)) throw new Error("bad request");
  } catch {
    send(s, { id: -1, ok: false, error: { code: "CONTROL_FAILED", message: "bad request" } });
    return;
  }
  try {
    const result = await dispatch(s, req, api);
    send(s, { id: req.id, ok: true, result: result ?? null } satisfies Response);
  } catch (err) {
    const code = err instanceof NodeError ? err.code : "CONTROL_FAILED";
    send(s, { id: req.id, ok: false, error: { code, message: (err as Error).message ?? String(err) } } satisfies Response);
  }
}

function dispatch(s: Socket<Conn>, req: Request, api: LocalApi): Promise<unknown> | unknown {
  // Shapes are checked by the node (names, texts and ids are validated there).
  // biome-ignore lint: the request is untyped JSON
  const a = (req.args ?? {}) as Record<string, any>;
  switch (req.op) {
    case "status":
      return api.status();
    case "send":
      return api.send(a.peer, a.text);
    case "sendTo":
      return api.sendTo(a.host, a.port, a.text);
    case "statusOf":
      return api.statusOf(a.ids);
    case "setDiscoverable":
      return api.setDiscoverable(a.on);
    case "history":
      return api.history(a.query);
    case "search":
      return api.search(a.query);
    case "conversations":
      return api.conversations();
    case "markRead":
      return api.markRead(a.peer, a.id);
    case "contacts":
      return api.contacts();
    case "addContact":
      return api.addContact(a.name, a.address, a.opts);
    case "removeContact":
      return api.removeContact(a.name, a.opts);
    case "setBlocked":
      return api.setBlocked(a.name, a.blocked);
    case "pinContact":
      return api.pinContact(a.name, a.id, a.opts);
    case "setContact":
      return api.setContact(a.name, a.opts ?? {});
    case "requests":
      return api.requests();
    case "acceptRequest":
      return api.acceptRequest(a.id, a.as);
    case "rejectRequest":
      return api.rejectRequest(a.id);
    case "blockRequest":
      return api.blockRequest(a.id);
    case "cancel":
      return api.cancel(a.ids);
    case "cancelTo":
      return api.cancelTo(a.name);
    case "createInvite":
      return api.createInvite(a.opts);
    case "addInvite":
      return api.addInvite(a.text, a.name);
    case "addNearby":
      return api.addNearby(a.id, a.name);
    case "nearby":
      return api.nearby();
    case "groups":
      return api.groups();
    case "groupCreate":
      return api.groupCreate(a.name, Array.isArray(a.members) ? a.members : []);
    case "groupAdd":
      return api.groupAdd(a.group, a.contact);
    case "groupRemove":
      return api.groupRemove(a.group, a.member);
    case "groupLeave":
      return api.groupLeave(a.group);
    case "groupMembers":
      return api.groupMembers(a.group);
    case "subscribe":
      if (!s.data.unsubscribe) s.data.unsubscribe = api.node.on((event) => send(s, { event }));
      return true;
  }
}
