// One authenticated, encrypted connection to a peer. TLS first, then the
// peer id from its certificate, then a hello each way, then messages, acks
// and keep-alives. The node decides (through LinkHandler) whom to accept.
import { createDecoder, encodeAck, encodeFrame, encodeMessages } from "../protocol/codec.ts";
import { isFileFrame } from "../protocol/files/file-frames.ts";
import { encodeGroupMessages } from "../protocol/groups/group-codec.ts";
import type { ChatMessage, FileFrame, Frame, GroupFrame, GroupMessageFrame, Hello, InviteAnswer } from "../protocol/messages.ts";
import { peerIdFromFingerprint, type PeerId } from "../protocol/peer-id.ts";
import { ProtocolError, type ProtocolErrorCode } from "../protocol/protocol-error.ts";
import { checkDeviceCert, type DeviceClaim } from "./device-proof.ts";
import type { ReachFrame } from "../protocol/reach-frames.ts";
import { WriteQueue } from "./writer.ts";

export type Direction = "in" | "out";
export type LinkState = "connecting" | "handshake" | "hello" | "deciding" | "open" | "closed";

export interface Refusal {
  code: ProtocolErrorCode;
  reason: string;
  /**
   * From verify(): greet, then say it in an error frame (else the connection
   * just closes before any frame). A blocked peer is told what a node that
   * stops tells its links, so it cannot tell the two apart; `note` is our own word.
   */
  frame?: boolean;
  note?: string;
}

export interface CloseInfo {
  /** Why we closed it, if we did. */
  local?: Refusal;
  /** What the peer said in its error frame, if it sent one. */
  remote?: Refusal;
  /** A socket or TLS error. */
  error?: Error;
}

/** What a link needs of its socket: a Bun TLS socket, or TLS over a relayed stream (stream-tls.ts). */
export interface LinkSocket {
  /** Bytes accepted (the rest waits for drain), or -1 once closed. */
  write(bytes: Uint8Array): number;
  end(): void;
  terminate(): void;
  getTLSVersion(): string | null;
  getPeerCertificate(): unknown;
  /** Our end's IP address (a TCP socket's; a relayed stream has none of its own). */
  readonly localAddress?: string;
}

/** What the node does with its links; `Ctx` is the node's own state for each (Link.ctx). */
export interface LinkHandler<Ctx = unknown> {
  /** TLS is up and the peer id known; runs before our hello goes out. Return a refusal to close. */
  verify(link: Link<Ctx>): Refusal | null;
  /** The peer's hello: call link.accept() or link.refuse(), now or later. */
  hello(link: Link<Ctx>, hello: Hello): void;
  messages(link: Link<Ctx>, messages: ChatMessage[]): void;
  acks(link: Link<Ctx>, ids: string[]): void;
  /** Our messages the peer will never store, and why (a refuse frame). */
  refused?(link: Link<Ctx>, ids: string[], code: ProtocolErrorCode, reason: string): void;
  /** Group frames, in the order they came (consecutive ones together). */
  group?(link: Link<Ctx>, frames: GroupFrame[]): void;
  /** File frames (offers, answers, wants, chunks), in the order they came. */
  files?(link: Link<Ctx>, frames: FileFrame[]): void;
  /** The inviter's answer to the token our hello presented. */
  inviteAnswer?(link: Link<Ctx>, answer: InviteAnswer): void;
  /** A hole-punching frame or a friend's relay offer (reach-frames.ts). */
  reach?(link: Link<Ctx>, frame: ReachFrame): void;
  /** Any frame whose type starts with "device-" (devices' and their sync's). */
  device?(link: Link<Ctx>, frame: Frame): void;
  /** The write queue emptied: room to send more. */
  writable(link: Link<Ctx>): void;
  /** Once per link, whatever the way it ended (also for a dial that never connected). */
  closed(link: Link<Ctx>, info: CloseInfo): void;
}

/**
 * What a link calls: the node's handler, and our hello, which the transport
 * adds (a method, as the handler's are, so that a Link<Ctx> is a Link of any
 * wider state: the parts that only send on it take a plain Link).
 */
export interface LinkSide<Ctx> extends LinkHandler<Ctx> {
  /** Our hello for this link, asked for when it goes out (the listen port and what we tell this peer may change). */
  ourHello(link: Link<Ctx>): Hello;
}

