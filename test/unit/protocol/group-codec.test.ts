// Group frames: round trips, the canonical vector, hand-built bytes the
// decoder must refuse, and properties (any chunking, any garbage).
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { createDecoder, encodeFrame } from "../../../src/protocol/codec.ts";
import { ProtocolError } from "../../../src/protocol/protocol-error.ts";
import { MAX_BODY, MAX_FRAME } from "../../../src/protocol/frame.ts";
import { GROUP_MESSAGE_PREFIX, MAX_WANT_RANGES, encodeGroupMessages } from "../../../src/protocol/groups/group-codec.ts";
import { groupIdFor, groupMessageUuid, groupSignedBytes } from "../../../src/protocol/groups/group-signed.ts";
import { GROUP_KIND, decodeGroupEvent, encodeGroupEvent } from "../../../src/protocol/groups/group-events.ts";
import type { GroupFrame, GroupMessageFrame, GroupVectorFrame } from "../../../src/protocol/messages.ts";
import { HELLO_FRAME, afterHello, concat, decodeAll, expectCode, frame, roundTrip, splitAt, u64, utf8 } from "./wire.ts";

const T = { key: 6, vector: 7, want: 8, message: 9 } as const;
const G = "00112233445566778899aabbccddeeff";
const A = "aa".repeat(32);
const B = "bb".repeat(32);
const C = "cc".repeat(32);
const SIG = "5a".repeat(64);
const PEER = "A4DQOBY-HA4DQOC-BYHA4DQ-OBYHA4E-DQOBYHA-4DQOBYB-HA4DQOB-YHA4DQA";

const hexBytes = (h: string) => Uint8Array.from(Buffer.from(h, "hex"));
const u16 = (n: number) => Uint8Array.of(n >>> 8, n & 0xff);
const u32 = (n: number) => Uint8Array.of(n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);

describe("round trips", () => {
  test("every group frame", () => {
    const frames: GroupFrame[] = [
      { type: "group-key", key: A, sig: SIG, again: false },
      { type: "group-key", key: B, sig: SIG, again: true },
      { type: "group-vector", group: G, creator: A, full: true, rows: [{ member: B, entries: [{ author: A, seq: 3 }, { author: B, seq: 1 }] }, { member: C, entries: [{ author: A, seq: 2 }] }] },
      { type: "group-vector", group: G, creator: A, full: false, rows: [{ member: A, entries: [] }] },
      { type: "group-want", group: G, ranges: [{ author: A, from: 1, to: 10 }, { author: C, from: 7, to: 7 }] },
      { type: "group-message", group: G, author: B, seq: 1, created: 1_732_500_000_000, kind: 0, body: "hello 👋", sig: SIG },
      { type: "group-message", group: G, author: B, seq: 0xffff_ffff, created: Number.MAX_SAFE_INTEGER, kind: 255, body: "", sig: SIG },
    ];
    expect(roundTrip(...frames)).toEqual(frames);
  });

  test("a vector is canonical: rows after the first and every row's entries come back sorted", () => {
    const messy: GroupVectorFrame = {
      type: "group-vector",
      group: G,
      creator: C,
      full: true,
      rows: [
        { member: C, entries: [{ author: C, seq: 1 }, { author: A, seq: 2 }] },
        { member: B, entries: [] },
        { member: A, entries: [{ author: B, seq: 9 }] },
      ],
    };
    const [back] = roundTrip(messy);
    expect(back).toEqual({
      ...messy,
      rows: [
        { member: C, entries: [{ author: A, seq: 2 }, { author: C, seq: 1 }] },
        { member: A, entries: [{ author: B, seq: 9 }] },
        { member: B, entries: [] },
      ],
    });
    expect(encodeFrame(back!)).toEqual(encodeFrame(messy));
  });

  test("a body of MAX_BODY bytes passes, one more does not", () => {
    const m: GroupMessageFrame = { type: "group-message", group: G, author: A, seq: 1, created: 0, kind: 0, body: "é".repeat(MAX_BODY / 2), sig: SIG };
    expect(roundTrip(m)).toEqual([m]);
    expectCode(() => encodeFrame({ ...m, body: m.body + "a" }), "BODY_TOO_LARGE");
    const head = concat(hexBytes(G), hexBytes(A), u32(1), u64(0), Uint8Array.of(0), hexBytes(SIG));
    expect(head.length).toBe(GROUP_MESSAGE_PREFIX);
    expectCode(() => afterHello().push(frame(T.message, concat(head, new Uint8Array(MAX_BODY + 1).fill(0x61)))), "BODY_TOO_LARGE");
  });

  test("encodeGroupMessages: a batch decodes to the same messages, and one bad message writes nothing", () => {
    const ms = [1, 2, 3].map((seq) => ({ group: G, author: A, seq, created: seq, kind: 0, body: `m${seq}`, sig: SIG }));
    expect(decodeAll([HELLO_FRAME, encodeGroupMessages(ms)]).slice(1)).toEqual(ms.map((m) => ({ type: "group-message", ...m })));
    expectCode(() => encodeGroupMessages([...ms, { ...ms[0]!, seq: 0 }]), "BAD_FRAME");
    expectCode(() => encodeGroupMessages([{ ...ms[0]!, author: "AA".repeat(32) }]), "BAD_FRAME");
    expectCode(() => encodeGroupMessages([{ ...ms[0]!, body: "\ud800" }]), "BAD_UTF8");
  });
});

