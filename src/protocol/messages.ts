// The frames as the rest of the program sees them: a union on `type`. The
// codec turns them into bytes and back; nothing here knows the byte layout.
//
// Wire payloads (after the 5-byte frame header, see frame.ts):
//   hello      "P2PC" | u16 BE version | UTF-8 JSON {name, port, caps, session}
//   message    16-byte id | u64 BE created | UTF-8 body (the rest)
//   ack        N * 16-byte id, N >= 1
//   keepalive  empty
//   error      u16 BE code | UTF-8 reason (the rest)
//   group-*    see group-codec.ts (group-fork: group-forks.ts)
//   invite-answer  u8: 0 admitted, 1 used up, 2 expired, 3 unknown
//   refuse     u16 BE code | u16 BE n (>= 1) | n * 16-byte id | UTF-8 reason (the rest)
//   punch-*, relay-offer  see reach-frames.ts
//   file-*     see files/file-frames.ts
//   device-roster, -welcome, -revoke  see devices/device-frames.ts
//   device-vector, -want, -entry      see devices/sync-frames.ts (between devices of one person)
import type { DeviceFrame } from "./devices/device-frames.ts";
import type { DeviceSyncFrame } from "./devices/sync-frames.ts";
import type { FileFrame } from "./files/file-frames.ts";
import type { ProtocolErrorCode } from "./protocol-error.ts";
import type { ReachFrame } from "./reach-frames.ts";

export type * from "./files/file-frames.ts";
export type * from "./devices/device-frames.ts";

/**
 * The first frame each way. `version` is the sender's protocol version,
 * `port` the port it listens on (0: not listening), `caps` optional features
 * it speaks, `session` a fresh random string per process run, so a peer can
 * tell a restart from a second link of the same run.
 */
export type Hello = {
  type: "hello";
  version: number;
  /** The sender's name as a handle: no spaces (what older peers require), "José-Ñandú". */
  name: string;
  /** The name it shows, when that has spaces: "José Ñandú" (a newer peer sends it beside `name`). */
  display?: string;
  port: number;
  caps: string[];
  session: string;
  /** Where the sender says it can be reached (HOST:PORT each): hints, never proof. */
  addrs?: string[];
  /** An invite token the sender was given by the peer it dials. */
  invite?: string;
  /** The sender's discovery key (Ed25519, z-base-32), for looking it up on the DHT. */
  dkey?: string;
  /** Relays the sender stays joined to (relay://HOST:PORT/?id=...). */
  relays?: string[];
  /**
   * The address (HOST:PORT) the sender sees the receiver's end of this
   * link at: behind NAT, the receiver's public address, which it cannot see
   * itself (a hint for hole punching; never on a relayed link).
   */
  seen?: string;
  /** A device join token (`p2pchat-device:` line) the sender presents to the identity's device it dials. */
  join?: string;
};

/**
 * A chat message. `id` is a UUID in lowercase canonical form
 * (`Bun.randomUUIDv7()`), 16 raw bytes on the wire; `created` is epoch
 * milliseconds, an integer >= 0; `body` is at most MAX_BODY bytes of UTF-8.
 */
export type ChatMessage = {
  type: "message";
  id: string;
  created: number;
  body: string;
};

/** "I stored these messages": the sender may mark them delivered. */
export type Ack = {
  type: "ack";
  ids: string[];
};

/** Sent when there was nothing else to send for a while. */
export type KeepAlive = {
  type: "keepalive";
};

/** The last frame before a side closes: why it did. */
export type ErrorFrame = {
  type: "error";
  code: ProtocolErrorCode;
  reason: string;
};

/**
 * "This Ed25519 key is mine": the sender's group author key (its discovery
 * key), with its signature over the sender's peer id, so a key is bound to
 * the identity the TLS pin proved and nobody can claim another's key.
 */
export type GroupKeyFrame = {
  type: "group-key";
  /** 32 bytes, lowercase hex. */
  key: string;
  /** 64 bytes, lowercase hex. */
  sig: string;
  /**
   * "Send me your key and full vectors again": the sender may have dropped
   * what came before (the link was a stranger's request until just now).
   */
  again: boolean;
};