export interface LinkLimits {
  /** Dropped when TLS and both hellos are not done within this. */
  handshakeMs: number;
  /** A keep-alive goes out after this long without sending. */
  keepaliveMs: number;
  /** Dropped after this long without receiving anything. */
  idleTimeoutMs: number;
  /** Bytes queued for a slow reader before the link is dropped. */
  maxQueueBytes: number;
  /** Frames a peer may send before we have decided on its hello. */
  maxEarlyFrames: number;
}

export const DEFAULT_LIMITS: LinkLimits = {
  handshakeMs: 10_000,
  keepaliveMs: 15_000,
  idleTimeoutMs: 45_000,
  maxQueueBytes: 16 * 1024 * 1024,
  maxEarlyFrames: 10_000,
};

let nextLinkNo = 1;

export class Link<out Ctx = unknown> {
  readonly no = nextLinkNo++;
  state: LinkState = "connecting";
  socket: LinkSocket | null = null;
  /** How the link travels when not straight to the peer, e.g. "relay 203.0.113.5:22067" (status: "via relay ..."). */
  via: string | null = null;
  /** Straight to the peer over a hole punched through NAT (both ends dialed at once), not dialed or accepted. */
  punched = false;
  /** The identity the peer proved: its certificate's id, or the identity its device proof chains to. */
  peerId: PeerId | null = null;
  /** The peer's own certificate's id: its peer id, unless it is a device joined to an identity. */
  deviceId: PeerId | null = null;
  /** The peer's device proof, when its certificate carries one that holds. */
  device: DeviceClaim | null = null;
  /** The certificate the peer presented (DER). */
  certDer: Uint8Array | null = null;
  peerHello: Hello | null = null;
  readonly createdAt = Date.now();
  openedAt = 0;
  lastRecv = Date.now();
  lastSend = Date.now();
  private readonly queue: WriteQueue;
  private readonly decoder = createDecoder({ expectHello: true });
  private early: Frame[] = [];
  private closeInfo: CloseInfo = {};
  private closedReported = false;

  constructor(
    readonly direction: Direction,
    readonly remoteHost: string,
    readonly remotePort: number,
    private readonly handler: LinkSide<Ctx>,
    readonly limits: LinkLimits,
    /** The node's own state for this link, typed by the node (its handler reads it). */
    readonly ctx: Ctx,
  ) {
    this.queue = new WriteQueue(limits.maxQueueBytes);
  }

  /** Bytes of chat and control frames waiting (file chunks wait apart, behind them: bulkQueuedBytes). */
  get queuedBytes(): number {
    return this.queue.bytes;
  }

  /** Bytes of file chunks and manifest pieces waiting. */
  get bulkQueuedBytes(): number {
    return this.queue.bulkBytes;
  }

  get isOpen(): boolean {
    return this.state === "open";
  }

  get address(): string {
    return this.remoteHost.includes(":") ? `[${this.remoteHost}]:${this.remotePort}` : `${this.remoteHost}:${this.remotePort}`;
  }

  /** This end's IP address, or null (not connected yet, or relayed): a link from an address this machine lost is dead. */
  get localAddress(): string | null {
    return (this.via === null && this.socket?.localAddress) || null;
  }

  // --- called by the transport -------------------------------------------------

  attach(socket: LinkSocket): void {
    this.socket = socket;
    if (this.state === "closed") {
      socket.terminate();
      return;
    }
    this.state = "handshake";
  }

  onHandshake(socket: LinkSocket): void {
    if (this.state !== "handshake") return;
    const version = socket.getTLSVersion();
    if (version !== "TLSv1.3") return this.refuse("BAD_FRAME", `TLS ${version || "unknown"} refused: TLS 1.3 only`, false);
    const cert = socket.getPeerCertificate() as { fingerprint256?: string; raw?: Uint8Array } | null;
    if (!cert?.fingerprint256) return this.refuse("IDENTITY_MISMATCH", "the peer presented no certificate", false);
    this.deviceId = peerIdFromFingerprint(cert.fingerprint256);
    // A device of an identity is that identity, by the proof its certificate carries; a proof that does not hold is a forgery.
    this.certDer = cert.raw ? new Uint8Array(cert.raw) : null;
    const proof = this.certDer ? checkDeviceCert(this.certDer) : null;
    if (proof && !proof.ok) return this.refuse("IDENTITY_MISMATCH", `forged device certificate: ${proof.reason}`, false);
    this.device = proof?.claim ?? null;
    this.peerId = proof?.claim.peerId ?? this.deviceId;
    const refusal = this.handler.verify(this);
    if (refusal?.frame) {
      // As a node that stops just after greeting: our hello, then the error frame.
      this.state = "hello";
      this.write(encodeFrame(this.handler.ourHello(this)));
    }
    if (refusal) return this.refuse(refusal.code, refusal.reason, true, refusal.note);
    this.state = "hello";
    this.write(encodeFrame(this.handler.ourHello(this)));
  }

