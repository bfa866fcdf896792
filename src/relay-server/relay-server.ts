// Our relay server, speaking relay protocol v1 like strelaysrv: one TCP
// port for both modes, told apart by the first byte (0x16 starts a TLS
// handshake: protocol mode; anything else: session mode). It keeps a bounded
// number of joined members and of sessions, rate-limits each session and all
// of them together, pings members and drops the silent, and forgets
// sessions nobody joins. It only ever copies bytes it cannot read.
import type { Socket, TCPSocketListener } from "bun";
import { isIP } from "node:net";
import { peerIdDigest, peerIdFromDigest, type PeerId } from "../protocol/peer-id.ts";
import type { Identity } from "../transport/identity.ts";
import { tlsOptions } from "../transport/tls.ts";
import { RelayDecoder } from "../reach/relay/decoder.ts";
import { encodeMessage, type RelayMessage } from "../reach/relay/protocol.ts";
import { RelayError, RESPONSE_CODE } from "../reach/relay/relay-error.ts";
import { eventHandlers, SocketStream, type SocketEvents } from "../reach/relay/socket-stream.ts";
import { DEFAULT_RELAY_PORT, formatRelayUri, type RelayAddress } from "../reach/relay/uri.ts";
import { MemberConn, type MemberHost } from "./server-member.ts";
import { RelaySession, TokenBucket, type SessionHost } from "./server-session.ts";

export interface ServerTimeouts {
  /** Joined members are pinged this often (strelaysrv -ping-interval). */
  pingMs: number;
  /** A member silent this long is dropped; so is a session idle this long (-network-timeout). */
  idleMs: number;
  /** A connection must join (or a session be joined by both sides) within this (-message-timeout). */
  joinMs: number;
  /** A new connection must send its first byte within this. */
  identifyMs: number;
}

export interface RelayServerOptions {
  identity: Identity;
  host?: string;
  port?: number;
  maxSessions?: number;
  maxMembers?: number;
  /** Bytes per second, per session and for all sessions together; null: unlimited. */
  sessionRate?: number | null;
  globalRate?: number | null;
  token?: string | null;
  timeouts?: Partial<ServerTimeouts>;
  /** What happens, for an operator's log (strelaysrv -debug): members, invitations, sessions. */
  onEvent?(e: RelayEvent): void;
}

export type RelayEvent =
  | { type: "joined"; id: PeerId; address: string }
  | { type: "left"; id: PeerId }
  | { type: "refused"; id: PeerId; why: "full" | "already" | "wrong-token" }
  | { type: "invited"; from: PeerId; to: PeerId }
  | { type: "not-found"; from: PeerId; to: PeerId }
  | { type: "ended"; from: PeerId; to: PeerId; bytes: number; ms: number | null };

export const DEFAULT_SERVER_TIMEOUTS: ServerTimeouts = { pingMs: 60_000, idleMs: 120_000, joinMs: 60_000, identifyMs: 5_000 };
export const DEFAULT_MAX_SESSIONS = 1_000;
export const DEFAULT_MAX_MEMBERS = 1_000;
/** Connections that have not yet said what they are, at once. */
const MAX_UNIDENTIFIED = 1_024;

export interface RelayStats {
  members: number;
  pendingSessions: number;
  activeSessions: number;
  bytesRelayed: number;
}

export class RelayServer implements MemberHost, SessionHost {
  readonly tls;
  readonly address: RelayAddress;
  private readonly listener: TCPSocketListener<SocketEvents>;
  private readonly members = new Map<PeerId, MemberConn>();
  private readonly conns = new Set<MemberConn>();
  private readonly sessions = new Set<RelaySession>();
  private readonly keys = new Map<string, RelaySession>();
  private readonly unidentified = new Map<Socket<SocketEvents>, number>();
  private readonly lastPing = new WeakMap<MemberConn, number>();
  private readonly global: TokenBucket | null;
  private readonly timer: ReturnType<typeof setInterval>;
  private readonly t: ServerTimeouts;
  private bytes = 0;

