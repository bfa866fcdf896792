import { describe, expect, test } from "bun:test";
import { MAX_ACK_IDS, MAX_REFUSE_IDS, createDecoder, encodeAck, encodeFrame, encodeMessages } from "../../../src/protocol/codec.ts";
import { MAX_BODY, MAX_FRAME, MAX_REASON } from "../../../src/protocol/frame.ts";
import type { Frame } from "../../../src/protocol/messages.ts";
import { HELLO, HELLO_FRAME, ID_A, ID_B, TYPE, concat, decodeAll, expectCode, frame, idBytes, messagePayload, u64, utf8 } from "./wire.ts";

/** Encodes the frames after a hello, decodes them in one chunk, returns what came back (hello dropped). */
function roundTrip(...frames: Frame[]): Frame[] {
  const decoded = decodeAll([concat(encodeFrame(HELLO), ...frames.map(encodeFrame))]);
  expect(decoded[0]).toEqual(HELLO);
  return decoded.slice(1);
}

/** A decoder that has seen a valid hello. */
function afterHello() {
  const d = createDecoder();
  expect(d.push(HELLO_FRAME)).toEqual([HELLO]);
  return d;
}

describe("round trips", () => {
  test("every frame type", () => {
    const frames: Frame[] = [
      { type: "message", id: ID_A, created: 1_732_500_000_000, body: "hello" },
      { type: "ack", ids: [ID_A, ID_B] },
      { type: "keepalive" },
      { type: "error", code: "BLOCKED", reason: "you are blocked" },
      { type: "invite-answer", answer: "admitted" },
      { type: "invite-answer", answer: "used up" },
      { type: "invite-answer", answer: "expired" },
      { type: "invite-answer", answer: "unknown" },
    ];
    expect(roundTrip(...frames)).toEqual(frames);
  });

  test("refuse frames: code, count, ids, reason; more ids than one frame holds are split; none, a count that does not fit, and a long reason are refused", () => {
    const f: Frame = { type: "refuse", ids: [ID_A, ID_B], code: "BLANK_MESSAGE", reason: "blank" };
    expect(encodeFrame(f)).toEqual(frame(TYPE.refuse, [0, 21, 0, 2, ...idBytes(ID_A), ...idBytes(ID_B), ...utf8("blank")]));
    expect(roundTrip(f)).toEqual([f]);
    const ids = Array.from({ length: MAX_REFUSE_IDS + 1 }, () => Bun.randomUUIDv7());
    expect(roundTrip({ type: "refuse", ids, code: "BLANK_MESSAGE", reason: "" })).toEqual([
      { type: "refuse", ids: ids.slice(0, MAX_REFUSE_IDS), code: "BLANK_MESSAGE", reason: "" },
      { type: "refuse", ids: ids.slice(MAX_REFUSE_IDS), code: "BLANK_MESSAGE", reason: "" },
    ]);
    expectCode(() => encodeFrame({ type: "refuse", ids: [], code: "BLANK_MESSAGE", reason: "" }), "BAD_FRAME");
    expectCode(() => afterHello().push(frame(TYPE.refuse, [0, 21, 0, 2, ...idBytes(ID_A)])), "BAD_FRAME");
    expectCode(() => afterHello().push(frame(TYPE.refuse, [0, 21, 0, 0, ...idBytes(ID_A)])), "BAD_FRAME");
    expectCode(() => afterHello().push(frame(TYPE.refuse, [0, 21, 0, 1, ...idBytes(ID_A), ...new Array(MAX_REASON + 1).fill(0x61)])), "BAD_FRAME");
  });

  test("an invite answer is one byte, 0 to 3", () => {
    expectCode(() => afterHello().push(frame(TYPE.inviteAnswer, [4])), "BAD_FRAME");
    expectCode(() => afterHello().push(frame(TYPE.inviteAnswer, [0, 0])), "BAD_FRAME");
    expectCode(() => afterHello().push(frame(TYPE.inviteAnswer, [])), "BAD_FRAME");
  });

  test("unicode bodies: emoji, Japanese, accents, combining marks, empty", () => {
    const bodies = ["😀👍🏽 family: 👨‍👩‍👧‍👦", "こんにちは、世界", "Ça va? Señor Müller, naïve café", "e\u0301 a\u030a", "", "line\nbreak\ttab\0nul"];
    const frames: Frame[] = bodies.map((body, i) => ({ type: "message", id: i % 2 ? ID_A : ID_B, created: i, body }));
    expect(roundTrip(...frames)).toEqual(frames);
  });

  test("a body of exactly MAX_BODY bytes passes, one byte more does not", () => {
    expect(MAX_BODY).toBe(64 * 1024);
    for (const body of ["a".repeat(MAX_BODY), "é".repeat(MAX_BODY / 2), "😀".repeat(MAX_BODY / 4)]) {
      expect(roundTrip({ type: "message", id: ID_A, created: 5, body })).toEqual([{ type: "message", id: ID_A, created: 5, body }]);
    }
    for (const body of ["a".repeat(MAX_BODY + 1), "é".repeat(MAX_BODY / 2) + "a"]) {
      expectCode(() => encodeFrame({ type: "message", id: ID_A, created: 5, body }), "BODY_TOO_LARGE");
      expectCode(() => encodeMessages([{ id: ID_B, created: 1, body: "ok" }, { id: ID_A, created: 5, body }]), "BODY_TOO_LARGE");
      expectCode(() => afterHello().push(frame(TYPE.message, messagePayload(ID_A, 5, utf8(body)))), "BODY_TOO_LARGE");
    }
  });

  test("created: 0 and 2^53 - 1 pass; negative, fractional or past 2^53 do not", () => {
    for (const created of [0, 1, 2 ** 32 - 1, 2 ** 32, Number.MAX_SAFE_INTEGER]) {
      expect(roundTrip({ type: "message", id: ID_A, created, body: "x" })).toEqual([{ type: "message", id: ID_A, created, body: "x" }]);
    }
    for (const created of [-1, 1.5, Number.NaN, 2 ** 53, Infinity]) {
      expectCode(() => encodeFrame({ type: "message", id: ID_A, created, body: "x" }), "BAD_FRAME");
    }
    const tooLate = concat(idBytes(ID_A), Uint8Array.of(0, 0x20, 0, 0, 0, 0, 0, 0), utf8("x")); // 2^53
    expectCode(() => afterHello().push(frame(TYPE.message, tooLate)), "BAD_FRAME");
  });

  test("the message layout: id bytes, u64 BE created, UTF-8 body", () => {
    const bytes = encodeFrame({ type: "message", id: ID_A, created: 0x0102_0304_0506, body: "hé" });
    expect(bytes).toEqual(frame(TYPE.message, messagePayload(ID_A, 0x0102_0304_0506, utf8("hé"))));
    expect(Array.from(bytes.subarray(0, 5))).toEqual([0, 0, 0, 1 + 16 + 8 + 3, TYPE.message]);
    expect(Array.from(bytes.subarray(21, 29))).toEqual([0, 0, 1, 2, 3, 4, 5, 6]);
  });

  test("encodeMessages is the concatenation of single message frames", () => {
    const msgs = [
      { id: ID_A, created: 1, body: "one" },
      { id: ID_B, created: 2, body: "" },
      { id: ID_A, created: 3, body: "三" },
    ];
    expect(encodeMessages(msgs)).toEqual(concat(...msgs.map((m) => encodeFrame({ type: "message", ...m }))));
    expect(encodeMessages([]).length).toBe(0);
  });

  test("message ids must be lowercase canonical UUIDs, and a lone surrogate is refused", () => {
    for (const id of [ID_A.toUpperCase(), ID_A.slice(1), `{${ID_A}}`, ID_A.replace(/-/g, ""), ID_A.replace("a", "g"), ""]) {
      expectCode(() => encodeFrame({ type: "message", id, created: 0, body: "x" }), "BAD_FRAME");
      expectCode(() => encodeAck([ID_B, id]), "BAD_FRAME");
    }
    expectCode(() => encodeFrame({ type: "message", id: ID_A, created: 0, body: "broken \ud83d" }), "BAD_UTF8");
  });

  test("acks: ids in order; more than one frame holds are split; none makes no frame", () => {
    expect(encodeFrame({ type: "ack", ids: [ID_A] })).toEqual(frame(TYPE.ack, idBytes(ID_A)));
    const ids = Array.from({ length: MAX_ACK_IDS + 3 }, (_, i) => (i % 2 ? ID_A : ID_B));
    const bytes = encodeAck(ids);
    expect(bytes.length).toBe(2 * 5 + ids.length * 16);
    const decoded = decodeAll([HELLO_FRAME, bytes]).slice(1);
    expect(decoded).toEqual([
      { type: "ack", ids: ids.slice(0, MAX_ACK_IDS) },
      { type: "ack", ids: ids.slice(MAX_ACK_IDS) },
    ]);
    expect(1 + MAX_ACK_IDS * 16).toBeLessThanOrEqual(MAX_FRAME);
    expect(encodeAck([]).length).toBe(0);
    expectCode(() => encodeFrame({ type: "ack", ids: [] }), "BAD_FRAME");
    expectCode(() => encodeFrame({ type: "ack", ids }), "FRAME_TOO_LARGE");
  });

  test("error frames: code as u16, unknown numbers read as UNKNOWN_ERROR, long reasons cut on a character boundary", () => {
    expect(encodeFrame({ type: "error", code: "BAD_FRAME", reason: "é" })).toEqual(frame(TYPE.error, [0, 10, 0xc3, 0xa9]));
    expect(roundTrip({ type: "error", code: "UNKNOWN_ERROR", reason: "" })).toEqual([{ type: "error", code: "UNKNOWN_ERROR", reason: "" }]);
    expect(decodeAll([HELLO_FRAME, frame(TYPE.error, [0x12, 0x34, 0x68, 0x69])])[1]).toEqual({ type: "error", code: "UNKNOWN_ERROR", reason: "hi" });
    const [cut] = roundTrip({ type: "error", code: "SHUTDOWN", reason: "a" + "é".repeat(600) });
    expect(cut).toEqual({ type: "error", code: "SHUTDOWN", reason: "a" + "é".repeat(511) });
    const [exact] = roundTrip({ type: "error", code: "SHUTDOWN", reason: "x".repeat(MAX_REASON) });
    expect(exact).toEqual({ type: "error", code: "SHUTDOWN", reason: "x".repeat(MAX_REASON) });
  });
});

