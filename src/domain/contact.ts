// Who we talk to: a contact (a name the user gave a pinned identity, and the
// addresses it may be reached at: hints, never proof), and a stranger's
// request until the user decides. The shapes every floor above speaks in.
import type { PeerId } from "../protocol/peer-id.ts";

/** Where an address of a contact came from. */
export type AddressSource = "typed" | "invite" | "hello" | "lan" | "dht" | "relay";

/** One address a contact may be reached at: a hint, never proof of who answers there. */
export interface ContactAddress {
  host: string;
  port: number;
  source: AddressSource;
  addedAt: number;
  /** When a link through it last came up. */
  lastOk: number | null;
  lastTried: number | null;
  lastError: string | null;
}

export interface NewAddress {
  host: string;
  port: number;
  source: AddressSource;
}

export interface Contact {
  name: string;
  /** IPv4, IPv6 (no brackets) or a DNS name: the `ip` column. */
  host: string;
  port: number;
  peerId: PeerId | null;
  blocked: boolean;
  /** Spoken to in the original program's plaintext protocol. */
  legacy: boolean;
  createdAt: number | null;
  /** Every address known for it, the one to dial first first. `host`/`port` above is the one that worked last. */
  addresses: ContactAddress[];
  /** An invite token it gave us, presented when we dial it until a link is up. */
  inviteToken: string | null;
  /** Its discovery key (z-base-32), to look it up on the DHT. */
  dkey: string | null;
  /** Relays it stays joined to (relay://...). */
  relays: string[];
}

/** A peer that is not a contact and connected to us: a knock, until the user decides. */
export interface PeerRequest {
  peerId: PeerId;
  /** The name it announced: a hint, never a contact's name by itself. */
  name: string;
  /** Where it connected from, and the port it said it listens on. */
  host: string;
  port: number;
  firstSeen: number;
  lastSeen: number;
  blocked: boolean;
  /** Its messages stored, waiting for the user to accept it. */
  waiting: number;
}

/**
 * What to do about a certificate that is not the pinned one: the address may
 * simply belong to someone else now; only the contact can say it is theirs.
 */
export function mismatchAdvice(name: string, got: PeerId): string {
  return (
    `Either that address is no longer ${name}'s (correct it: p2pchat contacts set ${name} --address HOST:PORT), ` +
    `or ${name} made a new identity: confirm with them, then p2pchat contacts pin ${name} ${got}`
  );
}
