// What a user may send as a message, checked in one place before anything
// reaches a node (ours or the serve's): `send` (argv), a piped `chat` (each
// line) and `serve` (typed lines) call these. A refusal is BAD_TEXT: exit 2,
// at once, whether a serve runs or not.
import { NodeError } from "../node/errors.ts";
import { MAX_TEXT_BYTES } from "../node/node.ts";
import type { InputLine } from "./input-lines.ts";

/** Lines are read up to this (then cut): room to say how long an over-long message is, and no more. */
export const MAX_LINE_BYTES = 4 * MAX_TEXT_BYTES;

const utf8 = new TextDecoder("utf-8");

/** `text` when it can be sent; else BAD_TEXT saying why (`what` names it: "the message", "line 3"). */
export function checkMessage(text: string, what = "the message"): string {
  if (text.length === 0) throw new NodeError("BAD_TEXT", `${what} is empty: nothing to send`);
  const bytes = Buffer.byteLength(text, "utf8");
  if (bytes > MAX_TEXT_BYTES) throw tooLong(what, `${bytes} bytes`);
  return text;
}

/** A line of input as text; BAD_TEXT when it was cut (far too long). */
export function lineText(line: InputLine): string {
  if (line.cut) throw tooLong(`line ${line.no}`, `more than ${MAX_LINE_BYTES} bytes`);
  return utf8.decode(line.bytes);
}

/** A piped chat's line as a message, or null for an empty line (skipped). */
export function lineMessage(line: InputLine): string | null {
  try {
    const text = lineText(line);
    return text.length === 0 ? null : checkMessage(text, `line ${line.no}`);
  } catch (err) {
    if (err instanceof NodeError) throw new NodeError(err.code, `${err.message}; nothing from this line on was sent`);
    throw err;
  }
}

function tooLong(what: string, size: string): NodeError {
  return new NodeError("BAD_TEXT", `${what} is too long: a message has at most ${MAX_TEXT_BYTES} bytes of UTF-8 (64 KiB), this has ${size}`);
}
