// The device log's rows (migration 014): ours, appended inside the
// transaction of the change each describes, and other devices', recorded
// inside the transaction that applies them. Dialect-neutral SQL.
import type { SQL } from "bun";
import type { DeviceEntryRow } from "../../protocol/devices/sync-frames.ts";
import { entryKindNumber, entryText, type DeviceEntry } from "../../protocol/devices/sync-entries.ts";
import type { PeerId } from "../../protocol/peer-id.ts";
import { StoreError } from "../store-error.ts";

type Row = Record<string, unknown>;

/** Rows per multi-row INSERT and keys per lookup. */
const CHUNK = 500;

/** Collects the entries a transaction logs; they are appended at its end. */
export type LogEntry = (e: DeviceEntry) => void;

export class SqlDeviceLog {
  /** This home's device id once it keeps a log (device_log_self); null before. */
  self: PeerId | null = null;
  private readonly listeners = new Set<(seq: number) => void>();
  /** Logged transactions running now; the start waits for them, and new ones wait for the start. */
  private active = 0;
  private idle: (() => void)[] = [];
  private starting: Promise<unknown> | null = null;

  constructor(private readonly sql: SQL) {}

  /** Whether changes must be logged now: the log has started, or is starting. */
  get logging(): boolean {
    return this.self !== null || this.starting !== null;
  }

  /** Reads whether this home logs already (at open, after migrating). */
  async load(): Promise<void> {
    const [r]: Row[] = await this.sql`SELECT device FROM device_log_self WHERE one = 1`;
    this.self = r ? (String(r.device) as PeerId) : null;
  }

  /** Tells `fn` our highest seq after each commit that appended to our log. Returns how to stop. */
  onAppend(fn: (seq: number) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  appended(seq: number): void {
    for (const fn of this.listeners) fn(seq);
  }

  /**
   * Runs a transaction that may log (logged-begin.ts). It never overlaps the
   * start: a change committed beside the backfill would be in neither the
   * backfill nor the log (MySQL runs transactions side by side).
   */
  async shared<T>(fn: () => Promise<T>): Promise<T> {
    while (this.starting) await this.starting.catch(() => {});
    this.active++;
    try {
      return await fn();
    } finally {
      this.active--;
      if (this.active === 0) for (const w of this.idle.splice(0)) w();
    }
  }

  /**
   * Starts the log as `device`, with `backfill` writing the rows this home
   * holds from before into it, in the same transaction. Once started, a home
   * stays that device: another id is refused.
   */
  async start(device: PeerId, backfill: (tx: SQL, log: LogEntry) => Promise<void>): Promise<{ backfilled: number }> {
    while (this.starting) await this.starting.catch(() => {});
    const run = (async () => {
      while (this.active > 0) await new Promise<void>((resolve) => this.idle.push(resolve));
      return this.startNow(device, backfill);
    })();
    this.starting = run;
    try {
      return await run;
    } finally {
      this.starting = null;
    }
  }

  private async startNow(device: PeerId, backfill: (tx: SQL, log: LogEntry) => Promise<void>): Promise<{ backfilled: number }> {
    let top = 0;
    let backfilled = 0;
    await this.sql.begin(async (tx) => {
      const [r]: Row[] = await tx`SELECT device FROM device_log_self WHERE one = 1`;
      if (r) {
        if (String(r.device) !== device) throw new StoreError("QUERY_FAILED", `this database keeps the log of device ${String(r.device)}, not ${device}`);
        return;
      }
      await tx`INSERT INTO device_log_self ${tx({ one: 1, device, since: Date.now() })}`;
      const entries: DeviceEntry[] = [];
      await backfill(tx, (e) => entries.push(e));
      backfilled = entries.length;
      top = await this.append(tx, device, entries, Date.now());
    });
    this.self = device;
    if (top > 0) this.appended(top);
    return { backfilled };
  }

  /** Appends our entries after our highest seq (inside `tx`); returns the new highest, 0 when none. */
  async append(tx: SQL, device: PeerId, entries: readonly DeviceEntry[], at: number): Promise<number> {
    if (entries.length === 0) return 0;
    const [r]: Row[] = await tx`SELECT MAX(dseq) AS top FROM device_log WHERE device = ${device}`;
    let seq = Number(r?.top ?? 0);
    for (let i = 0; i < entries.length; i += CHUNK) {
      const rows = entries.slice(i, i + CHUNK).map((e) => ({ device, dseq: ++seq, kind: entryKindNumber(e.kind), body: entryText(e), created_at: at }));
      await tx`INSERT INTO device_log ${tx(rows)}`;
    }
    return seq;
  }

  /** Records other devices' entries (inside `tx`); returns those not held before, in the order given. */
  async record<T extends DeviceEntryRow>(tx: SQL, rows: readonly T[]): Promise<T[]> {
    const have = new Set<string>();
    const byDevice = new Map<string, number[]>();
    for (const r of rows) {
      let list = byDevice.get(r.device);
      if (!list) byDevice.set(r.device, (list = []));
      list.push(r.seq);
    }
    for (const [device, seqs] of byDevice) {
      // One range per log (a batch is a run of each log's next seqs): normally nothing is found.
      let lo = Infinity;
      let hi = 0;
      for (const q of seqs) {
        if (q < lo) lo = q;
        if (q > hi) hi = q;
      }
      const found: Row[] = await tx`SELECT dseq FROM device_log WHERE device = ${device} AND dseq >= ${lo} AND dseq <= ${hi}`;
      for (const f of found) have.add(`${device} ${Number(f.dseq)}`);
    }
    const fresh: T[] = [];
    for (const r of rows) {
      const key = `${r.device} ${r.seq}`;
      if (have.has(key)) continue;
      have.add(key);
      fresh.push(r);
    }
    for (let i = 0; i < fresh.length; i += CHUNK) {
      const chunk = fresh.slice(i, i + CHUNK).map((r) => ({ device: r.device, dseq: r.seq, kind: r.kind, body: r.text, created_at: r.created }));
      await tx`INSERT INTO device_log ${tx(chunk)}`;
    }
    return fresh;
  }

  /** `device`'s entries from..to (inclusive), oldest first, at most `limit`. */
  async read(device: PeerId, from: number, to: number, limit: number): Promise<DeviceEntryRow[]> {
    const rows: Row[] = await this.sql`
      SELECT dseq, kind, body, created_at FROM device_log
      WHERE device = ${device} AND dseq >= ${from} AND dseq <= ${to} ORDER BY dseq LIMIT ${limit}`;
    return rows.map((r) => ({ device, seq: Number(r.dseq), kind: Number(r.kind), text: String(r.body), created: Number(r.created_at) }));
  }

  /** Per device log, the highest seq held (held with no gap: entries are recorded in order). */
  async held(): Promise<Map<PeerId, number>> {
    const rows: Row[] = await this.sql`SELECT device, MAX(dseq) AS top FROM device_log GROUP BY device`;
    return new Map(rows.map((r) => [String(r.device) as PeerId, Number(r.top)]));
  }
}
