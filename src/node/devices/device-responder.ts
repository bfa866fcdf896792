// What another device of ours asked of our logs, sent as its link can take
// it (groups/range-server.ts): entries, a batch at a time. Only what we hold
// with no gap (what our vector offered) is read.
import { decodeEntry, type DeviceEntry } from "../../protocol/devices/sync-entries.ts";
import { MAX_DEVICE_WANT_RANGES, type DeviceEntryFrame, type DeviceEntryRow } from "../../protocol/devices/sync-frames.ts";
import type { PeerId } from "../../protocol/peer-id.ts";
import type { Store } from "../../store/store.ts";
import type { Journal } from "../engine/journal.ts";
import { RangeServer } from "../groups/range-server.ts";
import type { OwnDeviceLink } from "./device-link.ts";

/** Ranges queued per link; a device asking more at once gets the rest when it asks again. */
const MAX_QUEUED = MAX_DEVICE_WANT_RANGES * 4;

interface Range {
  device: PeerId;
  from: number;
  to: number;
}

export class DeviceResponder extends RangeServer<Range, DeviceEntryRow> {
  constructor(
    private readonly link: OwnDeviceLink,
    private readonly store: Store,
    journal: Journal,
  ) {
    super(journal, MAX_QUEUED);
  }

  protected open(): boolean {
    return true; // the devices room stops this responder when the link goes down
  }

  protected queuedBytes(): number {
    return this.link.queuedBytes ?? 0;
  }

  protected read(r: Range, limit: number): Promise<DeviceEntryRow[]> {
    return this.store.deviceEntries(r.device, r.from, r.to, limit);
  }

  protected send(rows: DeviceEntryRow[]): void {
    for (const r of rows) this.link.send(entryFrame(r));
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