describe("the decoder refuses", () => {
  test("a group-key of any size but 97, or with an unknown flag", () => {
    for (const n of [0, 96, 98]) expectCode(() => afterHello().push(frame(T.key, new Uint8Array(n))), "BAD_FRAME");
    expect(afterHello().push(frame(T.key, new Uint8Array(97)))).toEqual([{ type: "group-key", key: "00".repeat(32), sig: "00".repeat(64), again: false }]);
    expectCode(() => afterHello().push(frame(T.key, concat(new Uint8Array(96), Uint8Array.of(2)))), "BAD_FRAME");
  });

  test("a group message with seq 0, a time past 2^53, a cut prefix or bad UTF-8", () => {
    const head = (seq: number, created: Uint8Array) => concat(hexBytes(G), hexBytes(A), u32(seq), created, Uint8Array.of(0), hexBytes(SIG));
    expectCode(() => afterHello().push(frame(T.message, head(0, u64(1)))), "BAD_FRAME");
    expectCode(() => afterHello().push(frame(T.message, head(1, Uint8Array.of(0, 0x20, 0, 0, 0, 0, 0, 0)))), "BAD_FRAME");
    expectCode(() => afterHello().push(frame(T.message, head(1, u64(1)).subarray(1))), "BAD_FRAME");
    expectCode(() => afterHello().push(frame(T.message, concat(head(1, u64(1)), Uint8Array.of(0xc3, 0x28)))), "BAD_UTF8");
  });

  test("vectors: keys out of order, bad indexes, rows out of order, seq 0, bytes left over, no row", () => {
    const base = (keys: string[], rows: Uint8Array, flags = 1) => concat(hexBytes(G), hexBytes(A), Uint8Array.of(flags), u16(keys.length), ...keys.map(hexBytes), rows);
    const row = (member: number, entries: [number, number][]) => concat(u16(member), u16(entries.length), ...entries.map(([a, s]) => concat(u16(a), u32(s))));
    const ok = base([A, B], concat(u16(2), row(1, [[0, 1], [1, 2]]), row(0, [])));
    expect(afterHello().push(frame(T.vector, ok))).toEqual([
      { type: "group-vector", group: G, creator: A, full: true, rows: [{ member: B, entries: [{ author: A, seq: 1 }, { author: B, seq: 2 }] }, { member: A, entries: [] }] },
    ]);
    const bad = [
      base([B, A], concat(u16(1), row(0, []))), // keys descending
      base([A, A], concat(u16(1), row(0, []))), // duplicate key
      base([A, B], concat(u16(1), row(2, []))), // member index out of range
      base([A, B], concat(u16(1), row(0, [[2, 1]]))), // author index out of range
      base([A, B], concat(u16(1), row(0, [[1, 1], [0, 1]]))), // entries not ascending
      base([A, B], concat(u16(1), row(0, [[0, 0]]))), // seq 0
      base([A, B, C], concat(u16(3), row(0, []), row(2, []), row(1, []))), // later rows not ascending
      base([A, B], concat(u16(2), row(0, []), row(0, []))), // two rows for one member
      base([A, B], concat(u16(0))), // no row
      base([A, B], concat(u16(1), row(0, []), Uint8Array.of(0))), // a byte left over
      base([A, B], concat(u16(1), row(0, [[0, 1]])).subarray(0, -1)), // cut inside an entry
      base([A], concat(u16(1), row(0, [])), 2), // unknown flag
    ];
    for (const p of bad) expectCode(() => afterHello().push(frame(T.vector, p)), "BAD_FRAME");
    expectCode(() => afterHello().push(frame(T.vector, new Uint8Array(52))), "BAD_FRAME");
  });

  test("wants: no range, a count that does not match, from 0, to < from, too many", () => {
    const w = (n: number, ranges: [number, number][]) => concat(hexBytes(G), u16(n), ...ranges.map(([f, t]) => concat(hexBytes(A), u32(f), u32(t))));
    expect(afterHello().push(frame(T.want, w(1, [[1, 5]])))).toEqual([{ type: "group-want", group: G, ranges: [{ author: A, from: 1, to: 5 }] }]);
    for (const p of [w(0, []), w(2, [[1, 5]]), w(0, [[1, 5]]), w(1, [[0, 5]]), w(1, [[5, 4]])]) expectCode(() => afterHello().push(frame(T.want, p)), "BAD_FRAME");
    const many = Array.from({ length: MAX_WANT_RANGES + 1 }, () => [1, 1] as [number, number]);
    expectCode(() => afterHello().push(frame(T.want, w(MAX_WANT_RANGES + 1, many))), "BAD_FRAME");
    expectCode(() => encodeFrame({ type: "group-want", group: G, ranges: many.map(() => ({ author: A, from: 1, to: 1 })) }), "BAD_FRAME");
    expectCode(() => encodeFrame({ type: "group-want", group: G, ranges: [] }), "BAD_FRAME");
  });

  test("the encoder refuses what the decoder would: duplicate rows or entries, seq 0, a group that is not hex", () => {
    expectCode(() => encodeFrame({ type: "group-vector", group: G, creator: A, full: true, rows: [] }), "BAD_FRAME");
    expectCode(() => encodeFrame({ type: "group-vector", group: G, creator: A, full: true, rows: [{ member: A, entries: [] }, { member: A, entries: [] }] }), "BAD_FRAME");
    expectCode(() => encodeFrame({ type: "group-vector", group: G, creator: A, full: true, rows: [{ member: A, entries: [{ author: B, seq: 1 }, { author: B, seq: 2 }] }] }), "BAD_FRAME");
    expectCode(() => encodeFrame({ type: "group-vector", group: G, creator: A, full: true, rows: [{ member: A, entries: [{ author: B, seq: 0 }] }] }), "BAD_FRAME");
    expectCode(() => encodeFrame({ type: "group-vector", group: "xyz", creator: A, full: true, rows: [{ member: A, entries: [] }] }), "BAD_FRAME");
  });
});

