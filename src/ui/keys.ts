// What a terminal sends, as keys: text, editing keys, and what the full-screen
// chat listens for (page keys, the mouse wheel in SGR mode, focus reports,
// Alt combinations). Pure: bytes in, keys out, tested without a terminal.

export type KeyKind =
  | "enter"
  | "backspace"
  | "delete"
  | "left"
  | "right"
  | "home"
  | "end"
  | "up"
  | "down"
  | "word-left"
  | "word-right"
  | "kill-start"
  | "kill-end"
  | "kill-word"
  | "interrupt"
  | "eof"
  | "redraw"
  /** Alt-Enter: a line break inside the message being written. */
  | "newline"
  | "tab"
  | "escape"
  | "page-up"
  | "page-down"
  /** Ctrl-N / Ctrl-P: a line editor takes them as down / up. */
  | "next"
  | "prev"
  /** Alt-A: the next conversation with unread messages. */
  | "next-unread"
  | "wheel-up"
  | "wheel-down"
  | "focus-in"
  | "focus-out"
  | "ignored";

export type Key = { kind: "text"; text: string } | { kind: "alt-digit"; digit: number } | { kind: KeyKind };

const CSI_KEYS: Record<string, KeyKind> = {
  A: "up",
  B: "down",
  C: "right",
  D: "left",
  H: "home",
  F: "end",
  I: "focus-in",
  O: "focus-out",
  Z: "ignored", // Shift-Tab
  "1~": "home",
  "7~": "home",
  "4~": "end",
  "8~": "end",
  "3~": "delete",
  "5~": "page-up",
  "6~": "page-down",
  "5;2~": "page-up",
  "6;2~": "page-down",
  "1;5C": "word-right",
  "1;5D": "word-left",
  "1;3C": "word-right",
  "1;3D": "word-left",
};

const CTRL_KEYS: Record<number, KeyKind> = {
  0x01: "home", // Ctrl-A
  0x02: "left", // Ctrl-B
  0x03: "interrupt", // Ctrl-C
  0x04: "eof", // Ctrl-D: end of input on an empty line, else delete
  0x05: "end", // Ctrl-E
  0x06: "right", // Ctrl-F
  0x08: "backspace", // Ctrl-H
  0x09: "tab",
  0x0a: "enter",
  0x0b: "kill-end", // Ctrl-K
  0x0c: "redraw", // Ctrl-L
  0x0d: "enter",
  0x0e: "next", // Ctrl-N
  0x10: "prev", // Ctrl-P
  0x15: "kill-start", // Ctrl-U
  0x17: "kill-word", // Ctrl-W
  0x7f: "backspace",
};

const PASTE_START = "\x1b[200~";
const PASTE_END = "\x1b[201~";

export interface ParseOptions {
  /**
   * "text": a bracketed paste is one text key that keeps its line breaks (a
   * multi-line message). "lines" (default): its line breaks are enters.
   */
  paste?: "text" | "lines";
}

/**
 * Splits what a terminal sent into keys. An escape sequence cut off at the
 * end of `chunk` is returned as `rest`, to be prefixed to the next chunk
 * (a lone Esc too: the caller decides, after a moment, that it was the Esc key).
 */
