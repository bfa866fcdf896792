// The node's hook for links to the user's OTHER devices (same identity,
// another device certificate): devcore's links call it (peers.ts hands every
// device-* frame that is not devcore's own here); the sync engine
// (device-sync.ts) implements it, so tests drive the engine with in-memory
// pairs exactly as the node does over TLS. Shapes: /work/wt/DEVCORE-CONTRACT.md.
import type { PeerId } from "../../protocol/peer-id.ts";
import type { Store } from "../../store/store.ts";
import type { Journal } from "../engine/journal.ts";
import type { NodeEvent } from "../node-events.ts";
import { DeviceSync, type SyncProgress } from "./device-sync.ts";

export type { OwnDeviceLink, OwnDevicesHooks } from "./device-link.ts";

export interface OwnDevicesDeps {
  /** My identity's peer id. */
  self: PeerId;
  /** This device's id. */
  deviceId: string;
  store: Store;
  journal: Journal;
  emit(event: NodeEvent): void;
  /** How far this device has caught up with the others (for `devices join`'s progress line). */
  onProgress?(p: SyncProgress): void;
  /** Another device changed the address book or the requests here: what the node keeps in memory of them is read again. */
  booksChanged?(): Promise<void>;
}

/** node.ts calls it once, in the ChatNode constructor. */
export function createOwnDevices(deps: OwnDevicesDeps): DeviceSync {
  return new DeviceSync({ self: deps.deviceId as PeerId, store: deps.store, journal: deps.journal, emit: deps.emit, onProgress: deps.onProgress, booksChanged: deps.booksChanged });
}
