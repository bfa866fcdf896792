import { expect, test } from "bun:test";
import { createDecoder, encodeFrame } from "../../../src/protocol/codec.ts";
import { MAX_HELLO, PROTOCOL_VERSION, decodeHello, helloFromWire, helloToWire } from "../../../src/protocol/hello.ts";
import type { Hello } from "../../../src/protocol/messages.ts";
import { HELLO, HELLO_FRAME, HELLO_JSON, TYPE, concat, expectCode, frame, helloPayload } from "./wire.ts";

function decodeJson(json: unknown): Hello {
  return decodeHello(helloPayload(json));
}

test("the layout: magic P2PC, u16 BE version, then the JSON", () => {
  expect(PROTOCOL_VERSION).toBe(1);
  expect(encodeFrame(HELLO)).toEqual(HELLO_FRAME);
  expect(Array.from(HELLO_FRAME.subarray(4, 11))).toEqual([TYPE.hello, 0x50, 0x32, 0x50, 0x43, 0, 1]);
  expect(createDecoder().push(HELLO_FRAME)).toEqual([HELLO]);
});

test("wire and domain shapes: the JSON has no type or version; helloFromWire(helloToWire) is the identity", () => {
  expect(helloToWire(HELLO)).toEqual(HELLO_JSON);
  expect(helloFromWire(1, helloToWire(HELLO))).toEqual(HELLO);
  const bare = { type: "hello", version: 1, name: "bob", port: 0, caps: [], session: "x" } as const;
  expect(helloFromWire(1, helloToWire({ ...bare, caps: [] }))).toEqual({ ...bare, caps: [] });
});

test("unknown magic, too old and too new are three different errors; magic is checked first", () => {
  expectCode(() => decodeHello(helloPayload(HELLO_JSON, 1, [0x48, 0x54, 0x54, 0x50])), "BAD_MAGIC");
  expectCode(() => decodeHello(helloPayload(HELLO_JSON, 0, [0x50, 0x32, 0x50, 0x44])), "BAD_MAGIC");
  expectCode(() => decodeHello(Uint8Array.of(0x50, 0x32)), "BAD_MAGIC");
  expectCode(() => decodeHello(new Uint8Array(0)), "BAD_MAGIC");
  expectCode(() => decodeHello(helloPayload(HELLO_JSON, 0)), "VERSION_TOO_OLD");
  expectCode(() => decodeHello(helloPayload(HELLO_JSON, 2)), "VERSION_TOO_NEW");
  expectCode(() => decodeHello(helloPayload(HELLO_JSON, 0xffff)), "VERSION_TOO_NEW");
  expectCode(() => decodeHello(Uint8Array.of(0x50, 0x32, 0x50, 0x43, 0)), "BAD_FRAME");
  // The same through the stream decoder.
  expectCode(() => createDecoder().push(frame(TYPE.hello, helloPayload(HELLO_JSON, 2))), "VERSION_TOO_NEW");
  expectCode(() => createDecoder().push(frame(TYPE.hello, helloPayload(HELLO_JSON, 1, [0, 0, 0, 0]))), "BAD_MAGIC");
});

test("JSON that does not parse, is not an object, or is not UTF-8", () => {
  for (const text of ["", "{", "{'name': 'a'}", "[]", "null", "42", '"hello"', "{} {}"]) {
    expectCode(() => decodeJson(text), "BAD_FRAME");
  }
  expectCode(() => decodeHello(concat(helloPayload(""), Uint8Array.of(0x7b, 0xff, 0x7d))), "BAD_UTF8");
});

