// What a group message's `kind` means, and the bodies of the events that
// keep a group's membership. An event is a group message like any other
// (signed, numbered in its author's sequence, carried by anyone); its body is
// a small JSON object, validated field by field as the hello's is. The JSON
// is stored and relayed exactly as its author wrote it (the signature covers
// those bytes), never re-serialized.
//
//   create  {"name", "nonce", "peer", "owner"}  the creator's seq 1: the group's id is groupIdFor(creator,
//                                             nonce); peer and owner are the creator's peer id and name
//   add     {"key", "peer", "name"}    by the creator: a member (author key, peer id, the creator's name for it)
//   remove  {"key", "until", "held"?}  by the creator: the member's seqs above `until` are refused from now on;
//                                      `held` (optional, newer builds) is what the creator held of the other
//                                      members when it removed this one: {"<creator's seq of the member's add
//                                      event>": seq}, "0" for the creator. A removed member may still get an
//                                      author's messages up to there (written before its removal), none above.
//   leave   {}                         by the member itself: its seqs after this one are refused
//   device  {"key", "peer", "sig"}     by a member: another author key of the same person (another of its
//                                      devices, issue 26), a member as it is; `sig` is that key's signature
//                                      over `peer` (the bytes its group-key frame signs), so no member can
//                                      claim a key whose holder did not prove it for that peer id. Kind 6
//                                      (5 is a file post); builds before it show it as nothing and refuse
//                                      the device's messages.
import { invisibleNameProblem } from "../hello.ts";
import { isHexKey } from "../hex.ts";
import { parsePeerId, type PeerId } from "../peer-id.ts";
import { ProtocolError } from "../protocol-error.ts";

export const GROUP_KIND = { text: 0, create: 1, add: 2, remove: 3, leave: 4, device: 6 } as const;
/** Code points in a group's or a member's name. */
export const MAX_GROUP_NAME = 40;
/** Bytes of an event body: small, whatever its strings hold. */
export const MAX_EVENT_BODY = 1024;

export type GroupEvent =
  | { kind: "create"; name: string; nonce: string; peer: PeerId; owner: string }
  | { kind: "add"; key: string; peer: PeerId; name: string }
  | { kind: "remove"; key: string; until: number; held?: Record<string, number> }
  | { kind: "leave" }
  | { kind: "device"; key: string; peer: PeerId; sig: string };

export function isEventKind(kind: number): boolean {
  return (kind >= GROUP_KIND.create && kind <= GROUP_KIND.leave) || kind === GROUP_KIND.device;
}

/** The kind byte and body of an event; throws what decodeGroupEvent would throw for it. */
export function encodeGroupEvent(e: GroupEvent): { kind: number; body: string } {
  let out: { kind: number; body: string };
  switch (e.kind) {
    case "create":
      out = { kind: GROUP_KIND.create, body: JSON.stringify({ name: e.name, nonce: e.nonce, peer: e.peer, owner: e.owner }) };
      break;
    case "add":
      out = { kind: GROUP_KIND.add, body: JSON.stringify({ key: e.key, peer: e.peer, name: e.name }) };
      break;
    case "remove":
      out = { kind: GROUP_KIND.remove, body: JSON.stringify(e.held ? { key: e.key, until: e.until, held: e.held } : { key: e.key, until: e.until }) };
      break;
    case "leave":
      out = { kind: GROUP_KIND.leave, body: "{}" };
      break;
    case "device":
      out = { kind: GROUP_KIND.device, body: JSON.stringify({ key: e.key, peer: e.peer, sig: e.sig }) };
      break;
  }
  decodeGroupEvent(out.kind, out.body);
  return out;
}

