// TCP simultaneous open: both ends dial each other at the same moment, each
// from the local port it told the other, so that each one's SYN leaves
// through its own NAT (opening the mapping there) before, or while, the
// other's arrives. A port-preserving NAT maps our port P to P, so `public
// IP:P` is where the peer dials; each kernel then sees a SYN from the very
// address it is dialing and the two connects meet in one connection.
//
// Why a fresh port and not the listening port (as the issue first hoped):
// binding a connecting socket to a port a listener holds needs SO_REUSEPORT
// on both, and Bun 1.4 sets only SO_REUSEADDR on a node:net client socket
// (Bun.connect ignores localPort altogether): connect() then fails with
// EADDRINUSE. A fresh port per attempt needs neither.
//
// A SYN that arrives before the other end's own SYN has left is dropped by
// a home router's firewall (the kernel sends it again a second later, and
// it then finds the way open), or refused by a router or host that answers
// with a reset: that connect fails at once, and is tried again from the
// same port after a short random pause until the deadline.
import * as net from "node:net";
import { formatHostPort } from "../../domain/host-port.ts";
import { ReachError } from "../reach-error.ts";

export interface Endpoint {
  host: string;
  port: number;
}

export interface OpenOptions {
  /** The port we told the peer we dial from. */
  localPort: number;
  /** The peer's candidates, dialed all at once. */
  targets: readonly Endpoint[];
  /** Give up after this long. */
  timeoutMs: number;
  /** Pause before dialing a refused target again: a random number of ms in [min, max]. */
  retryMs?: [number, number];
  signal?: AbortSignal;
  random?: () => number;
}

export interface Opened {
  socket: net.Socket;
  remote: Endpoint;
}

const DEFAULT_RETRY: [number, number] = [20, 120];

/** Dials every target from `localPort` until one connects (the others are dropped); rejects with TIMEOUT or ABORTED. */
export function openSimultaneously(o: OpenOptions): Promise<Opened> {
  const done = Promise.withResolvers<Opened>();
  const [min, max] = o.retryMs ?? DEFAULT_RETRY;
  const random = o.random ?? Math.random;
  const sockets = new Set<net.Socket>();
  const timers = new Set<ReturnType<typeof setTimeout>>();
  let settled = false;
  let lastError = "no answer";
  const finish = (r: Opened | ReachError) => {
    if (settled) return;
    settled = true;
    clearTimeout(deadline);
    o.signal?.removeEventListener("abort", onAbort);
    for (const t of timers) clearTimeout(t);
    for (const s of sockets) s.destroy(); // the winner has left the set already
    if (r instanceof ReachError) done.reject(r);
    else done.resolve(r);
  };
  const where = o.targets.map((t) => formatHostPort(t.host, t.port)).join(", ");
  const deadline = setTimeout(() => finish(new ReachError("PUNCH_FAILED", `no direct connection to ${where} from port ${o.localPort} within ${o.timeoutMs / 1000} s (${lastError})`)), o.timeoutMs);
  const onAbort = () => finish(new ReachError("ABORTED", `punching a hole to ${where}: given up`));
  o.signal?.addEventListener("abort", onAbort, { once: true });
  if (o.signal?.aborted) onAbort();
  const dial = (t: Endpoint) => {
    if (settled) return;
    const v6 = t.host.includes(":");
    const s = net.connect({ host: t.host, port: t.port, localPort: o.localPort, localAddress: v6 ? "::" : "0.0.0.0", noDelay: true });
    sockets.add(s);
    s.once("connect", () => {
      sockets.delete(s);
      s.removeAllListeners("error");
      if (settled) return void s.destroy();
      finish({ socket: s, remote: t });
    });
    s.once("error", (err: Error & { code?: string }) => {
      sockets.delete(s);
      s.destroy();
      lastError = err.code ?? err.message;
      if (settled) return;
      // Refused (a reset: the other SYN had not left yet), or the port still held a moment: again, soon.
      const t2 = setTimeout(() => (timers.delete(t2), dial(t)), min + Math.floor(random() * Math.max(0, max - min)));
      timers.add(t2);
    });
  };
  if (o.targets.length === 0) finish(new ReachError("PUNCH_FAILED", "no address to punch a hole to"));
  for (const t of o.targets) dial(t);
  return done.promise;
}

/** A local port free now for IPv4 and IPv6 alike where the machine has both (the OS picks it), for one punching attempt. */
export async function freePort(): Promise<number> {
  for (const host of ["::", "0.0.0.0"]) {
    const server = net.createServer();
    const ok = await new Promise<boolean>((resolve) => {
      server.once("error", () => resolve(false));
      server.listen({ host, port: 0, exclusive: true }, () => resolve(true));
    });
    if (!ok) continue;
    const port = (server.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    return port;
  }
  throw new ReachError("PUNCH_FAILED", "no free local port to punch a hole from");
}
