// The node's own state for each of its links (Link.ctx): who it is for, the
// address we dialed, a stranger's request, the outbox pumping to it. Typed
// once here, for the parts that make links (the dialer) and the one that
// reads them (peers.ts).
import type { Contact, PeerRequest } from "../../domain/contact.ts";
import type { Link } from "../../transport/link.ts";
import type { Target } from "../dial/dial-plan.ts";
import type { Outbox } from "./outbox.ts";

export interface LinkCtx {
  /** The contact we dialed (out) or matched (in, once decided). */
  contact: Contact | null;
  /** The address we dialed (out). */
  target: Target | null;
  /** A stranger's link: what it sends waits with its request. */
  request: PeerRequest | null;
  outbox: Outbox | null;
  uncommitted: number;
  /** The invite token our hello on this link presented (out). */
  presented: string | null;
  /**
   * Adopted and still open once the frames that came with the hello were
   * replayed: only such a link was "up" for the user, the dialer and health.
   * (A blocking node's hello arrives with its SHUTDOWN right behind it.)
   */
  up: boolean;
  /**
   * A link to another device of our own identity: the device id we dialed
   * (out), or the one that proved itself (in, once decided). Never a contact's.
   */
  ownDevice: string | null;
  /**
   * A contact's link that is not the one its outbox runs on: another device
   * of the same identity is linked already (what it sends is taken, we send
   * on the first). It takes over when that one closes.
   */
  secondary: boolean;
}

/** A link of the node's, with its state. */
export type NodeLink = Link<LinkCtx>;

/** The state of a dial to another device of ours, at `target`. */
export function ownDeviceCtx(deviceId: string, target: Target): LinkCtx {
  return { ...newCtx(null, target), ownDevice: deviceId };
}

/** The state a link starts with: the contact we dial (and where), or nobody yet (one that came in). */
export function newCtx(contact: Contact | null, target: Target | null = null): LinkCtx {
  return { contact, target, request: null, outbox: null, uncommitted: 0, presented: null, up: false, ownDevice: null, secondary: false };
}