test("fields: validated, never cast", () => {
  const bad: Record<string, unknown>[] = [
    { name: undefined },
    { name: 42 },
    { name: "" },
    { name: "a".repeat(41) },
    { name: "al ice" },
    { name: "alice\t" },
    { name: "a\nb" },
    { name: "a\u0000" },
    { name: "a\u007f" },
    { name: "a\u00a0b" },
    { name: "a\u3000b" },
    { name: "a\ud800" },
    { port: -1 },
    { port: 65536 },
    { port: 1.5 },
    { port: "80" },
    { port: null },
    { caps: "v1" },
    { caps: [1] },
    { caps: [null] },
    { caps: Array.from({ length: 33 }, () => "c") },
    { caps: ["c".repeat(33)] },
    { session: "" },
    { session: 7 },
    { session: "s".repeat(65) },
    { session: undefined },
  ];
  for (const change of bad) {
    const json = { ...HELLO_JSON, ...change };
    expectCode(() => decodeJson(json), "BAD_FRAME");
    expectCode(() => helloFromWire(1, json), "BAD_FRAME");
  }
});

test("limits are in characters (code points) and inclusive; unknown keys are ignored", () => {
  const json = { name: "😀".repeat(40), port: 65535, caps: Array.from({ length: 32 }, () => "é".repeat(32)), session: "s".repeat(64), extra: { from: "a newer peer" } };
  expect(decodeJson(json)).toEqual({ type: "hello", version: 1, name: "😀".repeat(40), port: 65535, caps: json.caps, session: "s".repeat(64) });
  expect(decodeJson({ ...HELLO_JSON, name: "Zoë-東京_1", port: 0, caps: [""] })).toEqual({ ...HELLO, name: "Zoë-東京_1", port: 0, caps: [""] });
  expectCode(() => decodeJson({ ...HELLO_JSON, name: "😀".repeat(41) }), "BAD_FRAME");
});

test("fields come from the object itself, not its prototype", () => {
  expectCode(() => helloFromWire(1, Object.create(HELLO_JSON)), "BAD_FRAME");
  expect(decodeJson('{"name":"a","port":1,"caps":[],"session":"s","__proto__":{"x":1}}')).toEqual({ ...HELLO, name: "a", port: 1, caps: [], session: "s" });
});

test("a payload over 4 KiB is refused, from the header alone in the stream", () => {
  const big = { ...HELLO_JSON, padding: "p".repeat(MAX_HELLO) };
  expectCode(() => decodeJson(big), "BAD_FRAME");
  const d = createDecoder();
  const length = MAX_HELLO + 2;
  expectCode(() => d.push(Uint8Array.of(0, 0, length >>> 8, length & 0xff, TYPE.hello)), "BAD_FRAME");
});

test("encodeFrame refuses a hello the peer would refuse", () => {
  expectCode(() => encodeFrame({ ...HELLO, name: "two words" }), "BAD_FRAME");
  expectCode(() => encodeFrame({ ...HELLO, name: "" }), "BAD_FRAME");
  expectCode(() => encodeFrame({ ...HELLO, port: 70000 }), "BAD_FRAME");
  expectCode(() => encodeFrame({ ...HELLO, session: "" }), "BAD_FRAME");
  expectCode(() => encodeFrame({ ...HELLO, version: 2 }), "VERSION_TOO_NEW");
  expectCode(() => encodeFrame({ ...HELLO, version: 0 }), "VERSION_TOO_OLD");
  // Within every field limit, but over 4 KiB in all: 32 caps of 32 four-byte characters.
  expectCode(() => encodeFrame({ ...HELLO, caps: Array.from({ length: 32 }, () => "😀".repeat(32)) }), "BAD_FRAME");
});

