import { expect, test } from "bun:test";
import { bytesToUuid, isUuid, uuidToBytes } from "../../../src/protocol/codec.ts";
import { PROTOCOL_ERROR_CODES, ProtocolError, errorCodeFromWire, errorCodeToWire, isProtocolErrorCode } from "../../../src/protocol/protocol-error.ts";
import { expectCode, idBytes } from "./wire.ts";

test("error codes have stable wire numbers 1..21, files' 28..31, UNKNOWN_ERROR 65535", () => {
  expect(PROTOCOL_ERROR_CODES.map(errorCodeToWire)).toEqual([...Array.from({ length: 21 }, (_, i) => i + 1), 28, 29, 30, 31, 65535]);
  expect(errorCodeToWire("FILE_REFUSED")).toBe(28);
  expect(errorCodeToWire("FILE_UNAVAILABLE")).toBe(31);
  expect(errorCodeFromWire(30)).toBe("FILE_CORRUPT");
  expect(errorCodeToWire("FRAME_TOO_LARGE")).toBe(1);
  expect(errorCodeToWire("BAD_FRAME")).toBe(10);
  expect(errorCodeToWire("HIDDEN")).toBe(19);
  expect(errorCodeToWire("REQUESTS_FULL")).toBe(20);
  expect(errorCodeToWire("BLANK_MESSAGE")).toBe(21);
  for (const code of PROTOCOL_ERROR_CODES) expect(errorCodeFromWire(errorCodeToWire(code))).toBe(code);
  for (const n of [0, 22, 27, 32, 1000, 65534, -1, 1.5]) expect(errorCodeFromWire(n)).toBe("UNKNOWN_ERROR");
  expect(isProtocolErrorCode("BLOCKED")).toBe(true);
  expect(isProtocolErrorCode("UNKNOWN_ERROR")).toBe(true);
  expect(isProtocolErrorCode("toString")).toBe(false);
});

test("ProtocolError: an Error with a code, a message and a cause", () => {
  const cause = new TypeError("inner");
  const err = ProtocolError.badUtf8("message body", cause);
  expect(err).toBeInstanceOf(Error);
  expect(err.name).toBe("ProtocolError");
  expect(err.code).toBe("BAD_UTF8");
  expect(err.message).toBe("message body is not valid UTF-8");
  expect(err.cause).toBe(cause);
  expect(ProtocolError.frameTooLarge(2_000_000, 1 << 20).message).toBe("frame of 2000000 bytes is over the 1048576-byte limit");
  expect(ProtocolError.badMagic(Uint8Array.of(0x48, 0x54)).message).toContain("48 54");
});

test("uuid bytes: the hex digits in order, at an offset", () => {
  const id = "00112233-4455-6677-8899-aabbccddeeff";
  const out = new Uint8Array(20);
  uuidToBytes(id, out, 2);
  expect(Array.from(out)).toEqual([0, 0, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0, 0]);
  expect(bytesToUuid(out, 2)).toBe(id);
  expect(bytesToUuid(new Uint8Array(16), 0)).toBe("00000000-0000-0000-0000-000000000000");
  expect(bytesToUuid(new Uint8Array(16).fill(255), 0)).toBe("ffffffff-ffff-ffff-ffff-ffffffffffff");
});

test("uuid round trip of generated v7 ids", () => {
  const out = new Uint8Array(16);
  for (let i = 0; i < 1000; i++) {
    const id = Bun.randomUUIDv7();
    uuidToBytes(id, out, 0);
    expect(Array.from(out)).toEqual(Array.from(idBytes(id)));
    expect(bytesToUuid(out, 0)).toBe(id);
    expect(isUuid(id)).toBe(true);
  }
});

test("only lowercase canonical UUIDs are accepted", () => {
  const good = "0190f3b4-5c6d-7e8f-9a0b-1c2d3e4f5a6b";
  const bad = [
    good.toUpperCase(),
    good.replace("f", "F"),
    good.replace(/-/g, ""),
    `{${good}}`,
    `urn:uuid:${good}`,
    good.slice(0, 35),
    `${good}0`,
    good.replace("-", "0").replace("5", "-"),
    good.replace("9", "g"),
    good.replace("9", "٩"), // Arabic-Indic digit nine
    good.replace("9", "\u0139"), // a char code whose low byte is '9'
    good.replace("9", " "),
    "",
  ];
  const out = new Uint8Array(16);
  for (const id of bad) {
    expect(isUuid(id)).toBe(false);
    expectCode(() => uuidToBytes(id, out, 0), "BAD_FRAME");
  }
  expectCode(() => uuidToBytes(good, out, 1), "BAD_FRAME"); // no room for 16 bytes
});
