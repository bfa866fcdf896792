// A client on the BitTorrent mainline DHT (bittorrent-dht 11.x) for pkarr
// records: publish ours as a BEP 44 mutable put (no salt), resolve a key
// with a verified mutable get. The DHT only gives hints: every record is
// checked here, and the TLS pin in `transport` still judges who answers.
import DHT, { type Verify } from "bittorrent-dht";
import { createHash } from "node:crypto";
import { encodeZ32 } from "../../protocol/base32.ts";
import { childLogger } from "../../log.ts";
import { ReachError, type ReachErrorCode } from "../reach-error.ts";
import { type BootstrapNode, noDhtReason } from "./dht-bootstrap.ts";
import { verifyEd25519 } from "./discovery-key.ts";
import { checkRecord, decodeRecord, moreRecent, signable, type DecodedRecord, type SignedRecord } from "./record.ts";

/** How long a lookup or a publish may take before it fails. */
export const DHT_TIMEOUT_MS = 10_000;

const log = childLogger("dht");

export interface DhtClientOptions {
  /** Nodes to start from; chooseBootstrap() picks them. Empty: NO_DHT. */
  bootstrap: readonly BootstrapNode[];
  /** UDP address to bind (default every IPv4 interface) and port (default any). */
  host?: string;
  port?: number;
  timeoutMs?: number;
  /** How long one UDP query waits for its answer (bittorrent-dht: 2000). */
  queryTimeoutMs?: number;
}

export interface ResolveOptions {
  /** Only a record with a larger seq counts (the one the caller already has). */
  newerThan?: bigint;
  /** Gives up early: the lookup fails with ABORTED. */
  signal?: AbortSignal;
}

export class DhtClient implements AsyncDisposable {
  #pending = new Set<(err: ReachError) => void>();
  #lastPublished: SignedRecord | null = null;
  #stopped = false;
  readonly #ready: Promise<void>;