/** The event a message holds; null for text and for kinds this build does not know. Throws BAD_FRAME for a malformed event. */
export function decodeGroupEvent(kind: number, body: string): GroupEvent | null {
  if (!isEventKind(kind)) return null;
  if (Buffer.byteLength(body, "utf8") > MAX_EVENT_BODY) throw bad(`body over ${MAX_EVENT_BODY} bytes`);
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (err) {
    throw bad("the JSON does not parse", err);
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) throw bad("the JSON is not an object");
  switch (kind) {
    case GROUP_KIND.create: {
      const nonce = field(json, "nonce");
      if (typeof nonce !== "string" || !isHexKey(nonce, 16)) throw bad("create: nonce is not 16 bytes of hex");
      return { kind: "create", name: name(field(json, "name"), "create: name"), nonce, peer: peer(field(json, "peer"), "create"), owner: name(field(json, "owner"), "create: owner") };
    }
    case GROUP_KIND.add: {
      const key = field(json, "key");
      if (typeof key !== "string" || !isHexKey(key, 32)) throw bad("add: key is not 32 bytes of hex");
      return { kind: "add", key, peer: peer(field(json, "peer"), "add"), name: name(field(json, "name"), "add: name") };
    }
    case GROUP_KIND.remove: {
      const key = field(json, "key");
      const until = field(json, "until");
      if (typeof key !== "string" || !isHexKey(key, 32)) throw bad("remove: key is not 32 bytes of hex");
      if (!isSeq(until)) throw bad("remove: until is not a seq");
      const held = field(json, "held");
      if (held === undefined) return { kind: "remove", key, until };
      if (typeof held !== "object" || held === null || Array.isArray(held)) throw bad("remove: held is not an object");
      const out: Record<string, number> = {};
      for (const [k, v] of Object.entries(held)) {
        if (!/^(0|[1-9][0-9]{0,9})$/.test(k) || !isSeq(v)) throw bad("remove: held maps an add's seq to a seq");
        out[k] = v;
      }
      return { kind: "remove", key, until, held: out };
    }
    case GROUP_KIND.device: {
      const key = field(json, "key");
      const sig = field(json, "sig");
      if (typeof key !== "string" || !isHexKey(key, 32)) throw bad("device: key is not 32 bytes of hex");
      if (typeof sig !== "string" || !isHexKey(sig, 64)) throw bad("device: sig is not 64 bytes of hex");
      return { kind: "device", key, peer: peer(field(json, "peer"), "device"), sig };
    }
    default:
      return { kind: "leave" };
  }
}

/** Why `s` cannot name a group or a member, or null: 1 to 40 characters, nothing invisible, no spaces or controls. */
export function groupNameProblem(s: string): string | null {
  const n = [...s].length;
  if (n < 1 || n > MAX_GROUP_NAME) return `a group name has 1 to ${MAX_GROUP_NAME} characters`;
  if (/[\s\p{Cc}\p{Cs}]/u.test(s)) return "a group name cannot contain spaces or control characters";
  const invisible = invisibleNameProblem(s);
  return invisible ? `a group name cannot hold characters that show nothing: it ${invisible}` : null;
}

/**
 * What a removal lets the removed member still get, per author key: the
 * seqs the creator held when it removed it (`held`, keyed by the seq of each
 * member's add event; `keyAt` says whose add that was, 0 the creator).
 * An author it does not name: nothing.
 */
export function removalHeld(held: Record<string, number> | undefined, keyAt: (addSeq: number) => string | undefined): Map<string, number> {
  const out = new Map<string, number>();
  for (const [k, seq] of Object.entries(held ?? {})) {
    const key = keyAt(Number(k));
    if (key !== undefined) out.set(key, seq);
  }
  return out;
}

function isSeq(v: unknown): v is number {
  return typeof v === "number" && Number.isInteger(v) && v >= 0 && v <= 0xffff_ffff;
}

function name(v: unknown, what: string): string {
  if (typeof v !== "string") throw bad(`${what} is not a string`);
  const problem = groupNameProblem(v);
  if (problem) throw bad(`${what}: ${problem}`);
  return v;
}

function peer(v: unknown, what: string): PeerId {
  const parsed = typeof v === "string" ? parsePeerId(v) : null;
  if (!parsed?.ok || parsed.id !== v) throw bad(`${what}: peer is not a peer id in its canonical form`);
  return parsed.id;
}

function field(o: object, key: string): unknown {
  return Object.getOwnPropertyDescriptor(o, key)?.value;
}

function bad(why: string, cause?: unknown): ProtocolError {
  return ProtocolError.badFrame(`bad group event: ${why}`, { cause });
}
