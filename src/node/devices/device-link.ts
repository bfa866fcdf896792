// The links to the user's other devices, as the sync engine sees them: the
// shapes devcore's links fill (own-devices.ts re-exports them for node.ts).
import type { Frame } from "../../protocol/messages.ts";

/** A link to ANOTHER device of MY identity (peer id == my peer id, device id != mine). */
export interface OwnDeviceLink {
  /** The other device's id (SHA-256 fingerprint of its TLS cert, formatted like a PeerId). */
  deviceId: string;
  /** Queues a frame on the link. */
  send(frame: Frame): void;
  /** The peer's hello caps. */
  caps: readonly string[];
  /** Bytes waiting in the link's write queue, when the link tells: serving pauses while it is long. */
  readonly queuedBytes?: number;
}

export interface OwnDevicesHooks {
  onLinkUp(link: OwnDeviceLink): void;
  /** A device-* frame that is not devcore's, from that device's link. */
  onFrame(deviceId: string, frame: Frame): void;
  onLinkDown(deviceId: string): void;
  /** The link's write queue drained: what was held back for it goes on. */
  onDrain?(deviceId: string): void;
  /** The node stops (timers end). */
  stop?(): void;
  /** How far this device has caught up with the others linked now. */
  progress?(): SyncProgress;
  /** Resolves once a device is linked, its vector heard, and all it offered is held here. */
  caughtUp?(): Promise<void>;
}

export interface SyncProgress {
  /** Entries of other devices' logs held here. */
  have: number;
  /** Entries of other devices' logs any linked device offered (have included). */
  total: number;
  /** Every linked device's vector heard, and nothing they offered is missing. */
  done: boolean;
}