test("names that show nothing, or hide or reorder characters, are refused with their own reason", () => {
  const invisible = [
    ["alice\u200b", "200B"], // zero-width space: displays as "alice"
    ["\u200calice", "200C"],
    ["al\u200dice", "200D"],
    ["alice\u200e", "200E"],
    ["alice\u200f", "200F"],
    ["\u202ealice", "202E"], // right-to-left override, printed raw before
    ["a\u202ab", "202A"],
    ["a\u2060b", "2060"],
    ["a\u2066b\u2069", "2066"],
    ["\ufeffalice", "FEFF"],
    ["ali\u00adce", "00AD"], // soft hyphen
    ["\u3164", "3164"], // Hangul filler: a blank letter
    ["a\u034fb", "034F"],
    ["a\u{e0041}", "E0041"], // a tag character
    ["a\u2800", "2800"], // blank braille pattern
    ["a\ufffe", "FFFE"],
  ] as const;
  for (const [name, cp] of invisible) {
    const err = expectCode(() => decodeJson({ ...HELLO_JSON, name }), "BAD_FRAME");
    expect(err.message).toBe(`bad hello: name contains an invisible or bidi-control character (U+${cp})`);
  }
  for (const name of ["\ufe0f", "\ufe0f\ufe0e", "\u0301\u0308"]) {
    const err = expectCode(() => decodeJson({ ...HELLO_JSON, name }), "BAD_FRAME");
    expect(err.message).toBe("bad hello: name shows nothing (only combining marks or variation selectors)");
  }
  // A variation selector that varies nothing shows nothing: "carol" + U+FE0F displays as "carol".
  const stray = [
    ["carol\ufe0f", "FE0F"],
    ["carol\ufe0e", "FE0E"],
    ["ca\ufe00rol", "FE00"],
    ["carol\u{e0100}", "E0100"],
    ["\ufe0fcarol", "FE0F"], // before anything
    ["alice\u2764\ufe0f\ufe0f", "FE0F"], // a second one after the emoji
    ["bob1\ufe0f", "FE0F"], // a digit, not in a keycap
    ["\u2764\ufe00", "FE00"], // a glyph variant selector after an emoji
    ["carol\u0301\ufe0f", "FE0F"], // after a mark
  ] as const;
  for (const [name, cp] of stray) {
    const err = expectCode(() => decodeJson({ ...HELLO_JSON, name }), "BAD_FRAME");
    expect({ name, message: err.message }).toEqual({ name, message: `bad hello: name contains a variation selector after a character it does not vary (U+${cp})` });
  }
  // A variation selector after the emoji it varies, in a keycap, after a CJK ideograph; and accents: all fine.
  for (const name of ["alice\u2764\ufe0f", "alice\u2764\ufe0e", "\u263a\ufe0fbob", "team1\ufe0f\u20e3", "\u845b\u{e0100}\u98fe", "\u8fbb\ufe00", "Zoe\u0308", "jos\u00e9"]) {
    expect(decodeJson({ ...HELLO_JSON, name }).name).toBe(name);
  }
  expectCode(() => encodeFrame({ ...HELLO, name: "bob\u200b" }), "BAD_FRAME");
});

test("seen: the address the sender sees us at, one printable string or nothing", () => {
  expect(decodeJson({ ...HELLO_JSON, seen: "11.0.0.2:40312" }).seen).toBe("11.0.0.2:40312");
  expect(helloToWire({ ...HELLO, seen: "[2001:db8::2]:1" })).toEqual({ ...HELLO_JSON, seen: "[2001:db8::2]:1" });
  expect("seen" in decodeJson(HELLO_JSON)).toBe(false);
  for (const seen of [["11.0.0.2:1"], 42, "", "a b", "x".repeat(65), null]) expectCode(() => decodeJson({ ...HELLO_JSON, seen }), "BAD_FRAME");
  // An older node ignores it: the field is unknown there, and unknown keys are ignored.
  expect(decodeJson({ ...HELLO_JSON, later: "x" })).toEqual(HELLO);
});

test("display: the name with spaces beside the handle; sent only when it differs; one a name cannot be is dropped, not refused", () => {
  const jose = { ...HELLO, name: "José-Ñandú", display: "José Ñandú" };
  expect(helloToWire(jose)).toEqual({ ...HELLO_JSON, name: "José-Ñandú", display: "José Ñandú" });
  expect(decodeJson(helloToWire(jose))).toEqual(jose);
  // The same as the handle: not sent, and an older peer reads the handle alone either way.
  expect("display" in helloToWire({ ...HELLO, display: HELLO.name })).toBe(false);
  for (const display of ["a  b", " a", "a\tb", "a\u200bb", "", "x".repeat(41), 42, null]) {
    expect("display" in decodeJson({ ...HELLO_JSON, display })).toBe(false);
  }
  // The handle itself keeps its rule: no spaces.
  expectCode(() => decodeJson({ ...HELLO_JSON, name: "José Ñandú" }), "BAD_FRAME");
});
