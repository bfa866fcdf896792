import { expect, test } from "bun:test";
import fc from "fast-check";
import { decodeZ32, encodeZ32 } from "../../../src/protocol/base32.ts";

// pkarr's own example (pkarr/src/types/keys.rs, `from_string`).
const PKARR_Z32 = "yg4gxe7z1r7mr6orids9fh95y7gxhdsxjqi6nngsxxtakqaxr5no";
const PKARR_BYTES = [1, 180, 103, 163, 183, 145, 58, 178, 122, 4, 168, 237, 242, 243, 251, 7, 76, 254, 14, 207, 75, 171, 225, 8, 214, 123, 227, 133, 59, 15, 38, 197];

test("reads and writes pkarr's example key", () => {
  expect(encodeZ32(Uint8Array.from(PKARR_BYTES))).toBe(PKARR_Z32);
  expect([...decodeZ32(PKARR_Z32)!]).toEqual(PKARR_BYTES);
});

test("any bytes survive the round trip; 32 bytes are 52 characters", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
      const text = encodeZ32(bytes);
      expect(text.length).toBe(Math.ceil((bytes.length * 8) / 5));
      expect(decodeZ32(text)).toEqual(bytes);
    }),
  );
  expect(encodeZ32(new Uint8Array(32)).length).toBe(52);
});

test("refuses characters outside the alphabet and non-zero padding bits", () => {
  expect(decodeZ32(PKARR_Z32.replace("y", "l"))).toBeNull(); // no 'l' in z-base-32
  expect(decodeZ32(PKARR_Z32.toUpperCase())).toBeNull();
  // The last character carries 4 padding bits: 'o' (value 16) sets one of them.
  expect(decodeZ32(PKARR_Z32.slice(0, -1) + "y")).not.toBeNull();
  expect(decodeZ32(PKARR_Z32.slice(0, -1) + "b")).toBeNull();
});