describe("decoder errors, by code", () => {
  test("FRAME_TOO_LARGE from the four length bytes alone, before any payload", () => {
    const d = afterHello();
    const length = MAX_FRAME + 1;
    expect(d.push(Uint8Array.of(length >>> 24, (length >>> 16) & 0xff, length >>> 8 & 0xff))).toEqual([]);
    expect(d.buffered).toBe(3);
    expectCode(() => d.push(Uint8Array.of(length & 0xff)), "FRAME_TOO_LARGE");
    expectCode(() => createDecoder().push(Uint8Array.of(0xff, 0xff, 0xff, 0xff)), "FRAME_TOO_LARGE");
  });

  test("BODY_TOO_LARGE from the header alone", () => {
    const d = afterHello();
    const length = 1 + 24 + MAX_BODY + 1;
    expectCode(() => d.push(Uint8Array.of(0, length >>> 16, (length >>> 8) & 0xff, length & 0xff, TYPE.message)), "BODY_TOO_LARGE");
  });

  test("BAD_FRAME: zero length, short message, ack of 15 bytes, keep-alive with a payload, error without a code", () => {
    expectCode(() => afterHello().push(Uint8Array.of(0, 0, 0, 0)), "BAD_FRAME");
    expectCode(() => afterHello().push(frame(TYPE.message, concat(idBytes(ID_A), u64(1)).subarray(0, 23))), "BAD_FRAME");
    expectCode(() => afterHello().push(frame(TYPE.ack, new Uint8Array(15))), "BAD_FRAME");
    expectCode(() => afterHello().push(frame(TYPE.ack, new Uint8Array(33))), "BAD_FRAME");
    expectCode(() => afterHello().push(frame(TYPE.ack)), "BAD_FRAME");
    expectCode(() => afterHello().push(frame(TYPE.keepalive, [0])), "BAD_FRAME");
    expectCode(() => afterHello().push(frame(TYPE.error, [1])), "BAD_FRAME");
    expectCode(() => afterHello().push(frame(TYPE.error, concat(Uint8Array.of(0, 1), new Uint8Array(MAX_REASON + 1)))), "BAD_FRAME");
  });

  test("UNKNOWN_TYPE", () => {
    for (const type of [0, 99, 255]) expectCode(() => afterHello().push(frame(type, [1, 2, 3])), "UNKNOWN_TYPE");
  });

  test("NO_HELLO and DUPLICATE_HELLO, unless the decoder expects no hello", () => {
    const msg = frame(TYPE.message, messagePayload(ID_A, 1, utf8("hi")));
    expectCode(() => createDecoder().push(msg), "NO_HELLO");
    expectCode(() => createDecoder().push(frame(TYPE.keepalive)), "NO_HELLO");
    expectCode(() => afterHello().push(HELLO_FRAME), "DUPLICATE_HELLO");
    // An error frame may come before the hello (a peer refusing, or stopping, before it greets).
    expect(createDecoder().push(encodeFrame({ type: "error", code: "SHUTDOWN", reason: "bye" }))).toEqual([{ type: "error", code: "SHUTDOWN", reason: "bye" }]);
    const loose = createDecoder({ expectHello: false });
    expect(loose.push(concat(msg, HELLO_FRAME, HELLO_FRAME))).toEqual([{ type: "message", id: ID_A, created: 1, body: "hi" }, HELLO, HELLO]);
  });

  test("BAD_UTF8 in a body or a reason", () => {
    for (const bad of [[0xff], [0xc0, 0x80], [0xe3, 0x81], [0xed, 0xa0, 0x80], [0x61, 0xf8, 0x88, 0x80, 0x80, 0x80]]) {
      expectCode(() => afterHello().push(frame(TYPE.message, messagePayload(ID_A, 1, Uint8Array.from(bad)))), "BAD_UTF8");
      expectCode(() => afterHello().push(frame(TYPE.error, [0, 1, ...bad])), "BAD_UTF8");
    }
  });

  test("after an error the decoder is dead: every push throws the same error", () => {
    const d = createDecoder();
    const err = expectCode(() => d.push(frame(TYPE.keepalive)), "NO_HELLO");
    expect(() => d.push(HELLO_FRAME)).toThrow(err);
    expect(() => d.push(new Uint8Array(0))).toThrow(err);
  });
});

