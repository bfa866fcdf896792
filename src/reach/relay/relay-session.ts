// Temporary mode and session mode (Syncthing lib/relay/client/methods.go):
// ask a relay for a session with a peer that is joined to it, then join a
// session with the key from an invitation. What comes back is a plain byte
// stream to the peer, relayed; the caller runs TLS over it (the relay sees
// ciphertext) and the peer id pin decides who is on the other end.
import { peerIdDigest, peerIdFromDigest, type PeerId } from "../../protocol/peer-id.ts";
import type { Identity } from "../../transport/identity.ts";
import { isLoopbackHost, wireHostProblem } from "../net/wire-address.ts";
import { RELAY_TIMEOUT_MS, RelayChannel, type ChannelOptions } from "./channel.ts";
import { RelayDecoder } from "./decoder.ts";
import { encodeMessage } from "./protocol.ts";
import { RelayError } from "./relay-error.ts";
import { eventHandlers, SocketStream, type SocketEvents } from "./socket-stream.ts";
import { relayHostPort, type RelayAddress } from "./uri.ts";

export interface Invitation {
  /** Who the relay says is on the other end (a hint: the TLS pin decides). */
  from: PeerId;
  /** The session key, for JoinSessionRequest. */
  key: Uint8Array;
  /** Where to join the session. */
  host: string;
  port: number;
  /** True: run the TLS server side over the session; false: the client side. */
  serverSocket: boolean;
  /** The relay that made it. */
  relay: RelayAddress;
}

/** An invitation from the relay's SessionInvitation; an empty or unspecified address means the relay's own IP. */
export function invitationFrom(
  m: { from: Uint8Array; key: Uint8Array; address: Uint8Array; port: number; serverSocket: boolean },
  relay: RelayAddress,
  relayIp: string,
): Invitation {
  if (m.from.byteLength !== 32) throw RelayError.badMessage(`an invitation from a ${m.from.byteLength}-byte id`);
  if (m.key.byteLength === 0) throw RelayError.badMessage("an invitation without a session key");
  if (m.port === 0) throw RelayError.badMessage("an invitation to port 0");
  const host = ipText(m.address) ?? relayIp;
  // The relay names where to join: never our own loopback (unless the relay is on it), link-local, multicast...
  const problem = wireHostProblem(host, { fromLoopback: isLoopbackHost(relayIp) });
  if (problem) throw RelayError.badMessage(`an invitation to join at ${host} (${problem})`);
  return { from: peerIdFromDigest(m.from), key: m.key, host, port: m.port, serverSocket: m.serverSocket, relay };
}

/** IPv4 or IPv6 bytes as text; null for none or the unspecified address. */
export function ipText(b: Uint8Array): string | null {
  if (b.byteLength === 16 && b.subarray(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff) b = b.subarray(12);
  if (b.byteLength === 4) return b.every((x) => x === 0) ? null : b.join(".");
  if (b.byteLength !== 16 || b.every((x) => x === 0)) return null;
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((b[i]! << 8) | b[i + 1]!).toString(16));
  return new URL(`http://[${groups.join(":")}]/`).hostname.slice(1, -1); // the URL parser writes the canonical short form
}

/** Asks `relay` for a session with `to` (ConnectRequest -> SessionInvitation); NOT_FOUND when `to` is not joined there. */
export async function requestInvitation(relay: RelayAddress, identity: Identity, to: PeerId, opts: ChannelOptions = {}): Promise<Invitation> {
  const timeoutMs = opts.timeoutMs ?? RELAY_TIMEOUT_MS;
  const ch = await RelayChannel.open(relay, identity, opts);
  const what = `asking relay ${relayHostPort(relay)} for ${to}`;
  try {
    ch.send({ type: "connectRequest", id: peerIdDigest(to) });
    const m = await ch.next(timeoutMs, what);
    if (m.type === "sessionInvitation") {
      const inv = invitationFrom(m, relay, ch.remoteAddress);
      if (inv.from !== to) throw new RelayError("UNEXPECTED", `${what}: the relay offered a session with ${inv.from} instead`);
      return inv;
    }
    if (m.type === "response") throw RelayError.response(what, m.code, m.message);
    if (m.type === "relayFull") throw new RelayError("RELAY_FULL", `${what}: the relay is full`);
    throw RelayError.unexpected(what, m.type);
  } finally {
    ch.close();
  }
}

