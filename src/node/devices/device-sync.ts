// Keeping one person's devices in step, over the links between them, with
// the machinery groups use (groups/wants.ts): per-author logs, vectors, wants.
//
// Logs. Each device logs what it does (a message written, its status moving,
// a message received, read marks, contacts, requests) in the transaction of
// the change (store/devices/). A device's log is (device id, seq) 1, 2, 3...
// The first time a home links to another device of its identity it starts
// its log, and what it held before goes into it in that one transaction.
//
// Sync. On a link, each side sends a vector: per device log, the highest seq
// it holds with no gap. Each asks (device-want) for what it lacks, one range
// per log from one device at a time, from whichever device offers it (so a
// device back online catches up from ANY other device, not only the author).
// Entries arrive in order per log and are handed to the journal, which
// records and applies each once in one transaction: a crash loses or
// duplicates nothing, and what is held is read back from the store at start.
// After each commit a device tells its links what it holds now (a vector),
// which is also how new entries of ours reach them: they ask.
//
// Who sends what to contacts. Only the device that wrote a message sends it
// (store: sender.origin); the others show it with the status its device logs.
// A message a contact delivered is acked by the device that received it.
import { DEVICE_SYNC_CAP, MAX_DEVICE_SEQ, type DeviceEntryFrame, type DeviceSyncFrame } from "../../protocol/devices/sync-frames.ts";
import type { Frame } from "../../protocol/messages.ts";
import type { PeerId } from "../../protocol/peer-id.ts";
import type { AppliedEntry, StatusChange, Store } from "../../store/store.ts";
import { childLogger } from "../../log.ts";
import type { Journal } from "../engine/journal.ts";
import type { NodeEvent } from "../node-events.ts";
import { Wants, type Need, type Source } from "../groups/wants.ts";
import { DeviceResponder } from "./device-responder.ts";
import type { OwnDeviceLink, OwnDevicesHooks, SyncProgress } from "./device-link.ts";

export type { SyncProgress } from "./device-link.ts";

const log = childLogger("devices");

/** The one "group" the wants scheduler sees: our devices' logs. */
const LOGS = "devices";
/** Frames kept from a device whose link we have not been told of yet (or before the log is read): the link layer may hand them first. */
const MAX_EARLY_FRAMES = 256;
/** Stalled wants are asked again this often. */
export const TICK_MS = 1000;

export interface DeviceSyncDeps {
  /** This device's id (its certificate's fingerprint). */
  self: PeerId;
  store: Store;
  journal: Journal;
  emit?(event: NodeEvent): void;
  /** Called after each commit of other devices' entries, and when a link's vector arrives. */
  onProgress?(p: SyncProgress): void;
  /** Entries changed contacts or requests here: the node reads its address book again. */
  booksChanged?(): Promise<void>;
}

/** Entries that change what the node keeps in memory of contacts and requests. */
const BOOK_KINDS: ReadonlySet<string> = new Set(["contactAdd", "contactRemove", "contactRename", "contactUpdate", "requestAccept", "requestDrop"]);

interface DeviceLinkState {
  link: OwnDeviceLink;
  source: Source;
  responder: DeviceResponder;
  /** Its vector arrived. */
  heard: boolean;
  /** Per log, what its vectors offered (the scheduler lowers its copy when a range stalls; this one stays). */
  offered: Map<string, number>;
}

export class DeviceSync implements OwnDevicesHooks {
  /** Per device log, the highest seq committed here. */
  private readonly held = new Map<PeerId, number>();
  /** Per device log, the highest seq handed to the journal (>= held). */
  private readonly queued = new Map<PeerId, number>();
  private readonly links = new Map<PeerId, DeviceLinkState>();
  private readonly wants: Wants;
  private batch: AppliedEntry[] = [];
  private flushing = false;
  private started: Promise<void> | null = null;
  private ready = false;
  private readonly early = new Map<PeerId, DeviceSyncFrame[]>();
  private stopLog: (() => void) | null = null;
  private timer: ReturnType<typeof setInterval> | null = null;
  private order = 0;
  private readonly waiters: (() => void)[] = [];
  /** Entries of other devices applied in this run, for tests and the benchmark. */
  applied = 0;
  /** Ranges asked again because they made no progress for WANT_STALL_MS, in this run. */
  stalls = 0;

  constructor(private readonly d: DeviceSyncDeps) {
    this.wants = new Wants({
      sources: () => [...this.links.values()].filter((s) => s.heard).map((s) => s.source),
      needs: () => this.needs(),
      ask: (source, _group, ranges) => this.stateOf(source)?.link.send({ type: "device-want", ranges: ranges.map((r) => ({ device: r.author as PeerId, from: r.from, to: r.to })) }),
    });
  }

