// The write queue's two lanes: chat frames go ahead of file chunks that have
// not started, a chunk once started is finished first (frames never
// interleave), and each lane keeps its own order.
import { expect, test } from "bun:test";
import { WriteQueue, type ByteSink } from "../../../src/transport/writer.ts";

/** A socket that takes `room` bytes, then nothing until given more; records what it took, in order. */
function socket(room: number) {
  const taken: number[] = [];
  const sink: ByteSink & { room: number } = {
    room,
    write(b) {
      const n = Math.min(this.room, b.byteLength);
      this.room -= n;
      for (let i = 0; i < n; i++) taken.push(b[i]!);
      return n;
    },
  };
  return { sink, taken };
}

const bytes = (tag: number, n: number) => new Uint8Array(n).fill(tag);
const runs = (xs: number[]) => xs.reduce<[number, number][]>((out, x) => (out.at(-1)?.[0] === x ? (out.at(-1)![1]++, out) : [...out, [x, 1]]), []);

test("a chat frame queued behind file chunks goes out before the chunks not started yet", () => {
  const { sink, taken } = socket(0);
  const q = new WriteQueue(1 << 20);
  q.sendBulk(sink, bytes(1, 100));
  q.sendBulk(sink, bytes(2, 100));
  q.send(sink, bytes(9, 10)); // typed while the chunks wait
  expect([q.bytes, q.bulkBytes]).toEqual([10, 200]);
  sink.room = 1000;
  expect(q.drain(sink)).toBe(true);
  expect(runs(taken)).toEqual([[9, 10], [1, 100], [2, 100]]);
});

test("a chunk half on the wire is finished before the chat frame, which then goes before the next chunk", () => {
  const { sink, taken } = socket(30);
  const q = new WriteQueue(1 << 20);
  q.sendBulk(sink, bytes(1, 100)); // 30 bytes of it go at once
  q.sendBulk(sink, bytes(2, 100));
  q.send(sink, bytes(9, 10));
  sink.room = 1000;
  q.drain(sink);
  expect(runs(taken)).toEqual([[1, 100], [9, 10], [2, 100]]);
});

test("chat frames keep their order and never cut into a chunk", () => {
  const { sink, taken } = socket(50);
  const q = new WriteQueue(1 << 20);
  q.sendBulk(sink, bytes(1, 80)); // half of it goes
  q.send(sink, bytes(7, 5));
  q.send(sink, bytes(8, 5));
  for (const room of [10, 3, 100]) {
    sink.room = room;
    q.drain(sink);
  }
  expect(runs(taken)).toEqual([[1, 80], [7, 5], [8, 5]]);
  expect([q.bytes, q.bulkBytes]).toEqual([0, 0]);
});

test("each lane has its cap: a peer that stops reading is dropped rather than let us grow", () => {
  const { sink } = socket(0);
  const q = new WriteQueue(150);
  expect(q.sendBulk(sink, bytes(1, 100))).toBe(true);
  expect(q.sendBulk(sink, bytes(1, 100))).toBe(false);
  expect(q.send(sink, bytes(2, 100))).toBe(true);
  expect(q.send(sink, bytes(2, 100))).toBe(false);
});

test("a bulk frame's buffer is let go only once the socket has taken all of it, in order, whatever the drains", () => {
  const { sink, taken } = socket(150);
  const q = new WriteQueue(1 << 20);
  const sent: string[] = [];
  const mark = (tag: number) => () => sent.push(`${tag} after ${taken.length}`);
  q.sendBulk(sink, bytes(1, 100), mark(1)); // all of it at once
  q.sendBulk(sink, bytes(2, 100), mark(2)); // half
  q.sendBulk(sink, bytes(3, 100), mark(3)); // none
  expect(sent).toEqual(["1 after 100"]);
  for (const room of [40, 40, 1000]) {
    sink.room = room;
    q.drain(sink);
  }
  expect(sent).toEqual(["1 after 100", "2 after 200", "3 after 300"]);
});
