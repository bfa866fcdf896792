// One rule for what is a message at all: the CLI, the node before it
// writes, and a node receiving from a peer all ask blankText.
import { expect, test } from "bun:test";
import { blankText } from "../../../src/protocol/text.ts";

test("empty, and text that shows nothing (spaces, line breaks, U+3000, NUL and other controls, zero-width and bidi characters, fillers), is not a message", () => {
  expect(blankText("")).toBe("empty");
  for (const s of ["   ", "\t\n", "\r\n \n", "\u200b", "\u3000", "\x00", "\x00\x07\x1b", "\u200b\u200c\u200d\u2060\ufeff", "\u202e", "\u3164", "\u2800", "\ufe0f", "\u00a0\u2003"]) {
    expect([JSON.stringify(s), blankText(s)]).toEqual([JSON.stringify(s), "blank"]);
  }
});

test("anything that shows something is a message, whatever surrounds it", () => {
  for (const s of ["a", " hi ", "\u200bhi", "\x00x", "日本", "👍", "\u3000。", "e\u0301", "-"]) expect([s, blankText(s)]).toEqual([s, null]);
});
