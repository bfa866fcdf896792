// One relayed link's hole punching, DCUtR's way (libp2p/specs relay/DCUtR.md)
// over our own frames: the initiator offers its candidates (where others see
// it, with a fresh port) and starts a clock; the responder answers with its
// own; the initiator, now knowing the round trip, says "sync" and dials half
// a round trip later, while the responder dials as soon as the sync arrives,
// so the two SYNs cross in the middle. What comes out is a TCP stream to the
// peer, as a relay session is: the caller runs TLS over it, and the pin on
// that link decides who answered. Which side initiates, how often, and what
// happens to the relayed link are the caller's (node/dial/punch-dials.ts).
import type { PunchFrame } from "../../protocol/reach-frames.ts";
import { ReachError } from "../reach-error.ts";
import { freePort, openSimultaneously, type Endpoint, type Opened, type OpenOptions } from "./simultaneous-open.ts";

export interface PunchTimeouts {
  /** The initiator waits this long for the answer to its offer. */
  answerMs: number;
  /** The responder waits this long for the sync after its answer. */
  syncMs: number;
  /** Both dial for this long (SYNs are resent at 1 s and 3 s). */
  openMs: number;
}

export const DEFAULT_PUNCH_TIMEOUTS: PunchTimeouts = { answerMs: 5_000, syncMs: 5_000, openMs: 5_000 };

export interface PunchExchangeDeps {
  /** Sends a frame on the relayed link. */
  send(f: PunchFrame): void;
  /** Where the peer may dial us from local port `port` (where others see us); empty when nobody has said. */
  candidates(port: number): string[];
  /** The peer's candidates that may be dialed (IP literals the wire filter lets through). */
  screen(addrs: readonly string[]): Endpoint[];
  timeouts?: Partial<PunchTimeouts>;
  freePort?: () => Promise<number>;
  open?: (o: OpenOptions) => Promise<Opened>;
}

/** A hole punched: the stream, where it leads, and how long the attempt took from its first frame. */
export interface Punched extends Opened {
  attempt: number;
  ms: number;
}

type Expect = "answer" | "sync";

interface Waiter {
  expect: Expect;
  resolve(f: PunchFrame): void;
  reject(e: ReachError): void;
  timer: ReturnType<typeof setTimeout>;
}

export class PunchExchange {
  private nextAttempt = 1;
  private readonly waiters = new Map<number, Waiter>();
  private readonly abort = new AbortController();
  private readonly t: PunchTimeouts;
  /** A responder's attempt under way (one at a time). */
  private responding = false;

  constructor(private readonly d: PunchExchangeDeps) {
    this.t = { ...DEFAULT_PUNCH_TIMEOUTS, ...d.timeouts };
  }

  /** Set by the caller: each attempt the peer started, as it goes (a stream, or why not). */
  onResponse: (r: Promise<Punched>) => void = () => {};

  /** One attempt as the initiator. Rejects with PUNCH_FAILED (why), TIMEOUT or ABORTED. */
  async initiate(): Promise<Punched> {
    const attempt = this.nextAttempt++;
    const port = await (this.d.freePort ?? freePort)();
    const mine = this.d.candidates(port);
    if (mine.length === 0) throw new ReachError("PUNCH_FAILED", "nobody has told us the address the internet sees us at yet");
    const t0 = performance.now();
    const answered = this.expect(attempt, "answer", this.t.answerMs);
    this.d.send({ type: "punch-offer", attempt, addrs: mine });
    const answer = (await answered) as Extract<PunchFrame, { type: "punch-answer" }>;
    const rtt = performance.now() - t0;
    const targets = this.d.screen(answer.addrs);
    if (targets.length === 0) {
      this.d.send({ type: "punch-cancel", attempt, reason: "none of your addresses can be dialed from here" });
      throw new ReachError("PUNCH_FAILED", `the peer offered no address we can dial (${answer.addrs.join(", ") || "none"})`);
    }
    this.d.send({ type: "punch-sync", attempt });
    await this.sleep(rtt / 2);
    const opened = await this.open(port, targets);
    return { ...opened, attempt, ms: Math.round(performance.now() - t0) };
  }

  /** A punch frame from the peer. */
  frame(f: PunchFrame): void {
    if (this.abort.signal.aborted) return;
    if (f.type === "punch-offer") return void this.respond(f);
    const w = this.waiters.get(f.attempt);
    if (!w) return; // an attempt given up already
    if (f.type === "punch-cancel") return this.settle(f.attempt, new ReachError("PUNCH_FAILED", `the peer gave up: ${f.reason}`));
    if ((f.type === "punch-answer" && w.expect === "answer") || (f.type === "punch-sync" && w.expect === "sync")) this.settle(f.attempt, f);
  }

  /** The relayed link is gone: every attempt ends. */
  close(): void {
    this.abort.abort();
    for (const attempt of [...this.waiters.keys()]) this.settle(attempt, new ReachError("ABORTED", "the link the punch was arranged over closed"));
  }

  private respond(offer: Extract<PunchFrame, { type: "punch-offer" }>): void {
    const attempt = offer.attempt;
    if (this.responding) {
      this.d.send({ type: "punch-cancel", attempt, reason: "an attempt is under way already" });
      return;
    }
    this.responding = true;
    const run = (async (): Promise<Punched> => {
      const t0 = performance.now();
      const targets = this.d.screen(offer.addrs);
      const port = await (this.d.freePort ?? freePort)();
      const mine = this.d.candidates(port);
      const why = mine.length === 0 ? "nobody has told me the address the internet sees me at yet" : targets.length === 0 ? "none of your addresses can be dialed from here" : null;
      if (why) {
        this.d.send({ type: "punch-cancel", attempt, reason: why });
        throw new ReachError("PUNCH_FAILED", why);
      }
      const synced = this.expect(attempt, "sync", this.t.syncMs);
      this.d.send({ type: "punch-answer", attempt, addrs: mine });
      await synced;
      const opened = await this.open(port, targets);
      return { ...opened, attempt, ms: Math.round(performance.now() - t0) };
    })();
    run.then(
      () => (this.responding = false),
      () => (this.responding = false),
    );
    this.onResponse(run);
  }

  private open(port: number, targets: Endpoint[]): Promise<Opened> {
    return (this.d.open ?? openSimultaneously)({ localPort: port, targets, timeoutMs: this.t.openMs, signal: this.abort.signal });
  }

  private expect(attempt: number, expect: Expect, ms: number): Promise<PunchFrame> {
    const p = Promise.withResolvers<PunchFrame>();
    if (this.abort.signal.aborted) {
      p.reject(new ReachError("ABORTED", "the link the punch was arranged over closed"));
      return p.promise;
    }
    const timer = setTimeout(() => this.settle(attempt, ReachError.timeout(`waiting for the peer's punch ${expect}`, ms)), ms);
    this.waiters.set(attempt, { expect, resolve: p.resolve, reject: p.reject, timer });
    return p.promise;
  }

  private settle(attempt: number, r: PunchFrame | ReachError): void {
    const w = this.waiters.get(attempt);
    if (!w) return;
    this.waiters.delete(attempt);
    clearTimeout(w.timer);
    if (r instanceof ReachError) w.reject(r);
    else w.resolve(r);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, Math.max(0, Math.round(ms))));
  }
}
