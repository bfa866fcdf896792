// The chat's keys and line editing, and text from peers made safe to show.
import { describe, expect, test } from "bun:test";
import { printable } from "../../../src/ui/format.ts";
import { LineEditor, parseKeys, visibleWindow } from "../../../src/ui/input.ts";

function type(editor: LineEditor, ...chunks: string[]): string[] {
  const submitted: string[] = [];
  let rest = "";
  for (const chunk of chunks) {
    const parsed = parseKeys(rest + chunk);
    rest = parsed.rest;
    for (const key of parsed.keys) {
      const r = editor.apply(key);
      if (r.kind === "submit") submitted.push(r.line);
    }
  }
  return submitted;
}

describe("parseKeys", () => {
  test("text, arrows and enter", () => {
    const { keys, rest } = parseKeys("ab\x1b[D\x1b[Cc\r");
    expect(keys).toEqual([{ kind: "text", text: "ab" }, { kind: "left" }, { kind: "right" }, { kind: "text", text: "c" }, { kind: "enter" }]);
    expect(rest).toBe("");
  });

  test("an escape sequence split across reads waits for its end", () => {
    const first = parseKeys("x\x1b[");
    expect(first.keys).toEqual([{ kind: "text", text: "x" }]);
    expect(first.rest).toBe("\x1b[");
    expect(parseKeys(first.rest + "D").keys).toEqual([{ kind: "left" }]);
  });

  test("bracketed paste is text, its line breaks are enters", () => {
    const { keys } = parseKeys("\x1b[200~one\r\ntwo\x1b[201~");
    expect(keys).toEqual([{ kind: "text", text: "one" }, { kind: "enter" }, { kind: "text", text: "two" }]);
  });

  test("control characters never become text", () => {
    const { keys } = parseKeys("a\x00\x1b[99Xb\x07");
    const text = keys.filter((k) => k.kind === "text").map((k) => (k as { text: string }).text);
    expect(text.join("")).toBe("ab");
  });
});

describe("LineEditor", () => {
  test("typing, moving and deleting inside a line", () => {
    const e = new LineEditor();
    type(e, "helo", "\x1b[D", "l", "\x1b[F", "!");
    expect(e.line).toBe("hello!");
    type(e, "\x7f\x7f");
    expect(e.line).toBe("hell");
    type(e, "\x01", "\x1b[3~");
    expect(e.line).toBe("ell");
    expect(e.cursor).toBe(0);
  });

  test("enter submits the line and empties the prompt", () => {
    const e = new LineEditor();
    expect(type(e, "first\rsecond\r")).toEqual(["first", "second"]);
    expect(e.line).toBe("");
  });

  test("Ctrl-W deletes a word, Ctrl-U the start, Ctrl-K the end", () => {
    const e = new LineEditor();
    type(e, "one two three", "\x17");
    expect(e.line).toBe("one two ");
    type(e, "\x1b[D\x1b[D", "\x0b");
    expect(e.line).toBe("one tw");
    type(e, "\x1b[D", "\x15");
    expect(e.line).toBe("w");
  });

  test("backspace removes a whole emoji or accented letter", () => {
    const e = new LineEditor();
    type(e, "ok 👍🏽");
    type(e, "\x7f");
    expect(e.line).toBe("ok ");
    type(e, "e\u0301"); // e + combining acute, typed as two keys
    type(e, "\x7f");
    expect(e.line).toBe("ok ");
  });

  test("up and down recall earlier lines and keep the draft", () => {
    const e = new LineEditor();
    type(e, "alpha\r", "beta\r", "draft");
    type(e, "\x1b[A");
    expect(e.line).toBe("beta");
    type(e, "\x1b[A");
    expect(e.line).toBe("alpha");
    type(e, "\x1b[B", "\x1b[B");
    expect(e.line).toBe("draft");
  });

  test("Ctrl-D ends the chat only on an empty line; Ctrl-C always", () => {
    const e = new LineEditor();
    expect(e.apply({ kind: "eof" }).kind).toBe("eof");
    type(e, "x");
    expect(e.apply({ kind: "eof" }).kind).toBe("none");
    expect(e.apply({ kind: "interrupt" }).kind).toBe("interrupt");
  });
});

describe("visibleWindow", () => {
  test("a short line shows whole, cursor at its place", () => {
    expect(visibleWindow("abc", "de", 20)).toEqual({ text: "abcde", cursorCol: 3 });
  });

  test("a long line scrolls so the cursor stays on screen", () => {
    const before = "x".repeat(50);
    const w = visibleWindow(before, "", 20);
    expect(Bun.stringWidth(w.text)).toBeLessThanOrEqual(20);
    expect(w.text.startsWith("…")).toBe(true);
    expect(w.cursorCol).toBeLessThan(20);
    const tail = visibleWindow("ab", "y".repeat(50), 20);
    expect(Bun.stringWidth(tail.text)).toBeLessThanOrEqual(20);
    expect(tail.text.endsWith("…")).toBe(true);
    expect(tail.cursorCol).toBe(2);
  });

  test("wide characters count two columns", () => {
    const w = visibleWindow("日本語".repeat(10), "", 11);
    expect(Bun.stringWidth(w.text)).toBeLessThanOrEqual(11);
  });
});

describe("printable", () => {
  test("escape sequences from a peer are shown, not obeyed", () => {
    const shown = printable("hi\x1b[2J\x1b]0;pwned\x07 there\r");
    expect(shown).not.toMatch(/[\x00-\x1f\x7f]/);
    expect(shown).toContain("␛[2J");
  });

  test("bidi overrides are neutralised, ordinary text and emoji stay", () => {
    expect(printable("abc\u202Edef")).toBe("abc\ufffddef");
    expect(printable("café 日本語 👩‍👩‍👧")).toBe("café 日本語 👩‍👩‍👧");
  });
});