describe("streaming", () => {
  test("half a frame yields nothing and no error; the rest completes it", () => {
    const msg = encodeFrame({ type: "message", id: ID_A, created: 7, body: "split me" });
    const d = afterHello();
    expect(d.push(msg.subarray(0, 20))).toEqual([]);
    expect(d.buffered).toBe(20);
    expect(d.push(msg.subarray(20))).toEqual([{ type: "message", id: ID_A, created: 7, body: "split me" }]);
    expect(d.buffered).toBe(0);
  });

  test("a split inside the length, then several frames and a partial one in one chunk", () => {
    const a = encodeFrame({ type: "message", id: ID_A, created: 1, body: "a" });
    const b = encodeFrame({ type: "keepalive" });
    const c = encodeFrame({ type: "message", id: ID_B, created: 3, body: "c" });
    const d = afterHello();
    expect(d.push(a.subarray(0, 2))).toEqual([]);
    expect(d.push(concat(a.subarray(2), b, c.subarray(0, 20)))).toEqual([{ type: "message", id: ID_A, created: 1, body: "a" }, { type: "keepalive" }]);
    expect(d.buffered).toBe(20);
    expect(d.push(c.subarray(20))).toEqual([{ type: "message", id: ID_B, created: 3, body: "c" }]);
  });

  test("the decoder keeps no reference to a chunk: the caller may reuse it", () => {
    const msg = encodeFrame({ type: "message", id: ID_A, created: 9, body: "kept safe" });
    const chunk = msg.slice(0, 25);
    const d = afterHello();
    expect(d.push(chunk)).toEqual([]);
    chunk.fill(0xee);
    expect(d.push(msg.slice(25))).toEqual([{ type: "message", id: ID_A, created: 9, body: "kept safe" }]);
  });

  test("empty chunks change nothing", () => {
    const d = createDecoder();
    expect(d.push(new Uint8Array(0))).toEqual([]);
    expect(d.push(HELLO_FRAME)).toEqual([HELLO]);
    expect(d.push(new Uint8Array(0))).toEqual([]);
    expect(d.buffered).toBe(0);
  });
});
