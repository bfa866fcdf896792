// The relay server's token bucket, on a clock the test turns by hand.
import { expect, test } from "bun:test";
import { TokenBucket } from "../../../src/relay-server/server-session.ts";

test("a full burst at first, then the rate; never more than a burst saved up", () => {
  let now = 0;
  const b = new TokenBucket(1000, 500, () => now);
  expect(b.available()).toBe(500);
  b.take(500);
  expect([b.available(), b.waitFor(100)]).toEqual([0, 100]);
  now += 50;
  expect(b.available()).toBe(50);
  expect(b.waitFor(10_000)).toBe(450); // asks for more than a burst: waits for a burst
  now += 10_000;
  expect(b.available()).toBe(500);
  b.take(200);
  expect([b.available(), b.waitFor(300)]).toEqual([300, 0]);
});
