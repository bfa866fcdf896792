// The control socket's lines, both ways: newline-delimited JSON. A command
// sends `{ id, op, args }` (args by name, left out when an operation takes
// none); the serve answers each with `{ id, ok, result | error }`, and
// after a `subscribe` also sends `{ event }` lines, the node's events.
import type { OpName } from "./ops.ts";
import type { Shape } from "./shape.ts";

/** Not an operation of the table: it turns the connection into an event stream too. */
export const SUBSCRIBE = "subscribe";
/** The serve's reply to a subscribe. */
export const SUBSCRIBED: Shape<true> = { what: "true", problem: (v) => (v === true ? null : "expected true") };

export type Request = { id: number; op: OpName | typeof SUBSCRIBE; args?: Record<string, unknown> };
export type Response = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: { code: string; message: string } };
