// Keys typed fast enough to reach the chat in one read.
import { expect, test } from "bun:test";
import { parseKeys } from "../../../src/ui/keys.ts";

test("Esc typed just before an arrow or page key is Esc, then that key: never its bytes as text", () => {
  expect(parseKeys("\x1b\x1b[B").keys).toEqual([{ kind: "escape" }, { kind: "down" }]);
  expect(parseKeys("\x1b\x1b[5~x").keys).toEqual([{ kind: "escape" }, { kind: "page-up" }, { kind: "text", text: "x" }]);
  expect(parseKeys("\x1b\x1bOA").keys).toEqual([{ kind: "escape" }, { kind: "up" }]);
  // Esc twice is one Esc, as before.
  expect(parseKeys("\x1b\x1b").keys).toEqual([{ kind: "escape" }]);
  expect(parseKeys("\x1b\x1bx").keys).toEqual([{ kind: "escape" }, { kind: "text", text: "x" }]);
});
