// Permanent mode (Syncthing lib/relay/client/static.go): stay joined to one
// relay so peers can ask it for a session with us. Join, answer the relay's
// pings, ping it ourselves when it has been quiet, pass each invitation on,
// and when the relay goes away (killed, restarted, full) come back with
// backoff. Membership only: what to do with an invitation is the caller's.
import type { Identity } from "../../transport/identity.ts";
import { childLogger } from "../../log.ts";
import { RELAY_TIMEOUT_MS, RelayChannel } from "./channel.ts";
import { RelayError } from "./relay-error.ts";
import { invitationFrom, type Invitation } from "./relay-session.ts";
import { formatRelayUri, relayHostPort, type RelayAddress } from "./uri.ts";

const log = childLogger("relay");

export interface Backoff {
  baseMs: number;
  maxMs: number;
  /** 0..1: each delay is scaled by a random factor in [1 - jitter, 1 + jitter]. */
  jitter: number;
  random: () => number;
}

export interface RelayTimeouts {
  /** To connect, run TLS and be answered. */
  connectMs: number;
  /** We ping a relay that has sent nothing for this long. */
  pingMs: number;
  /** A relay that has sent nothing (not even a pong) for this long is gone. */
  idleMs: number;
}

export const DEFAULT_BACKOFF: Backoff = { baseMs: 1_000, maxMs: 60_000, jitter: 0.2, random: Math.random };
/** strelaysrv pings every minute and drops members silent for two; we ping at 45 s and give up at 90 s. */
export const DEFAULT_TIMEOUTS: RelayTimeouts = { connectMs: RELAY_TIMEOUT_MS, pingMs: 45_000, idleMs: 90_000 };

export type RelayClientState =
  | { state: "connecting"; attempt: number }
  | { state: "joined"; since: number }
  | { state: "waiting"; error: RelayError; retryInMs: number }
  | { state: "stopped" };

export interface RelayClientOptions {
  relay: RelayAddress;
  identity: Identity;
  /** Someone asked the relay for a session with us: join it (joinSession) within the relay's timeout. */
  onInvitation(inv: Invitation): void;
  onState?(s: RelayClientState): void;
  backoff?: Partial<Backoff>;
  timeouts?: Partial<RelayTimeouts>;
}

export class RelayClient {
  readonly relay: RelayAddress;
  private current: RelayClientState = { state: "stopped" };
  private readonly abort = new AbortController();
  private channel: RelayChannel | null = null;
  private running: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private readonly watchers = new Set<() => void>();
  private readonly backoff: Backoff;
  private readonly timeouts: RelayTimeouts;

  constructor(private readonly opts: RelayClientOptions) {
    this.relay = opts.relay;
    this.backoff = { ...DEFAULT_BACKOFF, ...opts.backoff };
    this.timeouts = { ...DEFAULT_TIMEOUTS, ...opts.timeouts };
  }

  get uri(): string {
    return formatRelayUri(this.relay);
  }

  get state(): RelayClientState {
    return this.current;
  }

  start(): this {
    this.running ??= this.run();
    return this;
  }

  async stop(): Promise<void> {
    this.abort.abort();
    this.channel?.close();
    this.wake?.();
    await this.running;
    this.set({ state: "stopped" });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  /** Resolves once joined (now or later); rejects after `timeoutMs`. */
  whenJoined(timeoutMs = 30_000): Promise<void> {
    if (this.current.state === "joined") return Promise.resolve();
    const p = Promise.withResolvers<void>();
    const check = () => {
      if (this.current.state !== "joined") return;
      cleanup();
      p.resolve();
    };
    const timer = setTimeout(() => (cleanup(), p.reject(RelayError.timeout(`joining relay ${relayHostPort(this.relay)}`, timeoutMs))), timeoutMs);
    const cleanup = () => (clearTimeout(timer), this.watchers.delete(check));
    this.watchers.add(check);
    return p.promise;
  }

  private set(s: RelayClientState): void {
    this.current = s;
    this.opts.onState?.(s);
    for (const w of [...this.watchers]) w();
  }

  private async run(): Promise<void> {
    let attempt = 0;
    while (!this.abort.signal.aborted) {
      this.set({ state: "connecting", attempt });
      let error: RelayError;
      try {
        await this.member(() => (attempt = 0));
        error = RelayError.closed(`relay ${relayHostPort(this.relay)}`);
      } catch (err) {
        error = err instanceof RelayError ? err : new RelayError("CLOSED", String(err), { cause: err });
      }
      if (this.abort.signal.aborted) break;
      const ms = error.code === "RELAY_FULL" ? this.backoff.maxMs : this.delay(attempt++);
      log.debug(`relay ${relayHostPort(this.relay)}: ${error.message}; again in ${ms} ms`);
      this.set({ state: "waiting", error, retryInMs: ms });
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, ms);
        this.wake = () => (clearTimeout(t), resolve());
      });
      this.wake = null;
    }
  }

  private delay(n: number): number {
    const { baseMs, maxMs, jitter, random } = this.backoff;
    const raw = Math.min(maxMs, baseMs * 2 ** Math.min(n, 30));
    return Math.max(0, Math.round(raw * (1 + jitter * (random() * 2 - 1))));
  }

  /** One membership, from connecting to the end of the connection (which it throws). */
  private async member(joined: () => void): Promise<void> {
    const { connectMs, pingMs, idleMs } = this.timeouts;
    const where = `relay ${relayHostPort(this.relay)}`;
    const ch = await RelayChannel.open(this.relay, this.opts.identity, { timeoutMs: connectMs, signal: this.abort.signal });
    this.channel = ch;
    try {
      ch.send({ type: "joinRelayRequest", token: this.relay.token ?? "" });
      const r = await ch.next(connectMs, `joining ${where}`);
      if (r.type === "relayFull") throw new RelayError("RELAY_FULL", `${where} is full`);
      if (r.type !== "response") throw RelayError.unexpected(`joining ${where}`, r.type);
      if (r.code !== 0) throw RelayError.response(`joining ${where}`, r.code, r.message);
      joined();
      this.set({ state: "joined", since: Date.now() });
      let heard = Date.now();
      for (;;) {
        let m;
        try {
          m = await ch.next(Math.max(1, Math.min(pingMs, heard + idleMs - Date.now())), where);
        } catch (err) {
          if (!(err instanceof RelayError) || err.code !== "TIMEOUT") throw err;
          if (Date.now() - heard >= idleMs) throw RelayError.timeout(`${where} went silent`, idleMs);
          ch.send({ type: "ping" });
          continue;
        }
        heard = Date.now();
        if (m.type === "ping") ch.send({ type: "pong" });
        else if (m.type === "pong") continue;
        else if (m.type === "relayFull") throw new RelayError("RELAY_FULL", `${where} dropped us: it is full`);
        else if (m.type === "sessionInvitation") this.invited(invitationFrom(m, this.relay, ch.remoteAddress));
        else throw RelayError.unexpected(where, m.type);
      }
    } finally {
      this.channel = null;
      ch.close();
    }
  }

  private invited(inv: Invitation): void {
    try {
      this.opts.onInvitation(inv);
    } catch (err) {
      log.debug(`relay ${relayHostPort(this.relay)}: invitation handler: ${(err as Error).message}`);
    }
  }
}