describe("signatures and ids", () => {
  test("the signed bytes cover every field but the signature, behind a domain tag", () => {
    const m = { group: G, author: A, seq: 7, created: 1234, kind: 0, body: "hi" };
    const base = groupSignedBytes(m);
    expect(new TextDecoder().decode(base.subarray(0, 24))).toBe("p2pchat group message v1");
    for (const change of [{ group: "ff" + G.slice(2) }, { author: B }, { seq: 8 }, { created: 1235 }, { kind: 1 }, { body: "ho" }]) {
      expect(groupSignedBytes({ ...m, ...change })).not.toEqual(base);
    }
  });

  test("a group id is bound to its creator and nonce; message ids are version-8 UUIDs, one per (group, author, seq)", () => {
    const n = "0f".repeat(16);
    expect(groupIdFor(A, n)).toMatch(/^[0-9a-f]{32}$/);
    expect(groupIdFor(A, n)).toBe(groupIdFor(A, n));
    expect(groupIdFor(B, n)).not.toBe(groupIdFor(A, n));
    const id = groupMessageUuid(G, A, 1);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Set([id, groupMessageUuid(G, A, 2), groupMessageUuid(G, B, 1)]).size).toBe(3);
  });
});

describe("events", () => {
  test("each event round-trips through its kind and body", () => {
    const events = [
      { kind: "create" as const, name: "book-club", nonce: "0f".repeat(16), peer: PEER, owner: "alice" },
      { kind: "add" as const, key: B, peer: PEER, name: "bob" },
      { kind: "remove" as const, key: B, until: 12 },
      { kind: "leave" as const },
    ];
    for (const e of events) {
      const { kind, body } = encodeGroupEvent(e as never);
      expect(decodeGroupEvent(kind, body)).toEqual(e as never);
    }
    expect(decodeGroupEvent(GROUP_KIND.text, "{not json")).toBeNull();
    expect(decodeGroupEvent(200, "anything")).toBeNull();
  });

  test("malformed events are refused, naming the field", () => {
    const bad: [number, string][] = [
      [GROUP_KIND.create, "[]"],
      [GROUP_KIND.create, JSON.stringify({ name: "", nonce: "0f".repeat(16), peer: PEER, owner: "a" })],
      [GROUP_KIND.create, JSON.stringify({ name: "ab", nonce: "0f".repeat(16), peer: PEER })], // no owner
      [GROUP_KIND.create, JSON.stringify({ name: "a b", nonce: "0f".repeat(16), peer: PEER, owner: "a" })],
      [GROUP_KIND.create, JSON.stringify({ name: "x\u200b", nonce: "0f".repeat(16), peer: PEER, owner: "a" })],
      [GROUP_KIND.create, JSON.stringify({ name: "x", nonce: "0f", peer: PEER, owner: "a" })],
      [GROUP_KIND.add, JSON.stringify({ key: B.toUpperCase(), peer: PEER, name: "bob" })],
      [GROUP_KIND.add, JSON.stringify({ key: B, peer: PEER.toLowerCase(), name: "bob" })],
      [GROUP_KIND.remove, JSON.stringify({ key: B, until: -1 })],
      [GROUP_KIND.remove, JSON.stringify({ key: B, until: 1.5 })],
      [GROUP_KIND.leave, "not json"],
      [GROUP_KIND.leave, JSON.stringify({ pad: "x".repeat(2000) })],
    ];
    for (const [kind, body] of bad) expectCode(() => decodeGroupEvent(kind, body), "BAD_FRAME");
  });
});

