// The hook device sync plugs into: the node tells it of links to OTHER
// devices of OUR identity (same peer id, another device id) and hands it
// every device-* frame from them that is not the device core's own (13-15).
// This file ships a no-op; the sync engine (node/devices/, issue 26)
// replaces createOwnDevices' body. node.ts calls it once.
import type { Frame } from "../../protocol/messages.ts";
import type { PeerId } from "../../protocol/peer-id.ts";
import type { Store } from "../../store/store.ts";
import type { Journal } from "../engine/journal.ts";
import type { NodeEvent } from "../node-events.ts";

/** A link to another device of my identity (peer id == mine, device id != mine). */
export interface OwnDeviceLink {
  /** The other device's id (its TLS certificate's SHA-256, written as a peer id). */
  deviceId: string;
  /** Queues a frame on the link (sync's are 16-19). */
  send(frame: Frame): void;
  /** The other device's hello caps. */
  caps: readonly string[];
}

export interface OwnDevicesHooks {
  onLinkUp(link: OwnDeviceLink): void;
  /** A device-* frame from that device's link, other than device-roster, -welcome, -revoke. */
  onFrame(deviceId: string, frame: Frame): void;
  onLinkDown(deviceId: string): void;
}

export interface OwnDevicesDeps {
  /** My identity's peer id. */
  self: PeerId;
  /** This device's id. */
  deviceId: string;
  store: Store;
  journal: Journal;
  emit(event: NodeEvent): void;
}

/** Device sync: nothing yet (the device core only links the devices). */
export function createOwnDevices(_deps: OwnDevicesDeps): OwnDevicesHooks {
  return { onLinkUp() {}, onFrame() {}, onLinkDown() {} };
}
