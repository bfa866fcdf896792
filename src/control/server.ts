// The control socket of a running `serve`: newline-delimited JSON requests
// from commands on the same machine and home (owner-only permissions; on
// Windows a named pipe, see pipe-name.ts), and the node's events for those
// that subscribe.
import type { Socket, UnixSocketListener } from "bun";
import { chmodSync, existsSync, unlinkSync } from "node:fs";
import { NodeError } from "../domain/node-error.ts";
import type { ChatNode } from "../node/node.ts";
import { childLogger } from "../log.ts";
import { lineString, LineSplitter } from "../transport/lines.ts";
import { WriteQueue } from "../transport/writer.ts";
import { isOpName, runRequest } from "./ops.ts";
import { newControlPath, socketProblem, stat } from "./path.ts";
import { forgetPipe, recordPipe } from "./pipe-name.ts";
import { probeControl } from "./client.ts";
import { SUBSCRIBE, type Request, type Response } from "./wire.ts";

const log = childLogger("control");

/** A control client that stops reading is dropped past this. */
const MAX_QUEUE = 64 * 1024 * 1024;
/** A request line longer than this is refused (a message body is at most 64 KiB). */
const MAX_LINE = 1024 * 1024;

interface Conn {
  lines: LineSplitter;
  queue: WriteQueue;
  unsubscribe: (() => void) | null;
}

export class ControlServer {
  private constructor(
    private readonly listener: UnixSocketListener<Conn>,
    private readonly home: string,
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
    const windows = process.platform === "win32";
    const path = newControlPath(home);
    const st = windows ? null : stat(path);
    if (st && st.uid !== process.getuid?.()) {
      throw new NodeError("UNSAFE_CONTROL", `cannot start: ${path} is in the way and ${socketProblem(st)}. Check who made it, and remove it`);
    }
    // Windows: the pipe's name is new, and the home's lock, which this process holds, says no other serve runs here.
    if (!windows && (await probeControl(path))) {
      throw new NodeError("ALREADY_RUNNING", `a p2pchat serve is already running for ${home} (its control socket ${path} answers)`);
    }
    if (!windows && existsSync(path)) {
      log.debug(`removing stale control socket ${path}`);
      unlinkSync(path);
    }
    const conns = new Set<Socket<Conn>>();
    const old = process.umask(0o177); // the socket is created owner-only
    let listener: UnixSocketListener<Conn>;
    try {
      listener = Bun.listen<Conn>({
        unix: path,
        socket: {
          open(s) {
            s.data = { lines: new LineSplitter(MAX_LINE), queue: new WriteQueue(MAX_QUEUE), unsubscribe: null };
            conns.add(s);
          },
          data(s, chunk) {
            for (const line of s.data.lines.push(chunk)) {
              if (line.cut) return void s.end();
              const text = lineString(line);
              if (text.trim()) void handle(s, text, node);
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
    if (windows) recordPipe(home, path);
    else chmodSync(path, 0o600);
    return new ControlServer(listener, home, path, conns);
  }

  /** Stops; attached commands are told `reason` first (they print it), then disconnected. */
  stop(reason?: string): void {
    if (reason) for (const s of this.conns) send(s, { event: { type: "stopped", reason } });
    for (const s of this.conns) s.end();
    this.listener.stop(true);
    if (process.platform === "win32") forgetPipe(this.home, this.path);
    else if (existsSync(this.path)) {
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

async function handle(s: Socket<Conn>, line: string, node: ChatNode): Promise<void> {
  let req: Request;
  try {
    req = JSON.parse(line);
    if (typeof req?.id !== "number" || (req.op !== SUBSCRIBE && !isOpName(req.op))) throw new Error("bad request");
  } catch {
    send(s, { id: -1, ok: false, error: { code: "CONTROL_FAILED", message: "bad request" } });
    return;
  }
  try {
    const result = await dispatch(s, req, node);
    send(s, { id: req.id, ok: true, result: result ?? null } satisfies Response);
  } catch (err) {
    const code = err instanceof NodeError ? err.code : "CONTROL_FAILED";
    send(s, { id: req.id, ok: false, error: { code, message: (err as Error).message ?? String(err) } } satisfies Response);
  }
}

/** Runs a request: an operation of the table, its arguments checked first, or a subscribe. */
function dispatch(s: Socket<Conn>, req: Request, node: ChatNode): Promise<unknown> | true {
  if (req.op === SUBSCRIBE) {
    if (!s.data.unsubscribe) s.data.unsubscribe = node.on((event) => send(s, { event }));
    return true;
  }
  return runRequest(node, req.op, req.args);
}