// --- properties -------------------------------------------------------------------

const hexArb = (n: number) => fc.uint8Array({ minLength: n, maxLength: n }).map((b) => Buffer.from(b).toString("hex"));
const keyArb = fc.constantFrom(A, B, C, "01".repeat(32), "fe".repeat(32));
const seqArb = fc.integer({ min: 1, max: 0xffff_ffff });

const vectorArb: fc.Arbitrary<GroupFrame> = fc
  .record({
    group: hexArb(16),
    creator: keyArb,
    full: fc.boolean(),
    members: fc.uniqueArray(keyArb, { minLength: 1, maxLength: 4 }),
    entries: fc.array(fc.uniqueArray(fc.record({ author: keyArb, seq: seqArb }), { selector: (e) => e.author, maxLength: 5 }), { minLength: 4, maxLength: 4 }),
  })
  .map(({ group, creator, full, members, entries }) => {
    const rows = members.map((member, i) => ({ member, entries: [...entries[i]!].sort((a, b) => (a.author < b.author ? -1 : 1)) }));
    const [own, ...rest] = rows;
    return { type: "group-vector" as const, group, creator, full, rows: [own!, ...rest.sort((a, b) => (a.member < b.member ? -1 : 1))] };
  });

const groupFrameArb: fc.Arbitrary<GroupFrame> = fc.oneof(
  fc.record({ type: fc.constant("group-key" as const), key: hexArb(32), sig: hexArb(64), again: fc.boolean() }),
  vectorArb,
  fc.record({
    type: fc.constant("group-want" as const),
    group: hexArb(16),
    ranges: fc.array(fc.tuple(keyArb, seqArb, fc.nat()).map(([author, from, d]) => ({ author, from, to: Math.min(0xffff_ffff, from + d) })), { minLength: 1, maxLength: 5 }),
  }),
  fc.record({
    type: fc.constant("group-message" as const),
    group: hexArb(16),
    author: keyArb,
    seq: seqArb,
    created: fc.maxSafeNat(),
    kind: fc.integer({ min: 0, max: 255 }),
    body: fc.string({ unit: "grapheme", maxLength: 60 }),
    sig: hexArb(64),
  }),
);

