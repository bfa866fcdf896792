// Hole-punching frames and relay offers: the layout written out by hand,
// round trips, and what the decoder must refuse before or after buffering.
import { describe, expect, test } from "bun:test";
import { createDecoder, encodeFrame } from "../../../src/protocol/codec.ts";
import { MAX_PUNCH_ADDRS, MAX_RELAY_URI, type ReachFrame } from "../../../src/protocol/reach-frames.ts";
import { HELLO_FRAME, afterHello, concat, decodeAll, expectCode, frame, roundTrip, splitAt, utf8 } from "./wire.ts";

const T = { offer: 20, answer: 21, sync: 22, cancel: 23, relayOffer: 24 } as const;
const u32 = (n: number) => Uint8Array.of(n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
const addr = (a: string) => concat(Uint8Array.of(a.length), utf8(a));
const URI = "relay://198.51.100.10:20002/?id=A4DQOBY-HA4DQOC-BYHA4DQ-OBYHA4E-DQOBYHA-4DQOBYB-HA4DQOB-YHA4DQA";

describe("layout", () => {
  test("each frame as the comment in reach-frames.ts writes it", () => {
    const offer = frame(T.offer, concat(u32(7), Uint8Array.of(2), addr("11.0.0.2:40001"), addr("[2001:db8::1]:40001")));
    expect(encodeFrame({ type: "punch-offer", attempt: 7, addrs: ["11.0.0.2:40001", "[2001:db8::1]:40001"] })).toEqual(offer);
    expect(encodeFrame({ type: "punch-answer", attempt: 0xffffffff, addrs: [] })).toEqual(frame(T.answer, concat(u32(0xffffffff), Uint8Array.of(0))));
    expect(encodeFrame({ type: "punch-sync", attempt: 3 })).toEqual(frame(T.sync, u32(3)));
    expect(encodeFrame({ type: "punch-cancel", attempt: 3, reason: "no public address" })).toEqual(frame(T.cancel, concat(u32(3), utf8("no public address"))));
    expect(encodeFrame({ type: "relay-offer", uri: URI })).toEqual(frame(T.relayOffer, utf8(URI)));
    expect(encodeFrame({ type: "relay-offer", uri: null })).toEqual(frame(T.relayOffer));
  });

  test("round trips, split anywhere", () => {
    const frames: ReachFrame[] = [
      { type: "punch-offer", attempt: 1, addrs: ["11.0.0.2:40001"] },
      { type: "punch-answer", attempt: 1, addrs: Array.from({ length: MAX_PUNCH_ADDRS }, (_, i) => `11.0.0.${i}:4000${i}`) },
      { type: "punch-sync", attempt: 1 },
      { type: "punch-cancel", attempt: 2, reason: "gave up: no SYN crossed ✗" },
      { type: "relay-offer", uri: URI },
      { type: "relay-offer", uri: null },
    ];
    expect(roundTrip(...frames)).toEqual(frames);
    const bytes = concat(HELLO_FRAME, ...frames.map(encodeFrame));
    for (const cut of [1, 6, 13, 40, bytes.length - 1]) expect(decodeAll(splitAt(bytes, [cut])).slice(1)).toEqual(frames);
  });
});

describe("refused", () => {
  test("encoding what a decoder would refuse throws first", () => {
    expectCode(() => encodeFrame({ type: "punch-offer", attempt: -1, addrs: [] }), "BAD_FRAME");
    expectCode(() => encodeFrame({ type: "punch-offer", attempt: 1.5, addrs: [] }), "BAD_FRAME");
    expectCode(() => encodeFrame({ type: "punch-offer", attempt: 1, addrs: Array(MAX_PUNCH_ADDRS + 1).fill("1.2.3.4:5") }), "BAD_FRAME");
    expectCode(() => encodeFrame({ type: "punch-answer", attempt: 1, addrs: ["a b:1"] }), "BAD_FRAME");
    expectCode(() => encodeFrame({ type: "punch-answer", attempt: 1, addrs: [""] }), "BAD_FRAME");
    expectCode(() => encodeFrame({ type: "punch-answer", attempt: 1, addrs: ["é:1"] }), "BAD_FRAME");
    expectCode(() => encodeFrame({ type: "relay-offer", uri: "" }), "BAD_FRAME");
    expectCode(() => encodeFrame({ type: "relay-offer", uri: "relay://x y" }), "BAD_FRAME");
    expectCode(() => encodeFrame({ type: "relay-offer", uri: "r".repeat(MAX_RELAY_URI + 1) }), "BAD_FRAME");
  });

  test("sizes are refused from the header, before the payload is kept", () => {
    // Only the 5 header bytes are pushed: the size alone is enough.
    const header = (type: number, size: number) => frame(type, new Uint8Array(size)).subarray(0, 5);
    expectCode(() => afterHello().push(header(T.offer, 4)), "BAD_FRAME");
    expectCode(() => afterHello().push(header(T.answer, 5 + MAX_PUNCH_ADDRS * 65 + 1)), "BAD_FRAME");
    expectCode(() => afterHello().push(header(T.sync, 5)), "BAD_FRAME");
    expectCode(() => afterHello().push(header(T.cancel, 3)), "BAD_FRAME");
    expectCode(() => afterHello().push(header(T.cancel, 4 + 1025)), "BAD_FRAME");
    expectCode(() => afterHello().push(header(T.relayOffer, MAX_RELAY_URI + 1)), "BAD_FRAME");
    expectCode(() => afterHello().push(header(35, 0)), "UNKNOWN_TYPE"); // past every kind in use (files end at 34)
  });

  test("payloads that do not add up", () => {
    const bad = [
      frame(T.offer, concat(u32(1), Uint8Array.of(MAX_PUNCH_ADDRS + 1))), // too many
      frame(T.offer, concat(u32(1), Uint8Array.of(2), addr("1.2.3.4:5"))), // one missing
      frame(T.offer, concat(u32(1), Uint8Array.of(1), Uint8Array.of(0))), // an empty address
      frame(T.offer, concat(u32(1), Uint8Array.of(1), addr("1.2.3.4:5"), Uint8Array.of(9))), // bytes after
      frame(T.answer, concat(u32(1), Uint8Array.of(1), addr("1.2 3.4:5"))), // a space
      frame(T.relayOffer, utf8("relay://a\nb")),
    ];
    for (const f of bad) expectCode(() => afterHello().push(f), "BAD_FRAME");
    expectCode(() => afterHello().push(frame(T.cancel, concat(u32(1), Uint8Array.of(0xff)))), "BAD_UTF8");
    // Before the hello, as any frame but an error.
    expectCode(() => createDecoder().push(frame(T.sync, u32(1))), "NO_HELLO");
  });
});