/** One member's holdings: per author, the highest seq it holds with no gap below. */
export type GroupVectorRow = {
  /** The member's author key (hex). */
  member: string;
  /**
   * Sorted by author key; every seq >= 1. Only in row 0, and only to a peer
   * whose hello lists GROUP_FORKS_CAP, each entry has a `digest`: the
   * running hash of that author's log up to `seq` (group-forks.ts), or 64
   * zeros when the sender does not know it. Two members whose digests for
   * the same (author, seq) differ hold different logs: the author forked.
   */
  entries: { author: string; seq: number; digest?: string }[];
};

/**
 * What the sender holds of a group. `rows[0]` is the sender's own; `full`:
 * it lists every author the sender holds (so the receiver may compute all
 * the sender lacks), else only those that changed. Further rows are what the
 * sender knows other members hold (receipts, for "delivered to 3 of 5").
 */
export type GroupVectorFrame = {
  type: "group-vector";
  /** 16 bytes, hex. */
  group: string;
  /** The creator's author key: whose stream to fetch first when the group is new to the receiver. */
  creator: string;
  full: boolean;
  rows: GroupVectorRow[];
};

/** "Send me these": seqs from..to (inclusive) of each author. */
export type GroupWantFrame = {
  type: "group-want";
  group: string;
  ranges: { author: string; from: number; to: number }[];
};

/**
 * A group message or event, signed by its author: anyone may carry it,
 * nobody can alter it. `seq` counts 1, 2, 3... per author per group.
 */
export type GroupMessageFrame = {
  type: "group-message";
  group: string;
  author: string;
  seq: number;
  created: number;
  /** 0 text; 1..4 events (group-events.ts); others are shown as unsupported. */
  kind: number;
  /** UTF-8: the text, or an event's JSON. */
  body: string;
  /** 64 bytes, hex. */
  sig: string;
};

/** One signed version of a (group, author, seq) in a fork frame. */
export type GroupForkVersion = {
  created: number;
  kind: number;
  body: string;
  sig: string;
};

/**
 * Proof that an author equivocated: two versions of the same (group,
 * author, seq), each validly signed by that author, with different
 * contents. Self-contained: a member checks both signatures and needs
 * nothing else. Sent only to a peer whose hello lists GROUP_FORKS_CAP.
 */
export type GroupForkFrame = {
  type: "group-fork";
  group: string;
  author: string;
  seq: number;
  versions: [GroupForkVersion, GroupForkVersion];
};

/** The hello cap of nodes that send and take log digests in vectors and fork frames. */
export const GROUP_FORKS_CAP = "group-forks";

export type GroupFrame = GroupKeyFrame | GroupVectorFrame | GroupWantFrame | GroupMessageFrame | GroupForkFrame;

/**
 * What the inviter's node made of the token in our hello: we are its
 * contact now (admitted), or the token was used up, expired or unknown
 * (then we are a request it accepts by hand). Sent only to a peer whose
 * hello lists INVITE_ANSWER_CAP.
 */
export type InviteAnswerFrame = {
  type: "invite-answer";
  answer: InviteAnswer;
};

export const INVITE_ANSWERS = ["admitted", "used up", "expired", "unknown"] as const;
export type InviteAnswer = (typeof INVITE_ANSWERS)[number];
export const INVITE_ANSWER_CAP = "invite-answer";

/**
 * "These messages of yours will not be stored, ever": unlike an error frame
 * the link stays up, and unlike an ack the sender learns they were not
 * delivered. Its node keeps them as failed, with the reason, instead of
 * sending them again. Sent only to a peer whose hello lists REFUSE_CAP (an
 * older one is acked instead, or it would send them again forever).
 */
export type RefuseFrame = {
  type: "refuse";
  ids: string[];
  code: ProtocolErrorCode;
  reason: string;
};

export const REFUSE_CAP = "refuse";

export type Frame = Hello | ChatMessage | Ack | KeepAlive | ErrorFrame | GroupFrame | InviteAnswerFrame | RefuseFrame | ReachFrame | FileFrame | DeviceFrame | DeviceSyncFrame;

export type FrameType = Frame["type"];

/** What encodeMessages takes: a stored outgoing message, no `type` needed. */
export type OutgoingMessage = {
  readonly id: string;
  readonly created: number;
  readonly body: string;
};
