// What a message may say: not blank (the rule a receiving node applies too,
// protocol/text.ts), valid Unicode, and at most MAX_TEXT_BYTES.
import { blankText } from "../protocol/text.ts";
import { NodeError } from "./node-error.ts";

/** Largest message body, in bytes of UTF-8 (the protocol's limit). */
export const MAX_TEXT_BYTES = 64 * 1024;

/** What may be sent: the rule a receiving node applies too (protocol/text.ts), and at most MAX_TEXT_BYTES. */
export function checkText(text: string): void {
  if (typeof text !== "string" || blankText(text) !== null) throw new NodeError("BAD_TEXT", "a message cannot be empty or blank (only spaces or invisible characters)");
  if (!text.isWellFormed()) throw new NodeError("BAD_TEXT", "the message is not valid Unicode text");
  const bytes = Buffer.byteLength(text, "utf8");
  if (bytes > MAX_TEXT_BYTES) throw new NodeError("BAD_TEXT", `a message has at most ${MAX_TEXT_BYTES} bytes of UTF-8 (this has ${bytes})`);
}