  private constructor(
    private readonly dht: DHT,
    private readonly timeoutMs: number,
    /** Every bootstrap node is on loopback: a DHT on this machine (tests), whose records may name loopback. */
    readonly onLoopback: boolean,
  ) {
    // Once a node has answered (or bootstrapping is over): a full bootstrap
    // on mainline can outlast a lookup's time.
    this.#ready = new Promise((resolve) => {
      if (dht.ready || dht.toJSON().nodes.length > 0) return resolve();
      dht.once("ready", () => resolve());
      dht.once("node", () => resolve());
    });
  }

  /** Binds the UDP socket and starts joining the DHT through `bootstrap`. */
  static async start(opts: DhtClientOptions): Promise<DhtClient> {
    if (opts.bootstrap.length === 0) throw new ReachError("NO_DHT", `no DHT: ${noDhtReason()}`);
    // An explicit list always: bittorrent-dht falls back to the public routers when it has none.
    const bootstrap = opts.bootstrap.map((n) => ({ host: n.host, port: n.port }));
    const dht = new DHT({ bootstrap, verify: verifyEd25519, timeout: opts.queryTimeoutMs });
    dht.on("warning", (err: Error) => log.debug(`warning: ${err.message}`));
    await new Promise<void>((resolve, reject) => {
      const fail = (err: Error) => reject(new ReachError("NO_DHT", `cannot open the DHT socket: ${err.message}`, { cause: err }));
      dht.once("error", fail);
      dht.listen(opts.port ?? 0, opts.host, () => {
        dht.off("error", fail);
        resolve();
      });
    }).catch((err) => {
      dht.destroy();
      throw err;
    });
    dht.on("error", (err: Error) => log.debug(`error: ${err.message}`));
    const loopback = opts.bootstrap.every((n) => n.host === "localhost" || /^127\./.test(n.host));
    return new DhtClient(dht, opts.timeoutMs ?? DHT_TIMEOUT_MS, loopback);
  }

  /** The UDP port this node listens on. */
  get port(): number {
    return this.dht.address().port;
  }

  /** Puts `r` on the nodes closest to its key; resolves with how many stored it. */
  async publish(r: SignedRecord): Promise<number> {
    const problem = checkRecord(r);
    if (problem) throw problem;
    if (this.#lastPublished && r.seq < this.#lastPublished.seq) throw ReachError.stale(r.seq, this.#lastPublished.seq);
    if (r.seq > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError(`seq ${r.seq} is beyond what bittorrent-dht carries`);
    const what = `DHT publish for ${encodeZ32(r.key)}`;
    const n = await this.#op<number>(what, "PUBLISH_FAILED", (done, fail) => {
      // bittorrent-dht keeps the nodes closest to a key, with the write tokens
      // they gave us, for 5 minutes, and puts to them again without asking.
      // A token is bound to the address we asked from: once our public
      // address changes (what a republish is for) every put with the old
      // ones fails ("All queries failed") until that cache expires. Ask anew.
      this.dht._tables.remove(createHash("sha1").update(r.key).digest("hex"));
      const opts = { k: Buffer.from(r.key), v: Buffer.from(r.value), seq: Number(r.seq), sig: Buffer.from(r.sig) };
      this.dht.put(opts, (err, _hash, n) => {
        if (!err) return done(n);
        if (err.code === 302) return fail(new ReachError("STALE_RECORD", `${what}: the DHT holds a newer record (${err.message})`, { cause: err }));
        fail(new ReachError("PUBLISH_FAILED", `${what} failed: ${err.message}`, { cause: err }));
      });
    });
    if (!this.#lastPublished || moreRecent(r, this.#lastPublished)) this.#lastPublished = r;
    return n;
  }

  /**
   * The newest verified record the DHT holds for `key`, or null. A lookup
   * that runs out of time returns what it verified so far, and fails with
   * TIMEOUT only when that is nothing.
   */
  async resolve(key: Uint8Array, opts: ResolveOptions = {}): Promise<DecodedRecord | null> {
    if (key.length !== 32) throw new ReachError("BAD_KEY", `a discovery key is 32 bytes, not ${key.length}`);
    const seen: SignedRecord[] = [];
    // Most nodes return the same record: verify each distinct one once.
    const verdicts = new Map<string, boolean>();
    // bittorrent-dht calls this for each value a node returns: check the key
    // and signature ourselves, and keep what passes.
    const verify: Verify = (sig, message, k) => {
      const id = `${Buffer.from(k).toString("hex")}:${Buffer.from(sig).toString("hex")}:${Buffer.from(message).toString("hex")}`;
      const known = verdicts.get(id);
      if (known !== undefined) return known;
      const parsed = Buffer.from(k).equals(Buffer.from(key)) ? parseSignable(message) : null;
      const r: SignedRecord | null = parsed && { key, seq: parsed.seq, sig: Uint8Array.from(sig), value: parsed.value };
      const ok = r !== null && checkRecord(r) === null;
      verdicts.set(id, ok);
      if (ok) seen.push(r);
      return ok;
    };
    const target = createHash("sha1").update(key).digest();
    const local = this.dht.toJSON().values[target.toString("hex")];
    if (local?.k && local.sig && Buffer.from(local.k, "hex").equals(Buffer.from(key))) {
      verify(Buffer.from(local.sig, "hex"), signable(BigInt(local.seq ?? 0), Buffer.from(local.v, "hex")), key);
    }
    const what = `DHT lookup for ${encodeZ32(key)}`;
    await this.#op<void>(
      what,
      "LOOKUP_FAILED",
      (done, fail) => this.dht.get(target, { verify, cache: false }, (err) => (err ? fail(new ReachError("LOOKUP_FAILED", `${what} failed: ${err.message}`, { cause: err })) : done())),
      () => seen.length > 0,
      opts.signal,
    );
    // bittorrent-dht ends a lookup nobody answered as if it found nothing.
    if (seen.length === 0 && this.dht.toJSON().nodes.length === 0) throw new ReachError("LOOKUP_FAILED", `${what}: no DHT node answered`);
    seen.sort((a, b) => (moreRecent(a, b) ? -1 : moreRecent(b, a) ? 1 : 0));
    for (const r of seen) {
      try {
        return decodeRecord(r, { key, newerThan: opts.newerThan });
      } catch (err) {
        if ((err as ReachError).code === "STALE_RECORD") return null;
        log.debug(`${what}: ${(err as Error).message}`);
      }
    }
    return null;
  }

  /** Closes the socket; lookups and publishes in flight fail with DHT_STOPPED. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    for (const cancel of this.#pending) cancel(new ReachError("DHT_STOPPED", "the DHT client was stopped"));
    await new Promise<void>((resolve) => this.dht.destroy(() => resolve()));
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  /** Runs one callback-style operation under the timeout; `enough` lets a timed-out lookup keep what it found. */
  #op<T>(
    what: string,
    code: ReachErrorCode,
    run: (done: (v: T) => void, fail: (e: ReachError) => void) => void,
    enough?: () => boolean,
    signal?: AbortSignal,
  ): Promise<T> {
    if (this.#stopped) return Promise.reject(new ReachError("DHT_STOPPED", `${what}: the DHT client was stopped`));
    if (signal?.aborted) return Promise.reject(new ReachError("ABORTED", `${what} was abandoned`));
    const { promise, resolve, reject } = Promise.withResolvers<T>();
    let settled = false;
    const finish = (f: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      this.#pending.delete(cancel);
      signal?.removeEventListener("abort", onAbort);
      f();
    };
    const cancel = (err: ReachError) => finish(() => reject(err));
    const onAbort = () => cancel(new ReachError("ABORTED", `${what} was abandoned`));
    signal?.addEventListener("abort", onAbort);
    const timer = setTimeout(() => finish(() => (enough?.() ? resolve(undefined as T) : reject(ReachError.timeout(what, this.timeoutMs)))), this.timeoutMs);
    this.#pending.add(cancel);
    // After the first round of bootstrap queries, so the routing table has nodes to ask.
    void this.#ready.then(() => {
      if (settled) return;
      try {
        run(
          (v) => finish(() => resolve(v)),
          (e) => finish(() => reject(e)),
        );
      } catch (err) {
        finish(() => reject(new ReachError(code, `${what}: ${(err as Error).message}`, { cause: err })));
      }
    });
    return promise;
  }
}

/** Reads BEP 44's `3:seqi<seq>e1:v<len>:<v>`; null for anything else (a salt included: we never use one). */
function parseSignable(message: Uint8Array): { seq: bigint; value: Uint8Array } | null {
  const head = Buffer.from(message.subarray(0, 40)).toString("latin1");
  const m = /^3:seqi(\d{1,19})e1:v(\d{1,4}):/.exec(head);
  if (!m) return null;
  const value = Uint8Array.from(message.subarray(m[0].length));
  return value.length === Number(m[2]) ? { seq: BigInt(m[1]!), value } : null;
}
