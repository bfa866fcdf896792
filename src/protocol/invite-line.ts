// An invite: one line a person pastes (or scans) to add someone. It carries
// the inviter's name, peer id, the addresses it can be reached at, a one-time
// token, and optionally its discovery key and relays; a checksum catches a
// mistyped or truncated copy.
//
//   p2pchat:<base64url( JSON | 4-byte checksum )>
//
// The checksum is the first 4 bytes of the SHA-256 of the JSON. The text
// must be the canonical encoding of its bytes, so no character can change
// without the check failing. The invite is not a secret of the identity: its
// token only lets the bearer skip the request step, once.
import { CodedError } from "./coded-error.ts";
import { parsePeerId, type PeerId } from "./peer-id.ts";

export const INVITE_PREFIX = "p2pchat:";
export const MAX_INVITE_ADDRS = 16;

export interface Invite {
  name: string;
  peerId: PeerId;
  /** HOST:PORT each, IPv6 in brackets. */
  addresses: string[];
  token: string;
  /** Epoch ms; the inviter's node decides, this only tells the invitee. */
  expires: number;
  /** The inviter's discovery key (z-base-32), for a DHT lookup. */
  dkey?: string;
  relays?: string[];
}

export type InviteErrorCode = "NOT_AN_INVITE" | "CHECKSUM_MISMATCH" | "BAD_INVITE";

export class InviteError extends CodedError<InviteErrorCode> {
  override readonly name = "InviteError";
}

type Wire = { n: string; id: string; a: string[]; t: string; x: number; k?: string; r?: string[] };

const CHECK = 4;

export function encodeInvite(inv: Invite): string {
  const wire: Wire = { n: inv.name, id: inv.peerId, a: inv.addresses.slice(0, MAX_INVITE_ADDRS), t: inv.token, x: Math.floor(inv.expires / 1000) };
  if (inv.dkey) wire.k = inv.dkey;
  if (inv.relays?.length) wire.r = inv.relays;
  const json = Buffer.from(JSON.stringify(wire), "utf8");
  return INVITE_PREFIX + Buffer.concat([json, checksum(json)]).toString("base64url");
}

/** Whether `text` looks like an invite at all (its prefix). */
export function isInvite(text: string): boolean {
  return text.trim().toLowerCase().startsWith(INVITE_PREFIX);
}

export function decodeInvite(text: string): Invite {
  const s = text.replace(/\s+/g, "");
  if (!s.toLowerCase().startsWith(INVITE_PREFIX)) throw new InviteError("NOT_AN_INVITE", `not an invite: an invite line starts with ${JSON.stringify(INVITE_PREFIX)} (\`p2pchat invite\` prints one)`);
  const body = s.slice(INVITE_PREFIX.length);
  const bad = /[^A-Za-z0-9_-]/.exec(body);
  if (bad) throw new InviteError("CHECKSUM_MISMATCH", `checksum mismatch: the invite holds ${JSON.stringify(bad[0])}, which no invite does (was it mistyped?)`);
  const bytes = Buffer.from(body, "base64url");
  // A character that changes only unused bits still changes the text: refuse a non-canonical encoding.
  if (bytes.length <= CHECK || bytes.toString("base64url") !== body) throw mismatch();
  const json = bytes.subarray(0, bytes.length - CHECK);
  if (!checksum(json).equals(bytes.subarray(bytes.length - CHECK))) throw mismatch();
  let wire: unknown;
  try {
    wire = JSON.parse(json.toString("utf8"));
  } catch {
    throw new InviteError("BAD_INVITE", "the invite's checksum holds but its content does not parse: made by an incompatible p2pchat?");
  }
  return fromWire(wire);
}

function fromWire(w: unknown): Invite {
  const bad = (why: string) => new InviteError("BAD_INVITE", `the invite is not valid: ${why}`);
  if (typeof w !== "object" || w === null) throw bad("not an object");
  const o = w as Partial<Record<keyof Wire, unknown>>;
  if (typeof o.n !== "string" || o.n.length === 0 || [...o.n].length > 40) throw bad("no name");
  const id = typeof o.id === "string" ? parsePeerId(o.id) : null;
  if (!id?.ok) throw bad("no valid peer id");
  if (!Array.isArray(o.a) || o.a.length > MAX_INVITE_ADDRS || o.a.some((x) => typeof x !== "string" || x.length > 64)) throw bad("addresses");
  if (typeof o.t !== "string" || !/^[A-Za-z0-9_-]{8,64}$/.test(o.t)) throw bad("no token");
  if (typeof o.x !== "number" || !Number.isFinite(o.x)) throw bad("no expiry");
  const inv: Invite = { name: o.n, peerId: id.id, addresses: o.a as string[], token: o.t, expires: o.x * 1000 };
  if (typeof o.k === "string" && /^[a-z0-9]{1,64}$/.test(o.k)) inv.dkey = o.k;
  if (Array.isArray(o.r)) inv.relays = (o.r as unknown[]).filter((x): x is string => typeof x === "string" && x.length <= 200).slice(0, 4);
  return inv;
}

function checksum(json: Uint8Array): Buffer {
  return Buffer.from(new Bun.CryptoHasher("sha256").update(json).digest()).subarray(0, CHECK);
}

function mismatch(): InviteError {
  return new InviteError("CHECKSUM_MISMATCH", "checksum mismatch: the invite was mistyped or cut short (copy the whole line, from p2pchat: to its end)");
}
