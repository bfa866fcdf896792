// The node's hook for links to the user's OTHER devices (same identity,
// another device certificate). The link layer (devices' identities and
// links) calls it; the sync engine (device-sync.ts) implements it, so tests
// drive the engine with in-memory pairs exactly as the node does over TLS.
import type { DeviceEntryRow, DeviceSyncFrame } from "../../protocol/devices/sync-frames.ts";
import type { PeerId } from "../../protocol/peer-id.ts";

/** A link to another device of ours, authenticated as `deviceId`. */
export interface OwnDeviceLink {
  readonly deviceId: PeerId;
  send(frame: DeviceSyncFrame): void;
  /** Many entries as they are stored (encoded once, many per write: protocol/devices/sync-frames.ts encodeDeviceEntries). */
  sendEntries(rows: readonly DeviceEntryRow[]): void;
  /** Bytes waiting in the link's write queue, when the link can tell (serving pauses while it is long). */
  readonly queuedBytes?: number;
}

export interface OwnDevicesHook {
  onLinkUp(link: OwnDeviceLink): void;
  onFrame(deviceId: PeerId, frame: DeviceSyncFrame): void;
  onLinkDown(deviceId: PeerId): void;
}
