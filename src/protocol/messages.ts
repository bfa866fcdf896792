// The frames as the rest of the program sees them: a union on `type`. The
// codec turns them into bytes and back; nothing here knows the byte layout.
//
// Wire payloads (after the 5-byte frame header, see frame.ts):
//   hello      "P2PC" | u16 BE version | UTF-8 JSON {name, port, caps, session}
//   message    16-byte id | u64 BE created | UTF-8 body (the rest)
//   ack        N * 16-byte id, N >= 1
//   keepalive  empty
//   error      u16 BE code | UTF-8 reason (the rest)
import type { ProtocolErrorCode } from "./errors.ts";

/**
 * The first frame each way. `version` is the sender's protocol version,
 * `port` the port it listens on (0: not listening), `caps` optional features
 * it speaks, `session` a fresh random string per process run, so a peer can
 * tell a restart from a second link of the same run.
 */
export type Hello = {
  type: "hello";
  version: number;
  name: string;
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

export type Frame = Hello | ChatMessage | Ack | KeepAlive | ErrorFrame;

export type FrameType = Frame["type"];

/** What encodeMessages takes: a stored outgoing message, no `type` needed. */
export type OutgoingMessage = {
  readonly id: string;
  readonly created: number;
  readonly body: string;
};
