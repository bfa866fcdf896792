// The chat's line editor, as pure state: keys in, a line and a cursor out.
// The screen belongs to its caller; this only decides what a key does, so it
// is tested without one. A line may hold line breaks (Alt-Enter, a paste):
// a message of several lines.

import type { Key } from "./keys.ts";

export { parseKeys, type Key, type KeyKind, type ParseOptions } from "./keys.ts";

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

  /** Puts `text` at the cursor. */
  insert(text: string): void {
    const add = graphemes(text);
    this.chars.splice(this.pos, 0, ...add);
    this.pos += add.length;
    // A combining mark typed alone joins the grapheme before it.
    const joined = graphemes(this.line);
    if (joined.length !== this.chars.length) {
      const before = graphemes(this.beforeCursor).length;
      this.chars = joined;
      this.pos = before;
    }
  }

  apply(key: Key): EditResult {
    switch (key.kind) {
      case "text":
        this.insert(key.text);
        break;
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
      case "newline":
        this.insert("\n");
        break;
      case "up":
      case "prev":
        if (this.recallAt > 0) {
          if (this.recallAt === this.recall.length) this.draft = this.line;
          this.set(this.recall[--this.recallAt]!);
        }
        break;
      case "down":
      case "next":
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