export function parseKeys(chunk: string, opts: ParseOptions = {}): { keys: Key[]; rest: string } {
  const keys: Key[] = [];
  let text = "";
  const flush = () => {
    if (text) keys.push({ kind: "text", text });
    text = "";
  };
  let i = 0;
  while (i < chunk.length) {
    const c = chunk.charCodeAt(i);
    if (chunk.startsWith(PASTE_START, i)) {
      const end = chunk.indexOf(PASTE_END, i + PASTE_START.length);
      if (end < 0) {
        flush();
        return { keys, rest: chunk.slice(i) };
      }
      pasted(chunk.slice(i + PASTE_START.length, end), opts.paste ?? "lines", keys, flush, (t) => (text += t));
      i = end + PASTE_END.length;
      continue;
    }
    if (c === 0x1b) {
      flush();
      const next = chunk[i + 1];
      if (next === undefined) return { keys, rest: chunk.slice(i) };
      if (next === "[" || (next === "O" && /[A-Z0-9;]/.test(chunk[i + 2] ?? "A"))) {
        // CSI / SS3: a private marker (<=>?), parameters, then one final byte in @..~
        let j = i + 2;
        while (j < chunk.length && /[0-9;<=>?]/.test(chunk[j]!)) j++;
        if (j >= chunk.length) return { keys, rest: chunk.slice(i) };
        const body = chunk.slice(i + 2, j + 1);
        keys.push(next === "[" && body.startsWith("<") ? mouse(body) : { kind: CSI_KEYS[body] ?? "ignored" });
        i = j + 1;
        continue;
      }
      // Esc, then an arrow or page key right behind it in the same read: the second Esc starts that key's sequence.
      if (next === "\x1b" && (chunk[i + 2] === "[" || chunk[i + 2] === "O")) {
        keys.push({ kind: "escape" });
        i += 1;
        continue;
      }
      const alt = altKey(next, chunk[i + 2]);
      // Unbound, it was Esc typed just before the key: Esc, then the key as it is.
      keys.push(alt ?? { kind: "escape" });
      i += alt ? 2 : 1;
      continue;
    }
    const ctrl = CTRL_KEYS[c];
    if (ctrl) {
      flush();
      // \r\n from a paste without bracketing is one enter
      if (c === 0x0d && chunk.charCodeAt(i + 1) === 0x0a) i++;
      keys.push({ kind: ctrl });
      i++;
      continue;
    }
    if (c < 0x20 || (c >= 0x80 && c < 0xa0)) {
      flush();
      keys.push({ kind: "ignored" });
      i++;
      continue;
    }
    text += chunk[i];
    i++;
  }
  flush();
  return { keys, rest: "" };
}

function pasted(block: string, mode: "text" | "lines", keys: Key[], flush: () => void, add: (t: string) => void): void {
  const lines = block.replace(/\r\n?/g, "\n").split("\n");
  // Control characters never become text; in a message a tab stays (pasted code keeps its indentation).
  if (mode === "text") return add(lines.map((line) => line.replace(/[^\P{Cc}\t]/gu, "")).join("\n"));
  lines.forEach((line, n) => {
    add(line.replace(/\p{Cc}/gu, ""));
    if (n < lines.length - 1) {
      flush();
      keys.push({ kind: "enter" });
    }
  });
}

/**
 * Alt (Esc then a key): b, f and Backspace edit by words; Enter breaks the
 * line; digits and a pick conversations. Null when the key has no binding:
 * the bytes were the Esc key pressed just before it (Esc, then `dave` typed
 * fast), not Alt. A bound letter with more text right behind it in the same
 * read is that too: a person pressing Alt-A sends it alone, and Esc `alice`
 * typed fast must not become Alt-A `lice`. Digits stay Alt-digits (Alt-2
 * then `abc` typed at once is carol's draft).
 */
function altKey(next: string, after: string | undefined): Key | null {
  if (next >= "1" && next <= "9") return { kind: "alt-digit", digit: Number(next) };
  const typing = after !== undefined && !/[\p{Cc}]/u.test(after);
  switch (next) {
    case "b":
      return typing ? null : { kind: "word-left" };
    case "f":
      return typing ? null : { kind: "word-right" };
    case "\x7f":
      return { kind: "kill-word" };
    case "\r":
    case "\n":
      return { kind: "newline" };
    case "a":
    case "A":
      return typing ? null : { kind: "next-unread" };
    case "\x1b":
      return { kind: "escape" };
    default:
      return null;
  }
}

/** An SGR mouse report, `<button;col;row` then M or m: only the wheel means something here. */
function mouse(body: string): Key {
  const button = Number(body.slice(1).split(";")[0]);
  if (body.endsWith("M") && (button & 0x43) === 0x40) return { kind: "wheel-up" };
  if (body.endsWith("M") && (button & 0x43) === 0x41) return { kind: "wheel-down" };
  return { kind: "ignored" };
}