/** Joins the session of `inv` (JoinSessionRequest -> Response) and returns the stream to the peer, with any bytes that came behind the answer. */
export function joinSession(inv: Invitation, opts: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<SocketStream> {
  const timeoutMs = opts.timeoutMs ?? RELAY_TIMEOUT_MS;
  const where = `session on relay ${relayHostPort({ host: inv.host, port: inv.port })}`;
  const done = Promise.withResolvers<SocketStream>();
  const decoder = new RelayDecoder();
  let settled = false;
  let socket: import("bun").Socket<SocketEvents> | null = null;
  const finish = (r: SocketStream | RelayError) => {
    if (settled) return;
    settled = true;
    clearTimeout(timer);
    opts.signal?.removeEventListener("abort", onAbort);
    if (r instanceof SocketStream) return done.resolve(r);
    socket?.terminate();
    done.reject(r);
  };
  const timer = setTimeout(() => finish(RelayError.timeout(`joining the ${where}`, timeoutMs)), timeoutMs);
  const onAbort = () => finish(RelayError.aborted(`joining the ${where}`));
  opts.signal?.addEventListener("abort", onAbort, { once: true });
  if (opts.signal?.aborted) onAbort();
  const joining: SocketEvents = {
    open(s) {
      socket = s;
      if (settled) return void s.terminate();
      s.write(encodeMessage({ type: "joinSessionRequest", key: inv.key }));
    },
    data(s, chunk) {
      let m;
      try {
        decoder.feed(chunk);
        m = decoder.next();
      } catch (err) {
        return finish(err as RelayError);
      }
      if (!m) return;
      if (m.type === "response" && m.code === 0) return finish(new SocketStream(s, decoder.rest()));
      if (m.type === "response") return finish(RelayError.response(`joining the ${where}`, m.code, m.message));
      if (m.type === "relayFull") return finish(new RelayError("RELAY_FULL", `joining the ${where}: the relay is full`));
      finish(RelayError.unexpected(`joining the ${where}`, m.type));
    },
    drain() {},
    close(_s, err) {
      finish(err ? new RelayError("CONNECT_FAILED", `cannot join the ${where}: ${err.message}`, { cause: err }) : RelayError.closed(`joining the ${where}`));
    },
  };
  Bun.connect<SocketEvents>({ hostname: inv.host, port: inv.port, data: joining, socket: eventHandlers }).catch((err: Error) =>
    finish(new RelayError("CONNECT_FAILED", `cannot join the ${where}: ${err.message}`, { cause: err })),
  );
  return done.promise;
}

/**
 * A dialer's whole request: an invitation for `to`, then its session. When
 * both sides join at the same instant strelaysrv can refuse the second with
 * "already connected" (its session goroutine was not ready to take it) and
 * the key is spent; a fresh invitation then works, so up to `attempts` are made.
 */
export async function connectThroughRelay(
  relay: RelayAddress,
  identity: Identity,
  to: PeerId,
  opts: ChannelOptions & { attempts?: number } = {},
): Promise<{ inv: Invitation; stream: SocketStream }> {
  const attempts = opts.attempts ?? 3;
  for (let i = 1; ; i++) {
    const inv = await requestInvitation(relay, identity, to, opts);
    try {
      return { inv, stream: await joinSession(inv, opts) };
    } catch (err) {
      if (i >= attempts || !(err instanceof RelayError) || err.code !== "ALREADY_CONNECTED") throw err;
    }
  }
}