  /** Reads what the store holds and starts this device's log (the backfill, the first time). */
  start(): Promise<void> {
    this.started ??= (async () => {
      const { backfilled } = await this.d.store.startDeviceLog(this.d.self);
      if (backfilled > 0) log.info(`this device's log starts with ${backfilled} ${backfilled === 1 ? "entry" : "entries"}: what the home held before`);
      this.stopLog = this.d.store.onDeviceLog((seq) => this.ownAppended(seq));
      for (const [device, seq] of await this.d.store.deviceHeld()) this.held.set(device, Math.max(seq, this.held.get(device) ?? 0));
      this.timer = setInterval(() => this.tick(), TICK_MS);
      this.timer.unref?.();
      this.ready = true;
      for (const device of [...this.early.keys()]) if (this.links.has(device)) this.replay(device);
    })();
    return this.started;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.stopLog?.();
    for (const s of this.links.values()) s.responder.stop();
    this.links.clear();
  }

  // --- the hook ------------------------------------------------------------------

  onLinkUp(link: OwnDeviceLink): void {
    const id = link.deviceId as PeerId;
    // A device on an older p2pchat links but does not sync: it would drop the link at a frame it does not know.
    if (id === this.d.self || !link.caps.includes(DEVICE_SYNC_CAP)) return;
    const old = this.links.get(id);
    if (old) {
      // A new link to the same device: what the old one was asked or serving goes to the new one.
      old.responder.stop();
      this.wants.drop(old.source);
    }
    const state: DeviceLinkState = {
      link,
      source: { offers: new Map([[LOGS, new Map()]]), inflight: 0, order: this.order++ },
      responder: new DeviceResponder(link, this.d.store, this.d.journal),
      heard: false,
      offered: new Map(),
    };
    this.links.set(id, state);
    void this.start().then(
      () => {
        if (this.links.get(id) !== state) return;
        link.send(this.vector());
        this.replay(id);
      },
      (err) => log.warn(`cannot start this device's log: ${(err as Error).message}`),
    );
  }

  onLinkDown(deviceId: string): void {
    const s = this.links.get(deviceId as PeerId);
    if (!s) return;
    this.links.delete(deviceId as PeerId);
    s.responder.stop();
    for (const g of this.wants.drop(s.source)) this.wants.schedule(g);
  }

  /** The link's write queue drained: serving goes on. */
  onDrain(deviceId: string): void {
    this.links.get(deviceId as PeerId)?.responder.pump();
  }

  onFrame(deviceId: string, f: Frame): void {
    if (!isSyncFrame(f)) return;
    const s = this.links.get(deviceId as PeerId);
    if (!s || !this.ready) {
      let list = this.early.get(deviceId as PeerId);
      if (!list) this.early.set(deviceId as PeerId, (list = []));
      if (list.length < MAX_EARLY_FRAMES) list.push(f);
      return;
    }
    this.handle(s, f);
  }

  private replay(device: PeerId): void {
    const frames = this.early.get(device);
    this.early.delete(device);
    const s = this.links.get(device);
    if (s) for (const f of frames ?? []) this.handle(s, f);
  }

  private handle(s: DeviceLinkState, frame: DeviceSyncFrame): void {
    switch (frame.type) {
      case "device-vector": {
        for (const l of frame.logs) if (l.seq > (s.offered.get(l.device) ?? 0)) s.offered.set(l.device, l.seq);
        s.source.offers.set(LOGS, new Map(s.offered));
        s.heard = true;
        this.wants.schedule(LOGS);
        this.progressed();
        return;
      }
      case "device-want": {
        // Only what we hold; the rest of a range is not ours to give (yet).
        const ranges = frame.ranges.map((r) => ({ ...r, to: Math.min(r.to, this.held.get(r.device) ?? 0) })).filter((r) => r.to >= r.from);
        s.responder.enqueue(ranges);
        return;
      }
      case "device-entry":
        this.arrived(s, frame);
        return;
    }
  }

  // --- progress ------------------------------------------------------------------

  progress(): SyncProgress {
    let have = 0;
    let total = 0;
    const devices = new Set<PeerId>(this.held.keys());
    for (const s of this.links.values()) for (const d of s.offered.keys()) devices.add(d as PeerId);
    devices.delete(this.d.self);
    for (const device of devices) {
      const h = this.held.get(device) ?? 0;
      let offered = h;
      for (const s of this.links.values()) offered = Math.max(offered, s.offered.get(device) ?? 0);
      have += h;
      total += offered;
    }
    const heard = this.links.size > 0 && [...this.links.values()].every((s) => s.heard);
    return { have, total, done: heard && have >= total };
  }