  onData(chunk: Uint8Array): void {
    if (this.state === "closed") return;
    this.lastRecv = Date.now();
    let frames: Frame[];
    try {
      frames = this.decoder.push(chunk);
    } catch (err) {
      if (err instanceof ProtocolError) return this.refuse(err.code, err.message);
      throw err;
    }
    if (frames.length > 0) this.dispatch(frames);
  }

  onDrain(): void {
    if (!this.socket) return;
    if (this.queue.drain(this.socket) && this.state === "open") this.handler.writable(this);
  }

  onClose(error?: Error): void {
    if (error && !this.closeInfo.error) this.closeInfo.error = error;
    this.state = "closed";
    if (this.closedReported) return;
    this.closedReported = true;
    this.early = [];
    this.handler.closed(this, this.closeInfo);
  }

  /** Keep-alives and deadlines; the transport calls this about once a second (with a shorter handshake deadline under a flood). */
  tick(now: number, handshakeMs = this.limits.handshakeMs): void {
    if (this.state === "closed") return;
    if (this.state !== "open") {
      if (now - this.createdAt > handshakeMs) this.refuse("HANDSHAKE_TIMEOUT", `no handshake within ${handshakeMs / 1000} s`);
      return;
    }
    if (now - this.lastRecv > this.limits.idleTimeoutMs) return this.refuse("KEEPALIVE_TIMEOUT", `nothing received for ${this.limits.idleTimeoutMs / 1000} s`);
    if (now - this.lastSend >= this.limits.keepaliveMs) this.write(encodeFrame({ type: "keepalive" }));
  }

  // --- called by the node ----------------------------------------------------------

  accept(): void {
    if (this.state !== "deciding") return;
    this.state = "open";
    this.openedAt = Date.now();
    const early = this.early;
    this.early = [];
    if (early.length > 0) this.dispatch(early);
  }

  /**
   * Says why in an error frame (when one can still be sent), then closes.
   * `note` is the reason as we record it, when it differs from what the peer is told.
   */
  refuse(code: ProtocolErrorCode, reason: string, sendFrame = true, note?: string): void {
    if (this.state === "closed") return;
    this.closeInfo.local ??= { code, reason: note ?? reason };
    const s = this.socket;
    if (!s) {
      this.onClose();
      return;
    }
    if (sendFrame && this.state !== "connecting" && this.state !== "handshake") {
      try {
        this.write(encodeFrame({ type: "error", code, reason }));
      } catch {
        // the reason could not be encoded: close anyway
      }
    }
    this.state = "closed";
    s.end();
    // A peer that never reads keeps our FIN queued: do not wait for it. Bun
    // (1.4) holds a TLS socket that was ended, on a path that went silent,
    // about 10 s more even through terminate(): the link is over for us now
    // (its in-flight messages go back to the queue, the redial is planned).
    setTimeout(() => {
      s.terminate();
      this.onClose();
    }, 2_000).unref();
  }

  /** Closes at once, without a word: for a connection still in TCP/TLS that must make room. */
  drop(code: ProtocolErrorCode, reason: string): void {
    if (this.state === "closed") return;
    this.closeInfo.local ??= { code, reason };
    this.state = "closed";
    if (this.socket) this.socket.terminate();
    else this.onClose();
  }

  sendMessages(msgs: readonly { id: string; created: number; body: string }[]): void {
    if (msgs.length > 0) this.write(encodeMessages(msgs));
  }

  sendAck(ids: readonly string[]): void {
    if (ids.length > 0) this.write(encodeAck(ids));
  }

  /** Tells the peer these messages of its will never be stored here (the link stays up). */
  sendRefuse(ids: readonly string[], code: ProtocolErrorCode, reason: string): void {
    if (ids.length > 0) this.write(encodeFrame({ type: "refuse", ids: [...ids], code, reason }));
  }

