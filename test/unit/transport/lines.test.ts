// Lines out of bytes in pieces: wherever the pieces end (inside a line, a
// "\r\n" or a character), the same lines come out, and a line over the cap
// is cut once and the rest of it skipped.
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { LineSplitter, textLines, type InputLine } from "../../../src/transport/lines.ts";

const bytes = (s: string) => new TextEncoder().encode(s);

function split(input: Uint8Array, cuts: number[], max?: number): InputLine[] {
  const lines = new LineSplitter(max);
  const out: InputLine[] = [];
  let from = 0;
  for (const at of [...cuts.map((c) => c % (input.length + 1)).sort((a, b) => a - b), input.length]) {
    out.push(...lines.push(input.subarray(from, Math.max(from, at))));
    from = Math.max(from, at);
  }
  const last = lines.end();
  if (last) out.push(last);
  return out;
}

const text = (l: InputLine) => new TextDecoder().decode(l.bytes);

describe("LineSplitter", () => {
  test("any pieces give the lines of the whole, numbered, without \\r\\n, last line without newline included", () => {
    const line = fc.string({ unit: fc.constantFrom("a", "é", "€", "😀", "\r", " ") });
    fc.assert(
      fc.property(fc.array(line, { maxLength: 8 }), fc.boolean(), fc.array(fc.nat(), { maxLength: 10 }), (lines, endNl, cuts) => {
        const whole = lines.join("\n") + (endNl && lines.length ? "\n" : "");
        const got = split(bytes(whole), cuts);
        const expected = lines.map((l) => l.replace(/\r$/, ""));
        if (!endNl && lines.at(-1) === "") expected.pop(); // nothing after the last newline: no last line
        expect(got.map(text)).toEqual(expected);
        expect(got.map((l) => l.no)).toEqual(expected.map((_, i) => i + 1));
      }),
    );
  });

  test("a line over the cap comes out once, cut, and the next line is whole", () => {
    const got = split(bytes("short\n" + "x".repeat(50) + "\nnext\n"), [3, 10, 20, 40, 57], 16);
    expect(got.map((l) => [l.no, text(l), l.cut])).toEqual([
      [1, "short", false],
      [2, "x".repeat(16), true],
      [3, "next", false],
    ]);
  });

  test("textLines decodes a stream's lines", async () => {
    const stream = new Blob([bytes("één\r\ntwee 😀"), bytes("\ndrie")]).stream();
    const out: string[] = [];
    for await (const l of textLines(stream)) out.push(l);
    expect(out).toEqual(["één", "twee 😀", "drie"]);
  });
});
