// What the rooms beside the engine are told of links (node/devices/,
// reach-links.ts, node/files/, node/groups/): the hooks Peers calls, apart
// from Peers so that admission.ts and the rooms that implement them need not
// import the engine's link keeper.
import type { Contact } from "../../domain/contact.ts";
import type { DeviceWelcomeFrame, FileFrame, Frame, GroupFrame, Hello } from "../../protocol/messages.ts";
import type { PeerId } from "../../protocol/peer-id.ts";
import type { ReachFrame } from "../../protocol/reach-frames.ts";
import type { Link } from "../../transport/link.ts";
import type { NodeLink } from "./link-ctx.ts";

export interface DeviceHooks {
  /** This device's id (our peer id on the first device). */
  deviceId: string;
  /** A device its identity revoked: refused as a changed identity is. */
  isRevoked(peerId: PeerId, deviceId: string): boolean;
  /** The bearer of a join token (a hello's `join`): the welcome to send it, or why not. */
  join(link: NodeLink, hello: Hello): DeviceWelcomeFrame;
  /** A link to another device of ours is up / down (down also for a dial of ours that never came up). */
  ownUp(link: NodeLink, hello: Hello): void;
  ownDown(link: NodeLink, wasUp: boolean): void;
  /** A link to another device of ours drained its write queue. */
  ownWritable?(link: NodeLink): void;
  /** A contact's link is up (each of its devices'): it hears where our devices are. */
  contactUp(link: NodeLink): void;
  /** A device-* frame on an adopted link (our device's or a contact's). */
  frame(link: NodeLink, frame: Frame): void;
}

export interface ReachHooks {
  up(link: NodeLink, contact: Contact): void;
  down(link: NodeLink): void;
  frame(link: NodeLink, contact: Contact, frame: ReachFrame): void;
}

export interface FileHooks {
  /** Before the link's early frames are handed over, so an offer that came with them is not lost; again when a request's link becomes a contact's. */
  up(link: Link, peer: { name: string; request: boolean }): void;
  down(link: Link): void;
  frames(link: Link, frames: FileFrame[]): void;
  writable(link: Link): void;
}

export interface GroupHooks {
  /** `promoted`: a request's link that became a contact's (what the peer sent on it before was not taken). No contact: another device of ours. */
  up(link: Link, contact?: Contact, promoted?: boolean): void;
  down(link: Link): void;
  frames(link: Link, frames: GroupFrame[]): void;
  writable(link: Link): void;
}
