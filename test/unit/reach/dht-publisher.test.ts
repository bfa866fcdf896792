// The publisher's timing and ordering, with the DHT replaced by a function
// that records what it is given (the DHT itself: test/integration/dht.test.ts).
import { expect, test } from "bun:test";
import type { PeerId } from "../../../src/protocol/peer-id.ts";
import { DhtPublisher, type PublisherOptions } from "../../../src/reach/dht/dht-publisher.ts";
import { generateDiscoveryKey } from "../../../src/reach/dht/discovery-key.ts";
import { decodeRecord, type SignedRecord } from "../../../src/reach/dht/record.ts";

const PEER = "P56IOI7-MZJNU2Y-IQGDREY-DM2MGTI-MGL3BXN-PQ6W5BM-TBBZ4TJ-XZWICQ2" as PeerId;

function harness(over: Partial<PublisherOptions> = {}) {
  const key = generateDiscoveryKey();
  const put: SignedRecord[] = [];
  const errors: string[] = [];
  let next = Promise.withResolvers<void>();
  let fail = 0;
  let addresses = ["192.0.2.1:1"];
  const p = new DhtPublisher({
    key,
    content: () => ({ peerId: PEER, addresses, relays: [] }),
    publish: async (r) => {
      if (fail > 0) {
        fail--;
        throw new Error("no node answered");
      }
      put.push(r);
      return 3;
    },
    onPublished: () => next.resolve(),
    onError: (e) => errors.push(e.message),
    debounceMs: 10,
    ...over,
  });
  return {
    p,
    put,
    errors,
    addrs: () => put.map((r) => decodeRecord(r, { key: key.publicKey }).addresses),
    set: (a: string[]) => (addresses = a),
    failNext: (n: number) => (fail = n),
    published: async () => {
      await next.promise;
      next = Promise.withResolvers();
    },
  };
}

test("start publishes at once; a burst of changes makes one record with the last addresses", async () => {
  const h = harness();
  try {
    h.p.start();
    await h.published();
    for (const a of [["192.0.2.2:1"], ["192.0.2.3:1"], ["192.0.2.4:1"]]) {
      h.set(a);
      h.p.addressesChanged();
    }
    await h.published();
    expect(h.addrs()).toEqual([["192.0.2.1:1"], ["192.0.2.4:1"]]);
    expect(h.p.lastPublished).toBe(h.put[1]!);
  } finally {
    await h.p.stop();
  }
});

test("republishes on its interval, each time with a new seq", async () => {
  const h = harness({ republishMs: 5 });
  try {
    h.p.start();
    for (let i = 0; i < 3; i++) await h.published();
    await h.p.stop();
    const seqs = h.put.map((r) => r.seq);
    expect(seqs.length).toBeGreaterThanOrEqual(3);
    expect(seqs.every((s, i) => i === 0 || s > seqs[i - 1]!)).toBe(true);
  } finally {
    await h.p.stop();
  }
});

test("seq never goes back, even when the clock does", async () => {
  const clock = [5_000_000n, 4_000_000n, 4_000_000n];
  const h = harness({ now: () => clock.shift() ?? 1n });
  try {
    for (let i = 0; i < 3; i++) await h.p.publishNow();
    expect(h.put.map((r) => r.seq)).toEqual([5_000_000n, 5_000_001n, 5_000_002n]);
  } finally {
    await h.p.stop();
  }
});

test("a failed publish is reported and retried", async () => {
  const h = harness({ retryMs: 5 });
  try {
    h.failNext(2);
    h.p.start();
    await h.published();
    expect(h.errors).toEqual(["no node answered", "no node answered"]);
    expect(h.put.length).toBe(1);
  } finally {
    await h.p.stop();
  }
});

test("starting paused publishes nothing until resumed; stop ends the timers", async () => {
  const h = harness({ paused: true });
  h.p.start();
  h.p.addressesChanged();
  await h.p.publishNow();
  expect([h.p.paused, h.put.length]).toEqual([true, 0]);
  h.p.resume();
  await h.published();
  expect(h.put.length).toBe(1);
  await h.p.stop();
  h.p.addressesChanged();
  await h.p.publishNow();
  expect(h.put.length).toBe(1);
});