  /** Answers the invite token the peer's hello presented (admitted, or why not). */
  sendInviteAnswer(answer: InviteAnswer): void {
    this.write(encodeFrame({ type: "invite-answer", answer }));
  }

  /** A hole-punching frame or a relay offer: only to a peer whose hello lists the cap it needs. */
  sendReach(f: ReachFrame): void {
    this.write(encodeFrame(f));
  }

  /** A group frame other than messages (key, vector, want, fork). */
  sendGroup(f: GroupFrame): void {
    this.write(encodeFrame(f));
  }

  sendGroupMessages(msgs: readonly Omit<GroupMessageFrame, "type">[]): void {
    if (msgs.length > 0) this.write(encodeGroupMessages(msgs));
  }

  /** A device frame (devices' own, or their sync's): only to a peer whose hello lists the cap it needs. */
  sendDevice(f: Frame): void {
    this.write(encodeFrame(f));
  }

  /** A small file frame (offer, answer, want): with chat, ahead of any chunk. */
  sendFile(f: FileFrame): void {
    this.write(encodeFrame(f));
  }

  /** One encoded chunk or manifest frame: behind every chat frame waiting (writer.ts); `sent` once the socket took all of it. */
  sendBulk(frame: Uint8Array, sent?: () => void): void {
    this.write(frame, true, sent);
  }

  // --- internals ---------------------------------------------------------------------

  private write(bytes: Uint8Array, bulk = false, sent?: () => void): void {
    const s = this.socket;
    if (!s || this.state === "closed") return;
    this.lastSend = Date.now();
    if (!(bulk ? this.queue.sendBulk(s, bytes, sent) : this.queue.send(s, bytes))) {
      this.closeInfo.local ??= { code: "OVERLOADED", reason: `peer is not reading: over ${this.limits.maxQueueBytes} bytes queued` };
      this.state = "closed";
      s.terminate();
    }
  }

  private dispatch(frames: Frame[]): void {
    let batch: ChatMessage[] = [];
    let groups: GroupFrame[] = [];
    let files: FileFrame[] = [];
    const flush = () => {
      if (files.length > 0) {
        const f = files;
        files = [];
        this.handler.files?.(this, f);
      }
      if (batch.length > 0) {
        const b = batch;
        batch = [];
        this.handler.messages(this, b);
      }
      if (groups.length > 0) {
        const g = groups;
        groups = [];
        this.handler.group?.(this, g);
      }
    };
    for (let i = 0; i < frames.length; i++) {
      const f = frames[i]!;
      if (this.state === "closed") return;
      if (this.state === "deciding") {
        if (this.early.length + frames.length - i > this.limits.maxEarlyFrames) return this.refuse("OVERLOADED", "too many frames before the hello was accepted");
        this.early.push(...frames.slice(i));
        return;
      }
      if (isFileFrame(f)) {
        if (batch.length > 0 || groups.length > 0) flush();
        files.push(f);
        continue;
      }
      if (f.type.startsWith("device-")) {
        flush();
        this.handler.device?.(this, f);
        continue;
      }
      switch (f.type) {
        case "hello":
          this.peerHello = f;
          this.state = "deciding";
          this.handler.hello(this, f);
          break;
        case "message":
          if (groups.length > 0 || files.length > 0) flush();
          batch.push(f);
          break;
        case "group-key":
        case "group-vector":
        case "group-want":
        case "group-message":
        case "group-fork":
          if (batch.length > 0 || files.length > 0) flush();
          groups.push(f);
          break;
        case "ack":
          flush();
          this.handler.acks(this, f.ids);
          break;
        case "refuse":
          flush();
          this.handler.refused?.(this, f.ids, f.code, f.reason);
          break;
        case "keepalive":
          break;
        case "invite-answer":
          flush();
          this.handler.inviteAnswer?.(this, f.answer);
          break;
        case "punch-offer":
        case "punch-answer":
        case "punch-sync":
        case "punch-cancel":
        case "relay-offer":
          flush();
          this.handler.reach?.(this, f);
          break;
        case "error":
          flush();
          this.closeInfo.remote = { code: f.code, reason: f.reason };
          this.state = "closed";
          this.socket?.end();
          return;
      }
    }
    flush();
  }
}