  /** Resolves once every linked device's vector is heard and all they offered is held here. */
  caughtUp(): Promise<void> {
    if (this.progress().done) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Per device log, the highest seq held here (ours included). */
  vectorHeld(): Map<PeerId, number> {
    return new Map(this.held);
  }

  // --- internals -----------------------------------------------------------------

  private stateOf(source: Source): DeviceLinkState | undefined {
    for (const s of this.links.values()) if (s.source === source) return s;
    return undefined;
  }

  private needs(): Need[] {
    const devices = new Set<PeerId>();
    for (const s of this.links.values()) for (const d of s.offered.keys()) devices.add(d as PeerId);
    devices.delete(this.d.self);
    return [...devices].map((device) => ({ author: device, have: this.queued.get(device) ?? this.held.get(device) ?? 0, limit: MAX_DEVICE_SEQ }));
  }

  private vector(only?: Iterable<PeerId>): DeviceSyncFrame {
    const devices = only ? [...only] : [...this.held.keys()];
    return { type: "device-vector", logs: devices.map((device) => ({ device, seq: this.held.get(device) ?? 0 })).filter((l) => l.seq > 0) };
  }

  private arrived(s: DeviceLinkState, f: DeviceEntryFrame): void {
    if (f.device === this.d.self) return;
    const next = (this.queued.get(f.device) ?? this.held.get(f.device) ?? 0) + 1;
    // Out of order (a range asked again of another device overlaps): dropped; what is missing is asked again.
    if (f.seq !== next) return;
    this.queued.set(f.device, f.seq);
    this.wants.progress(LOGS, f.device, s.source);
    this.batch.push({ device: f.device, seq: f.seq, created: f.created, kind: f.kind, text: f.text, entry: f.entry });
    if (!this.flushing) {
      this.flushing = true;
      queueMicrotask(() => this.flush());
    }
  }

  private flush(): void {
    this.flushing = false;
    const entries = this.batch;
    this.batch = [];
    if (entries.length === 0) return;
    this.d.journal.applied(entries).then(
      async (result) => {
        if (this.d.booksChanged && entries.some((e) => BOOK_KINDS.has(e.entry.kind))) {
          await this.d.booksChanged().catch((err) => log.debug(`cannot read the address book again: ${(err as Error).message}`));
        }
        const changed = new Set<PeerId>();
        for (const e of entries) {
          if (e.seq > (this.held.get(e.device) ?? 0)) this.held.set(e.device, e.seq);
          changed.add(e.device);
        }
        this.applied += entries.length;
        for (const k of result.syncSkipped ?? []) log.warn(`an entry (${k.kind}) from device ${k.device} could not be applied here, and is skipped: ${k.why}`);
        // The journal's result is its whole transaction's: only what these entries brought is ours to announce.
        const mine = new Set(entries.flatMap((e) => (e.entry.kind === "in" ? [`${e.entry.peerId} ${e.entry.id}`] : [])));
        const ours = new Set(entries.flatMap((e) => (e.entry.kind === "out" ? [e.entry.id] : e.entry.kind === "status" ? e.entry.ids : [])));
        // Written or moved on another device: the chat shows it (a pending one it has not seen, it fetches).
        const changes = new Map<string, { peer: string; ids: string[]; status: StatusChange["status"]; reason?: string }>();
        for (const c of result.syncedStatus ?? []) {
          const key = `${c.peer}\0${c.status}\0${c.reason ?? ""}`;
          const change = changes.get(key) ?? { peer: c.peer, ids: [], status: c.status, ...(c.reason ? { reason: c.reason } : {}) };
          for (const id of c.ids) if (ours.has(id)) change.ids.push(id);
          changes.set(key, change);
        }
        for (const c of changes.values()) if (c.ids.length > 0) this.d.emit?.({ type: "status", ...c });
        for (const m of result.synced ?? []) {
          if (mine.has(`${m.peerId} ${m.id}`) && !m.request) this.d.emit?.({ type: "message", entry: { id: m.id, direction: "in", peer: m.peer, text: m.body, status: "received", time: m.created, received: m.received } });
        }
        const v = this.vector(changed);
        for (const l of this.links.values()) l.link.send(v);
        this.wants.schedule(LOGS);
        this.progressed();
      },
      (err) => {
        // Not committed: what was queued is asked again.
        for (const e of entries) this.queued.set(e.device, Math.min(this.queued.get(e.device) ?? 0, this.held.get(e.device) ?? 0));
        log.warn(`cannot apply entries from another device: ${(err as Error).message}`);
      },
    );
  }

  /** Our log grew (a commit of ours): the other devices hear it and ask. */
  private ownAppended(seq: number): void {
    if (seq <= (this.held.get(this.d.self) ?? 0)) return;
    this.held.set(this.d.self, seq);
    const v = this.vector([this.d.self]);
    for (const l of this.links.values()) l.link.send(v);
  }

  private tick(): void {
    const stalled = this.wants.stalled().length;
    if (stalled === 0) return;
    this.stalls += stalled;
    // A stalled range is asked again, of the device that offers most (maybe the same one, the only one linked).
    for (const s of this.links.values()) s.source.offers.set(LOGS, new Map(s.offered));
    this.wants.schedule(LOGS);
  }

  private progressed(): void {
    const p = this.progress();
    this.d.onProgress?.(p);
    if (p.done) for (const w of this.waiters.splice(0)) w();
  }
}

function isSyncFrame(f: Frame): f is DeviceSyncFrame {
  return f.type === "device-vector" || f.type === "device-want" || f.type === "device-entry";
}
