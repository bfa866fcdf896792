// Talks to the `serve` running for this home through its control socket,
// after checking that the socket is our own serve's (ours, 0600), and takes
// only replies of the shape each operation promises.
import type { Socket } from "bun";
import { NodeError, type NodeErrorCode } from "../domain/node-error.ts";
import { lineString, LineSplitter } from "../transport/lines.ts";
import { WriteQueue } from "../transport/writer.ts";
import type { NodeApi, NodeEvent } from "./api.ts";
import { OpMethods } from "./methods.ts";
import { wireArgs } from "./op.ts";
import { OPS, type OpName } from "./ops.ts";
import { controlPath, socketProblem, stat } from "./path.ts";
import type { Shape } from "./shape.ts";
import { SUBSCRIBE, SUBSCRIBED } from "./wire.ts";

/** Requests the serve has not read yet; a serve that stops reading fails the command past this. */
const MAX_QUEUE = 64 * 1024 * 1024;

interface ClientState {
  lines: LineSplitter;
  onLine: (line: string) => void;
  onClose: () => void;
  onDrain: () => void;
}

type Waiter = { op: string; reply: Shape<unknown>; resolve: (v: unknown) => void; reject: (e: unknown) => void };

/** True when something answers on `path` (a running serve); false for no file or a stale one. */
export async function probeControl(path: string): Promise<boolean> {
  try {
    const s = await Bun.connect({ unix: path, socket: { data() {}, error() {} } });
    s.end();
    return true;
  } catch {
    return false;
  }
}

export class ControlClient extends OpMethods implements NodeApi {
  readonly remote = true;
  private nextId = 1;
  private readonly waiters = new Map<number, Waiter>();
  private readonly listeners = new Set<(e: NodeEvent) => void>();
  private subscribed = false;
  private closed = false;
  /** socket.write() takes what fits: a long request goes out in parts, on drain. */
  private readonly queue = new WriteQueue(MAX_QUEUE);

  private constructor(private readonly socket: Socket<ClientState>) {
    super();
    socket.data.onLine = (line) => this.onLine(line);
    socket.data.onClose = () => this.onClose();
    socket.data.onDrain = () => void this.queue.drain(socket as Socket<unknown>);
  }

  /**
   * The running serve's client, or null when none runs for `home`. Throws
   * UNSAFE_CONTROL for a socket that another user made or could use: what
   * we would send it (messages, contacts) is not for them.
   */
  static async connect(home: string): Promise<ControlClient | null> {
    const path = controlPath(home);
    if (!path) return null; // Windows: no serve recorded a pipe, or it died since
    if (process.platform !== "win32") {
      // A named pipe has no file to check; a unix socket must be our serve's.
      const st = stat(path);
      if (!st) return null;
      const problem = socketProblem(st);
      if (problem && st.isSocket()) {
        throw new NodeError("UNSAFE_CONTROL", `refusing to talk to the control socket ${path}: ${problem}. Your serve did not make it; check who did, and remove it`);
      }
      if (problem) return null; // not a socket: no serve (the next serve replaces it)
    }
    let socket: Socket<ClientState>;
    try {
      socket = await Bun.connect<ClientState>({
        unix: path,
        data: { lines: new LineSplitter(), onLine: () => {}, onClose: () => {}, onDrain: () => {} },
        socket: {
          data(s, chunk) {
            for (const line of s.data.lines.push(chunk)) s.data.onLine(lineString(line));
          },
          drain(s) {
            s.data.onDrain();
          },
          close(s) {
            s.data.onClose();
          },
          error(s) {
            s.data.onClose();
          },
        },
      });
    } catch {
      return null;
    }
    return new ControlClient(socket);
  }

  private onLine(line: string): void {
    let msg: { id?: unknown; ok?: unknown; result?: unknown; error?: { code?: unknown; message?: unknown }; event?: NodeEvent };
    try {
      msg = JSON.parse(line);
    } catch {
      return this.fail("a line that is not JSON");
    }
    if (typeof msg !== "object" || msg === null) return this.fail("a line that is not an object");
    if (msg.event !== undefined) {
      if (typeof msg.event !== "object" || msg.event === null || typeof msg.event.type !== "string") return this.fail("an event without a type");
      for (const l of this.listeners) l(msg.event);
      return;
    }
    const w = typeof msg.id === "number" ? this.waiters.get(msg.id) : undefined;
    if (!w) return this.fail(`a reply to no request (id ${JSON.stringify(msg.id)})`);
    this.waiters.delete(msg.id as number);
    if (msg.ok === true) {
      const problem = w.reply.problem(msg.result);
      if (problem) w.reject(new NodeError("CONTROL_FAILED", `the serve's reply to "${w.op}" is not what a serve answers (${problem}); nothing was assumed`));
      else w.resolve(msg.result);
    } else {
      const code = typeof msg.error?.code === "string" ? msg.error.code : "CONTROL_FAILED";
      const message = typeof msg.error?.message === "string" ? msg.error.message : "the serve refused the request";
      w.reject(new NodeError(code as NodeErrorCode, message));
    }
  }

  /** The other end does not speak our control protocol: fail what waits, and stop. */
  private fail(what: string): void {
    const err = new NodeError("CONTROL_FAILED", `the control socket answered with ${what}: not a p2pchat serve`);
    for (const w of this.waiters.values()) w.reject(err);
    this.waiters.clear();
    if (this.closed) return;
    this.closed = true;
    this.socket.terminate();
    for (const l of this.listeners) l({ type: "stopped", reason: err.message });
  }

  private onClose(): void {
    if (this.closed) return;
    this.closed = true;
    for (const w of this.waiters.values()) w.reject(new NodeError("NOT_RUNNING", "the serve stopped"));
    this.waiters.clear();
    // Not closed by us: whoever listens must learn that nothing more will come.
    for (const l of this.listeners) l({ type: "stopped", reason: "the node this command was attached to stopped" });
  }

  protected invoke(name: OpName, values: readonly unknown[]): Promise<unknown> {
    const o = OPS[name];
    return this.call(name, o.reply, wireArgs(o, values));
  }

  private call(op: string, reply: Shape<unknown>, args?: Record<string, unknown>): Promise<unknown> {
    if (this.closed) return Promise.reject(new NodeError("NOT_RUNNING", "the serve stopped"));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiters.set(id, { op, reply, resolve, reject });
      if (!this.queue.send(this.socket as Socket<unknown>, Buffer.from(JSON.stringify({ id, op, args }) + "\n"))) {
        this.waiters.delete(id);
        reject(new NodeError("CONTROL_FAILED", `the serve is not reading its control socket (over ${MAX_QUEUE} bytes wait)`));
      }
    });
  }

  async subscribe(listener: (event: NodeEvent) => void): Promise<() => void> {
    this.listeners.add(listener);
    if (!this.subscribed) {
      this.subscribed = true;
      await this.call(SUBSCRIBE, SUBSCRIBED);
    }
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.socket.end();
  }
}
