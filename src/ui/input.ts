// The chat prompt's line editor, as pure state: keys in, a line and a cursor
// out. chat-view.ts owns the terminal; this only decides what a key does, so
// it is tested without one.

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
  | "ignored";

export type Key = { kind: "text"; text: string } | { kind: KeyKind };

const CSI_KEYS: Record<string, KeyKind> = {
  A: "up",
  B: "down",
  C: "right",
  D: "left",
  H: "home",
  F: "end",
  "1~": "home",
  "7~": "home",
  "4~": "end",
  "8~": "end",
  "3~": "delete",
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
  0x0a: "enter",
  0x0b: "kill-end", // Ctrl-K
  0x0c: "redraw", // Ctrl-L
  0x0d: "enter",
  0x0e: "down", // Ctrl-N
  0x10: "up", // Ctrl-P
  0x15: "kill-start", // Ctrl-U
  0x17: "kill-word", // Ctrl-W
  0x7f: "backspace",
};

const PASTE_START = "\x1b[200~";
const PASTE_END = "\x1b[201~";

/**
 * Splits what a terminal sent into keys. An escape sequence cut off at the
 * end of `chunk` is returned as `rest`, to be prefixed to the next chunk.
 * Bracketed paste arrives as text, its line breaks as enters.
 */
export function parseKeys(chunk: string): { keys: Key[]; rest: string } {
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
      const pasted = chunk.slice(i + PASTE_START.length, end).replace(/\r\n?/g, "\n");
      const lines = pasted.split("\n");
      lines.forEach((line, n) => {
        text += line.replace(/[\p{Cc}]/gu, "");
        if (n < lines.length - 1) {
          flush();
          keys.push({ kind: "enter" });
        }
      });
      i = end + PASTE_END.length;
      continue;
    }
    if (c === 0x1b) {
      flush();
      const next = chunk[i + 1];
      if (next === undefined) return { keys, rest: chunk.slice(i) };
      if (next === "[" || next === "O") {
        // CSI / SS3: parameters then one final byte in @..~
        let j = i + 2;
        while (j < chunk.length && /[0-9;]/.test(chunk[j]!)) j++;
        if (j >= chunk.length) return { keys, rest: chunk.slice(i) };
        const body = chunk.slice(i + 2, j + 1);
        keys.push({ kind: CSI_KEYS[body] ?? "ignored" });
        i = j + 1;
        continue;
      }
      // Alt+key: b and f move by words, the rest is ignored.
      keys.push({ kind: next === "b" ? "word-left" : next === "f" ? "word-right" : next === "\x7f" ? "kill-word" : "ignored" });
      i += 2;
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

const segmenter = new Intl.Segmenter(undefined, { granularity: "grapheme" });

function graphemes(s: string): string[] {
  return Array.from(segmenter.segment(s), (g) => g.segment);
}

export type EditResult = { kind: "none" } | { kind: "submit"; line: string } | { kind: "interrupt" } | { kind: "eof" } | { kind: "redraw" };

/** A line being typed: graphemes and a cursor between them, with a recall list of earlier lines. */
export class LineEditor {
  private chars: string[] = [];
  private pos = 0;
  private readonly recall: string[] = [];
  private recallAt = 0;
  private draft = "";

  get line(): string {
    return this.chars.join("");
  }

  /** Graphemes before the cursor. */
  get cursor(): number {
    return this.pos;
  }

  /** The text before the cursor, to measure where the cursor is on screen. */
  get beforeCursor(): string {
    return this.chars.slice(0, this.pos).join("");
  }

  set(line: string): void {
    this.chars = graphemes(line);
    this.pos = this.chars.length;
  }

  apply(key: Key): EditResult {
    switch (key.kind) {
      case "text": {
        const add = graphemes(key.text);
        this.chars.splice(this.pos, 0, ...add);
        this.pos += add.length;
        // A combining mark typed alone joins the grapheme before it.
        const joined = graphemes(this.line);
        if (joined.length !== this.chars.length) {
          const before = graphemes(this.beforeCursor).length;
          this.chars = joined;
          this.pos = before;
        }
        break;
      }
      case "enter": {
        const line = this.line;
        this.chars = [];
        this.pos = 0;
        if (line.trim() && this.recall.at(-1) !== line) this.recall.push(line);
        this.recallAt = this.recall.length;
        this.draft = "";
        return { kind: "submit", line };
      }
      case "backspace":
        if (this.pos > 0) this.chars.splice(--this.pos, 1);
        break;
      case "delete":
        if (this.pos < this.chars.length) this.chars.splice(this.pos, 1);
        break;
      case "left":
        if (this.pos > 0) this.pos--;
        break;
      case "right":
        if (this.pos < this.chars.length) this.pos++;
        break;
      case "home":
        this.pos = 0;
        break;
      case "end":
        this.pos = this.chars.length;
        break;
      case "word-left":
        this.pos = this.wordStart();
        break;
      case "word-right": {
        let p = this.pos;
        while (p < this.chars.length && /\s/.test(this.chars[p]!)) p++;
        while (p < this.chars.length && !/\s/.test(this.chars[p]!)) p++;
        this.pos = p;
        break;
      }
      case "kill-start":
        this.chars.splice(0, this.pos);
        this.pos = 0;
        break;
      case "kill-end":
        this.chars.splice(this.pos);
        break;
      case "kill-word": {
        const start = this.wordStart();
        this.chars.splice(start, this.pos - start);
        this.pos = start;
        break;
      }
      case "up":
        if (this.recallAt > 0) {
          if (this.recallAt === this.recall.length) this.draft = this.line;
          this.set(this.recall[--this.recallAt]!);
        }
        break;
      case "down":
        if (this.recallAt < this.recall.length) {
          this.recallAt++;
          this.set(this.recallAt === this.recall.length ? this.draft : this.recall[this.recallAt]!);
        }
        break;
      case "interrupt":
        return { kind: "interrupt" };
      case "eof":
        if (this.chars.length === 0) return { kind: "eof" };
        if (this.pos < this.chars.length) this.chars.splice(this.pos, 1);
        break;
      case "redraw":
        return { kind: "redraw" };
      case "ignored":
        break;
    }
    return { kind: "none" };
  }

  private wordStart(): number {
    let p = this.pos;
    while (p > 0 && /\s/.test(this.chars[p - 1]!)) p--;
    while (p > 0 && !/\s/.test(this.chars[p - 1]!)) p--;
    return p;
  }
}

/**
 * What of `before` + `after` (the text either side of the cursor) to show in
 * `width` columns so the cursor stays visible: a window that scrolls
 * sideways, as a shell does on one line. Returns the text and the cursor's column.
 */
export function visibleWindow(before: string, after: string, width: number): { text: string; cursorCol: number } {
  const w = Math.max(4, width);
  const beforeG = graphemes(before);
  const afterG = graphemes(after);
  // Keep as much before the cursor as fits, leaving a column for the cursor itself.
  let start = beforeG.length;
  let used = 0;
  while (start > 0) {
    const cw = Bun.stringWidth(beforeG[start - 1]!);
    if (used + cw > w - 1) break;
    used += cw;
    start--;
  }
  const shownBefore = beforeG.slice(start);
  const lead = start > 0 ? "…" : "";
  if (lead) {
    // the ellipsis takes a column: drop a grapheme to make room for it
    while (shownBefore.length > 0 && used + 1 > w - 1) used -= Bun.stringWidth(shownBefore.shift()!);
    used += 1;
  }
  const cursorCol = used;
  let shownAfter = "";
  for (let i = 0; i < afterG.length; i++) {
    const cw = Bun.stringWidth(afterG[i]!);
    const last = i === afterG.length - 1;
    if (used + cw > w - (last ? 0 : 1)) {
      shownAfter += "…";
      break;
    }
    shownAfter += afterG[i];
    used += cw;
  }
  return { text: lead + shownBefore.join("") + shownAfter, cursorCol };
}
