// Devices of one person in one process: each a real store (SQLite, or MariaDB
// where the store tests run it), a journal and a DeviceSync, linked in memory
// through the real codec: every frame is encoded, cut into pieces anywhere,
// put together by a FrameSplitter and decoded, as a TLS link would.
import { randomBytes } from "node:crypto";
import { FrameSplitter } from "../../src/protocol/frame.ts";
import { encodeFrame } from "../../src/protocol/codec.ts";
import { checkDeviceSyncHeader, decodeDeviceSyncPayload, DEVICE_SYNC_CAP, type DeviceSyncFrame } from "../../src/protocol/devices/sync-frames.ts";
import type { Frame } from "../../src/protocol/messages.ts";
import { peerIdFromDigest, type PeerId } from "../../src/protocol/peer-id.ts";
import { DeviceSync, type SyncProgress } from "../../src/node/devices/device-sync.ts";
import type { OwnDeviceLink } from "../../src/node/devices/device-link.ts";
import { Journal } from "../../src/node/engine/journal.ts";
import type { NodeEvent } from "../../src/node/node-events.ts";
import { openStore, parseDbUrl } from "../../src/store/open.ts";
import type { Store } from "../../src/store/store.ts";
import { createTestDb, type TestDb } from "./databases.ts";

export function newDeviceId(): PeerId {
  return peerIdFromDigest(randomBytes(32));
}

export class TestDevice implements AsyncDisposable {
  store!: Store;
  journal!: Journal;
  sync!: DeviceSync;
  readonly events: NodeEvent[] = [];
  readonly progress: SyncProgress[] = [];
  readonly links = new Set<MemLink>();
  private readonly watchers = new Set<() => void>();

  private constructor(
    readonly name: string,
    readonly id: PeerId,
    readonly db: TestDb,
  ) {}

  static async create(name: string, dialect: "sqlite" | "mysql", id = newDeviceId()): Promise<TestDevice> {
    const d = new TestDevice(name, id, await createTestDb(dialect));
    await d.open();
    return d;
  }

  /** Opens the store (again, after close(): a restart). */
  async open(): Promise<void> {
    this.store = await openStore(parseDbUrl(this.db.url));
    this.journal = new Journal(this.store);
    this.sync = new DeviceSync({
      self: this.id,
      store: this.store,
      journal: this.journal,
      emit: (e) => this.events.push(e),
      onProgress: (p) => {
        this.progress.push(p);
        for (const w of [...this.watchers]) w();
      },
    });
    // A home that keeps a log already starts at once; a fresh one at its first link (as a node does).
    if (this.store.deviceLogSelf()) await this.sync.start();
  }

  /** Resolves when `pred` holds, checked now and after every commit of other devices' entries. */
  until(pred: () => boolean): Promise<void> {
    if (pred()) return Promise.resolve();
    return new Promise((resolve) => {
      const w = () => {
        if (!pred()) return;
        this.watchers.delete(w);
        resolve();
      };
      this.watchers.add(w);
    });
  }

  /** Resolves once this device holds `other`'s log as far as `other` holds it now. */
  async holdsAllOf(other: TestDevice): Promise<void> {
    // Its log started (the backfill of what it held before, on its first link), else there is nothing to wait for yet.
    await other.sync.start();
    await other.journal.drain();
    const target = other.sync.vectorHeld().get(other.id) ?? 0;
    await this.until(() => (this.sync.vectorHeld().get(other.id) ?? 0) >= target);
  }

  /** Stops as a node does (links first, the journal drained), or as a crash does (`crash`: whatever is queued is lost). */
  async close(opts: { crash?: boolean } = {}): Promise<void> {
    for (const l of [...this.links]) l.cut();
    this.sync.stop();
    if (!opts.crash) await this.journal.drain();
    this.journal.close();
    await this.store.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close().catch(() => {});
    await this.db[Symbol.asyncDispose]();
  }
}

/** One direction of a link: what `from` sends reaches `to`'s engine as frames from `from`. */
export class MemLink implements OwnDeviceLink {
  open = true;
  /** Bytes sent, for the benchmark. */
  bytes = 0;
  /** Bytes written and not delivered yet: the link's write queue, as a TLS link reports it. */
  queuedBytes = 0;
  private readonly splitter: FrameSplitter;
  private other!: MemLink;
  private readonly frames: DeviceSyncFrame[] = [];
  private scheduled = false;

  constructor(
    private readonly from: TestDevice,
    private readonly to: TestDevice,
  ) {
    this.splitter = new FrameSplitter({
      header: (type, size) => checkDeviceSyncHeader(type, size),
      frame: (type, payload) => this.frames.push(decodeDeviceSyncPayload(type, payload)),
    });
  }

  caps: string[] = ["devices", DEVICE_SYNC_CAP];

  get deviceId(): PeerId {
    return this.to.id;
  }

  /** What the link layer does: encodes the frame (any other type would have no business here). */
  send(frame: Frame): void {
    this.write(encodeFrame(frame));
  }

  /** Bytes as they would arrive from a broken or hostile device (the codec throws for what it refuses). */
  raw(bytes: Uint8Array): void {
    this.write(bytes);
  }

  private write(bytes: Uint8Array): void {
    if (!this.open) return;
    this.bytes += bytes.length;
    this.queuedBytes += bytes.length;
    // Cut anywhere, as TCP may: two pieces.
    const cut = Math.floor(bytes.length / 3);
    this.splitter.push(bytes.subarray(0, cut));
    this.splitter.push(bytes.subarray(cut));
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.deliver());
    }
  }

  private deliver(): void {
    this.scheduled = false;
    const frames = this.frames.splice(0);
    // Written out: the queue is empty again, and the sender hears so (as a socket's drain).
    this.queuedBytes = 0;
    if (this.open) this.from.sync.onDrain(this.to.id);
    for (const f of frames) {
      if (!this.open) return;
      this.to.sync.onFrame(this.from.id, f);
    }
  }

  cut(): void {
    if (!this.open) return;
    this.open = false;
    this.other.open = false;
    this.from.links.delete(this);
    this.to.links.delete(this.other);
    this.from.sync.onLinkDown(this.to.id);
    this.to.sync.onLinkDown(this.from.id);
  }

  /** `oldB`: b is on a p2pchat without the sync (its hello lacks the cap). */
  static connect(a: TestDevice, b: TestDevice, opts: { oldB?: boolean } = {}): MemLink {
    const ab = new MemLink(a, b);
    const ba = new MemLink(b, a);
    if (opts.oldB) ab.caps = ["devices"];
    ab.other = ba;
    ba.other = ab;
    a.links.add(ab);
    b.links.add(ba);
    a.sync.onLinkUp(ab);
    b.sync.onLinkUp(ba);
    return ab;
  }
}
