// One running SHA-256 over a download's verified prefix: each chunk checked
// by its prefix entry, a bad one leaves the hash as it was (and is told
// bad), chunks ahead wait for the gap, and after a restart the verified
// prefix is hashed again from the file.
import { expect, test } from "bun:test";
import { PrefixChain } from "../../../src/node/files/prefix-chain.ts";

const CHUNK = 16;
const DATA = Uint8Array.from({ length: 5 * CHUNK + 7 }, (_, i) => (i * 37) & 0xff);
const chunk = (i: number) => DATA.subarray(i * CHUNK, Math.min(DATA.length, (i + 1) * CHUNK));
const prefixHash = (i: number) => new Bun.CryptoHasher("sha256").update(DATA.subarray(0, Math.min(DATA.length, (i + 1) * CHUNK))).digest() as Uint8Array;
const flipped = (i: number) => chunk(i).map((b, j) => (j === 0 ? b ^ 1 : b));
const verdicts = (vs: { index: number; ok: boolean }[]) => vs.map((v) => `${v.index}${v.ok ? "" : " bad"}`);

test("chunks in any order: each is told once the ones before it are in; a bad one leaves the hash as it was", () => {
  const c = new PrefixChain(DATA.length, CHUNK);
  expect(verdicts(c.add(2, chunk(2), prefixHash(2)))).toEqual([]);
  expect(verdicts(c.add(1, flipped(1), prefixHash(1)))).toEqual([]);
  expect(verdicts(c.add(0, chunk(0), prefixHash(0)))).toEqual(["0", "1 bad"]);
  expect(c.next).toBe(1);
  expect(verdicts(c.add(1, chunk(1), prefixHash(1)))).toEqual(["1", "2"]);
  expect(verdicts(c.add(4, chunk(4), prefixHash(4)))).toEqual([]);
  expect(verdicts(c.add(3, chunk(3), prefixHash(3)))).toEqual(["3", "4"]);
  expect(verdicts(c.add(5, chunk(5), prefixHash(5)))).toEqual(["5"]);
  expect(c.digest()).toBe(new Bun.CryptoHasher("sha256").update(DATA).digest("hex"));
  expect(c.add(2, flipped(2), prefixHash(2))).toMatchObject([{ index: 2, ok: true, known: true }]); // verified already: not written again
});

test("after a restart the verified prefix is hashed again from the file, and the chain goes on from there", () => {
  const c = new PrefixChain(DATA.length, CHUNK);
  c.catchUp((buf, offset, length) => (buf.set(DATA.subarray(offset, offset + length)), length), 3);
  expect(c.next).toBe(3);
  expect(verdicts(c.add(3, chunk(3), prefixHash(3)))).toEqual(["3"]);
  expect(verdicts(c.add(4, flipped(4), prefixHash(4)))).toEqual(["4 bad"]);
  expect(() => new PrefixChain(DATA.length, CHUNK).catchUp(() => 0, 2)).toThrow("the partial file is shorter than it should be");
});
