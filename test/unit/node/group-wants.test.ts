// The want scheduler alone: one range per author from one peer at a time,
// spread over the peers, extended before it runs out, asked elsewhere when
// a peer goes or stalls.
import { expect, test } from "bun:test";
import { WANT_RANGE, WANT_STALL_MS, Wants, type Need, type Source } from "../../../src/node/groups/wants.ts";

const G = "g";

function source(order: number, offers: Record<string, number>): Source & { name: string } {
  return { name: `s${order}`, order, inflight: 0, offers: new Map([[G, new Map(Object.entries(offers))]]) };
}

/** What a sync engine gives: the peers offering more than `above` (sources() asked, per author, for the test to count). */
function setup(sources: (Source & { name: string })[], needs: Need[]) {
  const asked: string[] = [];
  const looked: string[] = [];
  let now = 0;
  const w = new Wants({
    sources: (_g, author, above) => {
      looked.push(author);
      return sources.filter((s) => (s.offers.get(G)?.get(author) ?? 0) > above);
    },
    needs: () => needs,
    ask: (s, _g, ranges) => asked.push(...ranges.map((r) => `${(s as Source & { name: string }).name} ${r.author} ${r.from}-${r.to}`)),
    now: () => now,
  });
  return { w, asked, looked, tick: (ms: number) => (now += ms) };
}

test("each author is asked of one peer, spreading authors over peers, never twice while in flight", () => {
  const a = source(0, { x: 10, y: 10 });
  const b = source(1, { x: 10, y: 10 });
  const { w, asked } = setup([a, b], [{ author: "x", have: 0, limit: Infinity }, { author: "y", have: 3, limit: Infinity }]);
  w.schedule(G);
  w.schedule(G);
  expect(asked).toEqual(["s0 x 1-10", "s1 y 4-10"]);
  expect([a.inflight, b.inflight]).toEqual([1, 1]);
});

test("a removed member is asked for up to its last valid seq, not past what a peer offers", () => {
  const a = source(0, { x: 50 });
  const { w, asked } = setup([a], [{ author: "x", have: 0, limit: 20 }]);
  w.schedule(G);
  expect(asked).toEqual(["s0 x 1-20"]);
});

test("a long range is asked in parts, the next one before the first runs out", () => {
  const a = source(0, { x: 3 * WANT_RANGE });
  const need = { author: "x", have: 0, limit: Infinity };
  const { w, asked } = setup([a], [need]);
  w.schedule(G);
  need.have = WANT_RANGE / 4;
  w.schedule(G);
  need.have = WANT_RANGE / 2 + 1;
  w.schedule(G);
  expect(asked).toEqual([`s0 x 1-${WANT_RANGE}`, `s0 x ${WANT_RANGE + 1}-${2 * WANT_RANGE}`]);
  need.have = 2 * WANT_RANGE;
  w.schedule(G);
  expect(asked.at(-1)).toBe(`s0 x ${2 * WANT_RANGE + 1}-${3 * WANT_RANGE}`);
});

test("a peer that goes, or stalls, has its range asked of another", () => {
  const a = source(0, { x: 10 });
  const b = source(1, { x: 10 });
  const sources = [a, b];
  const need = { author: "x", have: 0, limit: Infinity };
  const { w, asked, tick } = setup(sources, [need]);
  w.schedule(G);
  expect(asked).toEqual(["s0 x 1-10"]);
  sources.splice(0, 1);
  expect(w.drop(a)).toEqual([G]);
  w.schedule(G);
  expect(asked.at(-1)).toBe("s1 x 1-10");
  need.have = 4;
  w.progress(G, "x", b);
  tick(WANT_STALL_MS - 1);
  expect(w.stalled()).toEqual([]);
  tick(1);
  expect(w.stalled()).toEqual([G]);
  // Its offer is lowered to what we hold: it is not asked again until it offers more.
  expect(b.offers.get(G)!.get("x")).toBe(4);
  w.schedule(G);
  expect(asked).toHaveLength(2);
  expect(b.inflight).toBe(0);
});

test("authors we hold all of are not looked for; a range whose peer's offer fell to what we hold is asked of another", () => {
  const a = source(0, { x: 10, y: 5 });
  const b = source(1, { x: 10 });
  const x = { author: "x", have: 0, limit: Infinity };
  // A removed member's last valid seq, held: nothing to look for, whatever peers offer.
  const { w, asked, looked } = setup([a, b], [x, { author: "y", have: 3, limit: 3 }]);
  w.schedule(G);
  expect(asked).toEqual(["s0 x 1-10"]);
  expect(looked).toEqual(["x"]);
  // a's full vector now says it holds less than we do (it lost its store): b is asked at once, not after a stall.
  a.offers.get(G)!.set("x", 0);
  x.have = 2;
  w.schedule(G);
  expect(asked).toEqual(["s0 x 1-10", "s1 x 3-10"]);
  expect([a.inflight, b.inflight]).toEqual([0, 1]);
});
