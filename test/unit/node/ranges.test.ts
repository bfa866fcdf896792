// Verified chunks as ranges: the text the database keeps, and the next chunk to ask for.
import { expect, test } from "bun:test";
import { RangeSet } from "../../../src/node/files/ranges.ts";

test("chunks added in any order merge into ranges, and read back from their text", () => {
  const s = new RangeSet();
  for (const i of [0, 1, 2, 10, 4, 3, 11, 5, 20]) s.add(i);
  expect(s.toString()).toBe("0-5,10-11,20");
  expect(s.size).toBe(9);
  expect(s.prefix).toBe(6);
  expect(RangeSet.parse(s.toString()).toString()).toBe("0-5,10-11,20");
  expect(RangeSet.parse("3-1,x,7, 9-9").toString()).toBe("7,9");
});

test("the next chunk not held skips what is held", () => {
  const s = RangeSet.parse("0-99,101-200");
  expect(s.nextMissing(0, 300)).toBe(100);
  expect(s.nextMissing(101, 300)).toBe(201);
  expect(s.nextMissing(101, 201)).toBe(-1);
  expect([s.has(100), s.has(150), s.has(201)]).toEqual([false, true, false]);
  s.delete(150);
  expect(s.toString()).toBe("0-99,101-149,151-200");
  s.addRange(90, 160);
  expect(s.toString()).toBe("0-200");
});

test("a file that arrives in order stays one range however big", () => {
  const s = new RangeSet();
  for (let i = 0; i < 100_000; i++) s.add(i);
  expect(s.ranges).toBe(1);
  expect(s.toString()).toBe("0-99999");
});