test("group frames decode to themselves, however the stream is chunked", () => {
  fc.assert(
    fc.property(fc.array(groupFrameArb, { minLength: 1, maxLength: 8 }), fc.array(fc.nat(), { maxLength: 12 }), (frames, cuts) => {
      const bytes = concat(HELLO_FRAME, ...frames.map(encodeFrame));
      expect(decodeAll(splitAt(bytes, cuts)).slice(1)).toEqual(frames);
    }),
    { numRuns: 300 },
  );
});

test("garbage in group frames, or a valid group frame with one byte changed: frames or a ProtocolError", () => {
  const garbage = fc.record({ type: fc.integer({ min: 6, max: 9 }), payload: fc.uint8Array({ maxLength: 200 }) }).map((f) => frame(f.type, f.payload));
  const flipped = fc.tuple(groupFrameArb, fc.nat(), fc.integer({ min: 1, max: 255 })).map(([f, at, xor]) => {
    const b = encodeFrame(f).slice();
    const i = 4 + (at % (b.length - 4)); // the length stays: a change inside the frame
    b[i] = b[i]! ^ xor;
    return b;
  });
  fc.assert(
    fc.property(fc.oneof(garbage, flipped), fc.array(fc.nat(), { maxLength: 6 }), (bytes, cuts) => {
      const d = createDecoder();
      d.push(HELLO_FRAME);
      try {
        for (const c of splitAt(bytes, cuts)) {
          for (const f of d.push(c)) expect(decodeAll([encodeFrame(f)], createDecoder({ expectHello: false }))).toEqual([f]);
        }
      } catch (err) {
        if (!(err instanceof ProtocolError)) throw err;
      }
    }),
    { numRuns: 2000 },
  );
});

test("a vector frame never grows past MAX_FRAME for the largest group it may describe", () => {
  // 256 members, each row naming 256 authors: well inside one frame.
  const keys = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0").repeat(32));
  const rows = keys.map((member) => ({ member, entries: keys.map((author) => ({ author, seq: 1 })) }));
  const bytes = encodeFrame({ type: "group-vector", group: G, creator: keys[0]!, full: true, rows });
  expect(bytes.length).toBeLessThan(MAX_FRAME);
  expect(utf8("x").length).toBe(1);
});
