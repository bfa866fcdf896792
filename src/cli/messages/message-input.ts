// What a user may send as a message, checked in one place before anything
// reaches a node (ours or the serve's): `send` (argv), a piped `chat` (each
// line) and `serve` (typed lines) call these. A refusal is BAD_TEXT: exit 2,
// at once, whether a serve runs or not. Text must be valid UTF-8 (we say
// which byte is not), not blank, and at most MAX_TEXT_BYTES.
import { readFileSync } from "node:fs";
import { NodeError } from "../../domain/node-error.ts";
import { MAX_TEXT_BYTES } from "../../domain/message-text.ts";
import { blankText } from "../../protocol/text.ts";
import type { InputLine } from "../../transport/lines.ts";

/** Lines are read up to this (then cut): room to say how long an over-long message is, and no more. */
export const MAX_LINE_BYTES = 4 * MAX_TEXT_BYTES;

const utf8 = new TextDecoder("utf-8");

/** `text` when it can be sent; else BAD_TEXT saying why (`what` names it: "the message", "line 3"). */
export function checkMessage(text: string, what = "the message"): string {
  const blank = blankText(text);
  if (blank === "empty") throw new NodeError("BAD_TEXT", `${what} is empty: nothing to send`);
  if (blank === "blank") throw new NodeError("BAD_TEXT", `${what} is blank (only spaces or invisible characters): nothing to send`);
  const bytes = Buffer.byteLength(text, "utf8");
  if (bytes > MAX_TEXT_BYTES) throw tooLong(what, `${bytes} bytes`);
  return text;
}

/** A line of input as text; BAD_TEXT when it was cut (far too long) or is not UTF-8. */
export function lineText(line: InputLine): string {
  if (line.cut) throw tooLong(`line ${line.no}`, `more than ${MAX_LINE_BYTES} bytes`);
  return decodeStrict(line.bytes, `line ${line.no}`);
}

/** A piped chat's line as a message, or null for an empty or blank line (skipped, as ever). */
export function lineMessage(line: InputLine): string | null {
  try {
    const text = lineText(line);
    return blankText(text) !== null ? null : checkMessage(text, `line ${line.no}`);
  } catch (err) {
    if (err instanceof NodeError) throw new NodeError(err.code, `${err.message}; nothing from this line on was sent`);
    throw err;
  }
}

function tooLong(what: string, size: string): NodeError {
  return new NodeError("BAD_TEXT", `${what} is too long: a message has at most ${MAX_TEXT_BYTES} bytes of UTF-8 (64 KiB), this has ${size}`);
}

/**
 * `send`'s words as one message. Bun hands argv over with invalid UTF-8
 * already replaced by U+FFFD; when one shows, the bytes the kernel got
 * (/proc/self/cmdline on Linux) say whether it was typed or is a bad byte.
 */
export function argvMessage(words: readonly string[]): string {
  const text = words.join(" ");
  if (text.includes("\uFFFD")) {
    const raw = rawArgs();
    if (raw) {
      // argv and the raw list end alike; each word is one of argv's entries, in order.
      const argv = process.argv.slice(2);
      const bytes: Uint8Array[] = [];
      let k = 0;
      for (const w of words) {
        while (k < argv.length && argv[k] !== w) k++;
        const r = raw[raw.length - argv.length + k];
        if (k >= argv.length || !r) return checkMessage(text); // cannot line them up: take what Bun gave
        bytes.push(r, SPACE);
        k++;
      }
      decodeStrict(Buffer.concat(bytes.slice(0, -1)), "the message");
    }
  }
  return checkMessage(text);
}

const SPACE = Uint8Array.of(0x20);

function rawArgs(): Uint8Array[] | null {
  if (process.platform !== "linux") return null;
  let buf: Buffer;
  try {
    buf = readFileSync("/proc/self/cmdline");
  } catch {
    return null;
  }
  const out: Uint8Array[] = [];
  let from = 0;
  for (let i = 0; i < buf.length; i++) {
    if (buf[i] !== 0) continue;
    out.push(buf.subarray(from, i));
    from = i + 1;
  }
  return out;
}

/** Decodes UTF-8 or throws BAD_TEXT naming the first bad byte: its offset (from 0) and value. */
export function decodeStrict(bytes: Uint8Array, what: string): string {
  const at = invalidUtf8At(bytes);
  if (at < 0) return utf8.decode(bytes);
  const hex = bytes[at]!.toString(16).toUpperCase().padStart(2, "0");
  throw new NodeError("BAD_TEXT", `${what} is not valid UTF-8: byte 0x${hex} at offset ${at} (is it in another encoding, such as Latin-1?)`);
}

/** Offset of the first byte that does not start or continue a well-formed UTF-8 sequence, or -1. */
export function invalidUtf8At(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i]!;
    if (c < 0x80) {
      i++;
      continue;
    }
    // Lead byte: length and the range of the second byte (RFC 3629: no overlongs, surrogates or > U+10FFFF).
    let n: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) n = 1;
    else if (c >= 0xe0 && c <= 0xef) {
      n = 2;
      if (c === 0xe0) lo = 0xa0;
      if (c === 0xed) hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      n = 3;
      if (c === 0xf0) lo = 0x90;
      if (c === 0xf4) hi = 0x8f;
    } else return i;
    const second = b[i + 1];
    if (second === undefined || second < lo || second > hi) return i;
    for (let k = 2; k <= n; k++) {
      const x = b[i + k];
      if (x === undefined || x < 0x80 || x > 0xbf) return i;
    }
    i += n + 1;
  }
  return -1;
}
