// NAT-PMP (RFC 6886) over node:dgram: ask the gateway for its public address
// and for a TCP port mapping. Packets are built and read by pure functions;
// NatPmpClient sends one request at a time to GATEWAY:5351 and retransmits
// at 250 ms, doubling, as the RFC says (fewer tries than its nine).
import dgram from "node:dgram";
import { ReachError } from "../reach-error.ts";

export const NATPMP_PORT = 5351;
/** NAT-PMP replies are 12 or 16 bytes (PCP's at most 1100): a larger datagram is not read. */
export const MAX_REPLY_BYTES = 1100;
const OP_EXTERNAL = 0;
const OP_MAP_TCP = 2;

const RESULTS: Record<number, string> = {
  1: "unsupported version",
  2: "not authorized or refused",
  3: "network failure",
  4: "out of resources",
  5: "unsupported opcode",
};

export interface ExternalAddressReply {
  epoch: number;
  address: string;
}

export interface MapReply {
  epoch: number;
  internalPort: number;
  externalPort: number;
  lifetime: number;
}

export function encodeExternalRequest(): Uint8Array {
  return new Uint8Array([0, OP_EXTERNAL]);
}

/** A TCP mapping request; lifetime 0 with external 0 removes the mapping. */
export function encodeMapRequest(internalPort: number, externalPort: number, lifetime: number): Uint8Array {
  const b = new Uint8Array(12);
  const v = new DataView(b.buffer);
  b[0] = 0;
  b[1] = OP_MAP_TCP;
  v.setUint16(4, internalPort);
  v.setUint16(6, externalPort);
  v.setUint32(8, lifetime);
  return b;
}

/** Reads a reply to `op`; throws ReachError for a refusal or a malformed packet. */
export function decodeReply(op: typeof OP_EXTERNAL, p: Uint8Array): ExternalAddressReply;
export function decodeReply(op: typeof OP_MAP_TCP, p: Uint8Array): MapReply;
export function decodeReply(op: number, p: Uint8Array): ExternalAddressReply | MapReply {
  const what = op === OP_EXTERNAL ? "NAT-PMP external address" : "NAT-PMP mapping";
  if (p.byteLength < 8 || p.byteLength > MAX_REPLY_BYTES || p[0] !== 0 || p[1] !== 128 + op) throw ReachError.badResponse(what, `unexpected packet of ${p.byteLength} bytes`);
  const v = new DataView(p.buffer, p.byteOffset, p.byteLength);
  const result = v.getUint16(2);
  if (result !== 0) throw ReachError.refused(what, result, RESULTS[result] ?? "unknown result code");
  const epoch = v.getUint32(4);
  if (op === OP_EXTERNAL) {
    if (p.byteLength < 12) throw ReachError.badResponse(what, "short packet");
    return { epoch, address: `${p[8]}.${p[9]}.${p[10]}.${p[11]}` };
  }
  if (p.byteLength < 16) throw ReachError.badResponse(what, "short packet");
  return { epoch, internalPort: v.getUint16(8), externalPort: v.getUint16(10), lifetime: v.getUint32(12) };
}

/** Whether a packet answers `request` (so that a late reply to an earlier request is skipped): the same op and, for a mapping, the same internal port. */
function answers(op: number, p: Uint8Array, request: Uint8Array): boolean {
  if (p.byteLength < 2 || p[0] !== 0 || p[1] !== 128 + op) return false;
  return op !== OP_MAP_TCP || p.byteLength < 10 || (p[8] === request[4] && p[9] === request[5]);
}

export class NatPmpClient {
  private socket: dgram.Socket | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private onPacket: ((p: Uint8Array) => void) | null = null;
  private onError: ((e: Error) => void) | null = null;

  /** `tries` sends, 250 ms apart and doubling (4: gives up after 3.75 s); `signal` ends a request early. */
  constructor(
    readonly gateway: string,
    private readonly tries = 4,
    private readonly signal?: AbortSignal,
  ) {}

  externalAddress(): Promise<ExternalAddressReply> {
    return this.request(OP_EXTERNAL, encodeExternalRequest()).then((p) => decodeReply(OP_EXTERNAL, p));
  }

  /**
   * Maps TCP `internalPort`, suggesting `externalPort`; the reply says which
   * port the gateway gave. Lifetime 0 removes the mapping, even after `signal`
   * has ended the client's other requests (a stop still cleans up).
   */
  map(internalPort: number, externalPort: number, lifetime: number): Promise<MapReply> {
    return this.request(OP_MAP_TCP, encodeMapRequest(internalPort, externalPort, lifetime), lifetime > 0).then((p) => decodeReply(OP_MAP_TCP, p));
  }

  close(): void {
    this.socket?.close();
    this.socket = null;
  }

  /** One request at a time: replies carry no request id. */
  private request(op: number, packet: Uint8Array, abortable = true): Promise<Uint8Array> {
    const next = this.queue.then(() => this.exchange(op, packet, abortable ? this.signal : undefined));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async exchange(op: number, packet: Uint8Array, signal: AbortSignal | undefined): Promise<Uint8Array> {
    signal?.throwIfAborted();
    const socket = await this.open();
    const { promise, resolve, reject } = Promise.withResolvers<Uint8Array>();
    const onAbort = () => reject(signal!.reason);
    signal?.addEventListener("abort", onAbort, { once: true });
    this.onPacket = (p) => answers(op, p, packet) && resolve(p);
    this.onError = (e) => reject((e as NodeJS.ErrnoException).code === "ECONNREFUSED" ? ReachError.noGateway(`nothing answers NAT-PMP at ${this.gateway}`) : e);
    let timer: ReturnType<typeof setTimeout> | undefined;
    let wait = 250;
    let total = 0;
    const send = (n: number) => {
      socket.send(packet, (e) => e && reject(e));
      if (n + 1 >= this.tries) {
        timer = setTimeout(() => reject(ReachError.timeout(`NAT-PMP request to ${this.gateway}`, total + wait)), wait);
      } else {
        timer = setTimeout(() => send(n + 1), wait);
      }
      total += wait;
      wait *= 2;
    };
    send(0);
    try {
      return await promise;
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      this.onPacket = this.onError = null;
    }
  }

  private async open(): Promise<dgram.Socket> {
    if (this.socket) return this.socket;
    const s = dgram.createSocket("udp4");
    // The socket is connected, so the kernel passes only the gateway's
    // datagrams; said again here, as a host on the LAN answering in the
    // gateway's place must never hand us an address or a port.
    s.on("message", (m, r) => {
      if (r.address === this.gateway && r.port === NATPMP_PORT && m.byteLength <= MAX_REPLY_BYTES) this.onPacket?.(new Uint8Array(m));
    });
    s.on("error", (e) => this.onError?.(e));
    await new Promise<void>((resolve, reject) => {
      s.once("error", reject);
      s.bind(0, () => s.connect(NATPMP_PORT, this.gateway, () => (s.off("error", reject), resolve())));
    });
    s.unref(); // a held mapping never keeps the process alive
    this.socket = s;
    return s;
  }
}
