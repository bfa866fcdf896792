// Talks to the `serve` running for this home through its control socket.
import type { Socket } from "bun";
import type { AddContactOptions } from "../node/address-book.ts";
import { NodeError, type NodeErrorCode } from "../node/errors.ts";
import type {
  AcceptedRequest,
  CancelOutcome,
  Contact,
  HistoryEntry,
  HistoryQuery,
  Invite,
  NodeApi,
  NodeEvent,
  NodeStatus,
  Op,
  OutStatus,
  PeerRequest,
  SearchQuery,
  SendResult,
  SetContactOptions,
} from "./api.ts";
import { controlPath } from "./path.ts";

interface ClientState {
  buf: string;
  onLine: (line: string) => void;
  onClose: () => void;
}

type Waiter = { resolve: (v: unknown) => void; reject: (e: unknown) => void };

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

export class ControlClient implements NodeApi {
  readonly remote = true;
  private nextId = 1;
  private readonly waiters = new Map<number, Waiter>();
  private readonly listeners = new Set<(e: NodeEvent) => void>();
  private subscribed = false;
  private closed = false;

  private constructor(private readonly socket: Socket<ClientState>) {
    socket.data.onLine = (line) => this.onLine(line);
    socket.data.onClose = () => this.onClose();
  }

  /** The running serve's client, or null when none runs for `home`. */
  static async connect(home: string): Promise<ControlClient | null> {
    const path = controlPath(home);
    let socket: Socket<ClientState>;
    try {
      socket = await Bun.connect<ClientState>({
        unix: path,
        data: { buf: "", onLine: () => {}, onClose: () => {} },
        socket: {
          data(s, chunk) {
            s.data.buf += chunk.toString();
            let nl: number;
            while ((nl = s.data.buf.indexOf("\n")) >= 0) {
              const line = s.data.buf.slice(0, nl);
              s.data.buf = s.data.buf.slice(nl + 1);
              s.data.onLine(line);
            }
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
    let msg: { id?: number; ok?: boolean; result?: unknown; error?: { code: string; message: string }; event?: NodeEvent };
    try {
      msg = JSON.parse(line);
    } catch {
      return;
    }
    if (msg.event) {
      for (const l of this.listeners) l(msg.event);
      return;
    }
    const w = msg.id !== undefined ? this.waiters.get(msg.id) : undefined;
    if (!w) return;
    this.waiters.delete(msg.id!);
    if (msg.ok) w.resolve(msg.result);
    else w.reject(new NodeError((msg.error?.code ?? "CONTROL_FAILED") as NodeErrorCode, msg.error?.message ?? "the serve refused the request"));
  }

  private onClose(): void {
    if (this.closed) return;
    this.closed = true;
    for (const w of this.waiters.values()) w.reject(new NodeError("NOT_RUNNING", "the serve stopped"));
    this.waiters.clear();
    // Not closed by us: whoever listens must learn that nothing more will come.
    for (const l of this.listeners) l({ type: "stopped", reason: "the serve this command was attached to stopped" });
  }

  private call<T>(op: Op, args?: Record<string, unknown>): Promise<T> {
    if (this.closed) return Promise.reject(new NodeError("NOT_RUNNING", "the serve stopped"));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.waiters.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.socket.write(JSON.stringify({ id, op, args }) + "\n");
    });
  }

  status() {
    return this.call<NodeStatus>("status");
  }
  send(peer: string, text: string) {
    return this.call<SendResult>("send", { peer, text });
  }
  sendTo(host: string, port: number, text: string) {
    return this.call<SendResult>("sendTo", { host, port, text });
  }
  statusOf(ids: readonly string[]) {
    return this.call<Record<string, OutStatus>>("statusOf", { ids });
  }
  setDiscoverable(on: boolean) {
    return this.call<void>("setDiscoverable", { on });
  }
  history(query: HistoryQuery) {
    return this.call<HistoryEntry[]>("history", { query });
  }
  search(query: SearchQuery) {
    return this.call<HistoryEntry[]>("search", { query });
  }
  contacts() {
    return this.call<Contact[]>("contacts");
  }
  addContact(name: string, address: string, opts?: AddContactOptions) {
    return this.call<Contact>("addContact", { name, address, opts });
  }
  removeContact(name: string, opts?: { dropPending?: boolean }) {
    return this.call<{ cancelled: number }>("removeContact", { name, opts });
  }
  setBlocked(name: string, blocked: boolean) {
    return this.call<Contact>("setBlocked", { name, blocked });
  }
  pinContact(name: string, id: string) {
    return this.call<{ contact: Contact; moved: number }>("pinContact", { name, id });
  }
  setContact(name: string, opts: SetContactOptions) {
    return this.call<Contact>("setContact", { name, opts });
  }
  requests() {
    return this.call<PeerRequest[]>("requests");
  }
  acceptRequest(id: string, as?: string) {
    return this.call<AcceptedRequest>("acceptRequest", { id, as });
  }
  rejectRequest(id: string) {
    return this.call<PeerRequest>("rejectRequest", { id });
  }
  blockRequest(id: string) {
    return this.call<PeerRequest>("blockRequest", { id });
  }
  cancel(ids: readonly string[]) {
    return this.call<CancelOutcome[]>("cancel", { ids });
  }
  cancelTo(name: string) {
    return this.call<CancelOutcome[]>("cancelTo", { name });
  }
  createInvite(opts: { uses: number; expiresMs: number }) {
    return this.call<{ text: string; invite: Invite }>("createInvite", { opts });
  }
  addInvite(text: string, name?: string) {
    return this.call<{ contact: Contact; renamed: boolean; known: boolean }>("addInvite", { text, name });
  }

  async subscribe(listener: (event: NodeEvent) => void): Promise<() => void> {
    this.listeners.add(listener);
    if (!this.subscribed) {
      this.subscribed = true;
      await this.call("subscribe");
    }
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.socket.end();
  }
}
