// What another device of ours asked of our logs, sent as its link can take
// it: entries read from the store between the journal's commits, a batch at
// a time. Only what we hold with no gap (what our vector offered) is read.
import { decodeEntry, type DeviceEntry } from "../../protocol/devices/sync-entries.ts";
import { MAX_DEVICE_WANT_RANGES, type DeviceEntryFrame, type DeviceEntryRow } from "../../protocol/devices/sync-frames.ts";
import type { PeerId } from "../../protocol/peer-id.ts";
import type { Store } from "../../store/store.ts";
import type { Journal } from "../engine/journal.ts";
import type { OwnDeviceLink } from "./device-link.ts";

/** Entries read per query. */
export const SERVE_BATCH = 500;
/** Stop filling the link once this much waits in its write queue. */
export const SERVE_QUEUE_BYTES = 1024 * 1024;
/** Ranges queued per link; a device asking more at once gets the rest when it asks again. */
const MAX_QUEUED = MAX_DEVICE_WANT_RANGES * 4;

interface Range {
  device: PeerId;
  from: number;
  to: number;
}

export class DeviceResponder {
  private readonly queue: Range[] = [];
  private pumping = false;
  private again = false;
  private stopped = false;
  /** Entries sent, for tests and status. */
  sent = 0;

  constructor(
    private readonly link: OwnDeviceLink,
    private readonly store: Store,
    private readonly journal: Journal,
  ) {}

  enqueue(ranges: readonly Range[]): void {
    for (const r of ranges) {
      if (this.queue.length >= MAX_QUEUED) break;
      this.queue.push({ ...r });
    }
    this.pump();
  }

  stop(): void {
    this.stopped = true;
    this.queue.length = 0;
  }

  /** Called when the link's write queue drained (if the link tells), or when more was asked. */
  pump(): void {
    if (this.pumping) {
      this.again = true;
      return;
    }
    if (this.stopped || this.queue.length === 0) return;
    this.pumping = true;
    this.again = false;
    void this.fill()
      .catch(() => {
        // the store failed: the range stalls and the other device asks again
      })
      .finally(() => {
        this.pumping = false;
        if (this.again) this.pump();
      });
  }

  private async fill(): Promise<void> {
    while (!this.stopped && this.queue.length > 0 && (this.link.queuedBytes ?? 0) < SERVE_QUEUE_BYTES) {
      const r = this.queue[0]!;
      const rows = await this.journal.read(() => this.store.deviceEntries(r.device, r.from, r.to, SERVE_BATCH));
      if (this.stopped) return;
      if (rows.length === 0) {
        this.queue.shift();
        continue;
      }
      for (const r of rows) this.link.send(entryFrame(r));
      this.sent += rows.length;
      r.from = rows[rows.length - 1]!.seq + 1;
      if (r.from > r.to || rows.length < SERVE_BATCH) this.queue.shift();
    }
  }
}

/** An entry as stored, as a frame: the encoder sends its text as it is; its parsed form is made only if something reads it. */
function entryFrame(r: DeviceEntryRow): DeviceEntryFrame {
  let parsed: DeviceEntry | null = null;
  return {
    type: "device-entry",
    device: r.device,
    seq: r.seq,
    created: r.created,
    kind: r.kind,
    text: r.text,
    get entry() {
      return (parsed ??= decodeEntry(r.kind, r.text));
    },
  };
}