  private constructor(private readonly opts: RelayServerOptions) {
    const o = tlsOptions(opts.identity);
    this.tls = { key: o.key as string, cert: o.cert as string, secureOptions: o.secureOptions, minVersion: "TLSv1.3" as const };
    this.t = { ...DEFAULT_SERVER_TIMEOUTS, ...opts.timeouts };
    this.global = opts.globalRate ? new TokenBucket(opts.globalRate, opts.globalRate) : null;
    const host = opts.host ?? "0.0.0.0";
    try {
      this.listener = Bun.listen<SocketEvents>({ hostname: host, port: opts.port ?? DEFAULT_RELAY_PORT, socket: { ...eventHandlers, open: (s) => this.accepted(s) } });
    } catch (err) {
      const e = err as { code?: string; message?: string };
      const port = opts.port ?? DEFAULT_RELAY_PORT;
      const where = host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
      const why =
        e.code === "EADDRINUSE" || /in use/i.test(e.message ?? "")
          ? "the port is in use (another relay or program? pick another with --port)"
          : e.code === "EADDRNOTAVAIL" || /not available/i.test(e.message ?? "")
            ? "no such address on this machine"
            : (e.message ?? String(err));
      throw new RelayError("LISTEN_FAILED", `cannot listen on ${where}: ${why}`, { cause: err });
    }
    this.address = { host: this.listener.hostname, port: this.listener.port, id: opts.identity.peerId, token: opts.token ?? null };
    this.timer = setInterval(() => this.tick(), Math.max(10, Math.min(1_000, this.t.pingMs / 4, this.t.joinMs / 4, this.t.identifyMs / 4)));
  }

  static start(opts: RelayServerOptions): RelayServer {
    return new RelayServer(opts);
  }

  /** relay://HOST:PORT/?id=ID: what members and dialers are given. */
  get uri(): string {
    return formatRelayUri(this.address);
  }

  stats(): RelayStats {
    let active = 0;
    for (const s of this.sessions) if (s.active) active++;
    return { members: this.members.size, pendingSessions: this.sessions.size - active, activeSessions: active, bytesRelayed: this.bytes };
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    for (const s of [...this.sessions]) s.close();
    for (const c of [...this.conns]) c.close();
    this.listener.stop(true);
  }

  [Symbol.asyncDispose] = (): Promise<void> => this.stop();

  // --- connections ---------------------------------------------------------------------

  private accepted(s: Socket<SocketEvents>): void {
    if (this.unidentified.size >= MAX_UNIDENTIFIED) return void s.terminate();
    this.unidentified.set(s, performance.now());
    s.data = {
      data: (sock, chunk) => {
        this.unidentified.delete(sock);
        if (chunk[0] === 0x16) this.protocolMode(sock, chunk);
        else this.sessionMode(sock, chunk);
      },
      drain() {},
      close: (sock) => void this.unidentified.delete(sock),
    };
  }

  private protocolMode(s: Socket<SocketEvents>, first: Uint8Array): void {
    this.conns.add(new MemberConn(new SocketStream(s, first), this));
  }

  private sessionMode(s: Socket<SocketEvents>, first: Uint8Array): void {
    const decoder = new RelayDecoder();
    const opened = performance.now();
    const refuse = (m: RelayMessage) => {
      s.write(encodeMessage(m));
      s.end();
    };
    const handler: SocketEvents = {
      data: (sock, chunk) => {
        let m: RelayMessage | null;
        try {
          decoder.feed(chunk);
          m = decoder.next();
        } catch {
          return void sock.terminate();
        }
        if (!m) return;
        this.unidentified.delete(sock);
        if (m.type !== "joinSessionRequest") return refuse({ type: "response", code: RESPONSE_CODE.unexpectedMessage, message: "unexpected message" });
        const k = Buffer.from(m.key).toString("hex");
        const session = this.keys.get(k);
        if (!session) return refuse({ type: "response", code: RESPONSE_CODE.notFound, message: "not found" });
        this.keys.delete(k);
        sock.write(encodeMessage({ type: "response", code: RESPONSE_CODE.success, message: "success" }));
        session.join(sock, decoder.rest());
      },
      drain() {},
      close: (sock) => void this.unidentified.delete(sock),
    };
    s.data = handler;
    this.unidentified.set(s, opened); // until its JoinSessionRequest is whole
    handler.data(s, first);
  }

  // --- MemberHost ----------------------------------------------------------------------

  join(m: MemberConn, token: string): "ok" | "full" | "already" | "wrong-token" {
    const id = m.id!;
    const refused = (why: "full" | "already" | "wrong-token") => (this.opts.onEvent?.({ type: "refused", id, why }), why);
    if (this.opts.token && token !== this.opts.token) return refused("wrong-token");
    if (this.members.has(id)) return refused("already");
    if (this.members.size >= (this.opts.maxMembers ?? DEFAULT_MAX_MEMBERS)) return refused("full");
    this.members.set(id, m);
    this.lastPing.set(m, performance.now());
    this.opts.onEvent?.({ type: "joined", id, address: m.address });
    return "ok";
  }

  leave(m: MemberConn): void {
    if (this.members.get(m.id!) !== m) return;
    this.members.delete(m.id!);
    this.opts.onEvent?.({ type: "left", id: m.id! });
    // Like strelaysrv: the member went away, so its sessions end now and the other side notices at once.
    for (const s of [...this.sessions]) if (s.active && s.involves(m.id!)) s.close();
  }

  connect(from: PeerId, to: Uint8Array): RelayMessage | "not-found" | "full" {
    const toId = peerIdFromDigest(to);
    const member = this.members.get(toId);
    if (!member) {
      this.opts.onEvent?.({ type: "not-found", from, to: toId });
      return "not-found";
    }
    if (this.sessions.size >= (this.opts.maxSessions ?? DEFAULT_MAX_SESSIONS)) return "full";
    const rate = this.opts.sessionRate;
    const session = new RelaySession(toId, from, this, rate ? new TokenBucket(rate, rate) : null);
    this.sessions.add(session);
    this.keys.set(Buffer.from(session.serverKey).toString("hex"), session);
    this.keys.set(Buffer.from(session.clientKey).toString("hex"), session);
    const address = this.sessionAddress();
    member.send({ type: "sessionInvitation", from: peerIdDigest(from), key: session.serverKey, address, port: this.address.port, serverSocket: true });
    this.opts.onEvent?.({ type: "invited", from, to: toId });
    return { type: "sessionInvitation", from: to, key: session.clientKey, address, port: this.address.port, serverSocket: false };
  }

  closed = (m: MemberConn): void => void this.conns.delete(m);

  // --- SessionHost ---------------------------------------------------------------------

  allow(session: RelaySession, bytes: number): number {
    const n = Math.min(bytes, session.bucket?.available() ?? bytes, this.global?.available() ?? bytes);
    if (n > 0) {
      session.bucket?.take(n);
      this.global?.take(n);
    }
    return n;
  }

  waitMs(session: RelaySession, bytes: number): number {
    return Math.max(session.bucket?.waitFor(bytes) ?? 0, this.global?.waitFor(bytes) ?? 0);
  }

  relayed = (bytes: number): void => void (this.bytes += bytes);

  ended(session: RelaySession): void {
    if (!this.sessions.has(session)) return;
    this.sessions.delete(session);
    const ms = session.startedAt === null ? null : Math.round(performance.now() - session.startedAt);
    this.opts.onEvent?.({ type: "ended", from: session.clientId, to: session.serverId, bytes: session.bytes, ms });
    this.keys.delete(Buffer.from(session.serverKey).toString("hex"));
    this.keys.delete(Buffer.from(session.clientKey).toString("hex"));
  }

  // --- timers --------------------------------------------------------------------------

  /** The IP clients join sessions at: ours when we listen on one, else none (they use the IP they reached us at). */
  private sessionAddress(): Uint8Array {
    const h = this.address.host;
    if (isIP(h) === 4 && h !== "0.0.0.0") return Uint8Array.from(h.split(".").map(Number));
    return new Uint8Array(0);
  }

  private tick(): void {
    const now = performance.now();
    for (const [s, since] of this.unidentified) if (now - since > this.t.identifyMs) (this.unidentified.delete(s), s.terminate());
    for (const c of this.conns) {
      if (!c.joined) {
        if (now - c.opened > this.t.joinMs) c.close();
        continue;
      }
      if (now - c.lastHeard > this.t.idleMs) c.close();
      else if (now - (this.lastPing.get(c) ?? 0) >= this.t.pingMs) (this.lastPing.set(c, now), c.send({ type: "ping" }));
    }
    for (const s of this.sessions) {
      if (!s.active && now - s.created > this.t.joinMs) s.close();
      else if (s.active && now - s.lastActive > this.t.idleMs) s.close();
    }
  }
}
