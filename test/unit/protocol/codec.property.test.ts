// Property tests: valid streams survive any chunking; garbage, and valid
// streams with one byte changed, give frames or a ProtocolError, nothing else.
import { expect, test } from "bun:test";
import fc from "fast-check";
import { createDecoder, encodeFrame, encodeMessages } from "../../../src/protocol/codec.ts";
import { PROTOCOL_ERROR_CODES, ProtocolError } from "../../../src/protocol/protocol-error.ts";
import { invisibleNameProblem } from "../../../src/protocol/hello.ts";
import type { Frame, Hello } from "../../../src/protocol/messages.ts";
import { HELLO_FRAME, concat, decodeAll, frame, splitAt } from "./wire.ts";

// Ids from raw bytes, written independently of the codec's own table.
const idArb = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => {
  const h = Buffer.from(b).toString("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
});

const nameArb = fc
  .string({ unit: "grapheme", minLength: 1, maxLength: 12 })
  .filter((s) => !/[\s\p{Cc}\p{Cs}]/u.test(s) && invisibleNameProblem(s) === null && [...s].length <= 40);

const helloArb: fc.Arbitrary<Hello> = fc.record({
  type: fc.constant("hello" as const),
  version: fc.constant(1),
  name: nameArb,
  port: fc.integer({ min: 0, max: 65535 }),
  caps: fc.array(fc.string({ unit: "grapheme-ascii", maxLength: 32 }), { maxLength: 6 }),
  session: fc.string({ unit: "binary", minLength: 1, maxLength: 64 }),
});

const bodyArb = fc.oneof(
  fc.string({ unit: "grapheme", maxLength: 80 }),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.string({ unit: "grapheme-ascii", maxLength: 200 }),
);

const messageArb = fc.record({ type: fc.constant("message" as const), id: idArb, created: fc.maxSafeNat(), body: bodyArb });

const frameArb: fc.Arbitrary<Frame> = fc.oneof(
  { arbitrary: messageArb, weight: 4 },
  fc.record({ type: fc.constant("ack" as const), ids: fc.array(idArb, { minLength: 1, maxLength: 5 }) }),
  fc.constant({ type: "keepalive" as const }),
  fc.record({
    type: fc.constant("error" as const),
    code: fc.constantFrom(...PROTOCOL_ERROR_CODES),
    reason: fc.string({ unit: "grapheme", maxLength: 30 }),
  }),
  fc.record({
    type: fc.constant("refuse" as const),
    ids: fc.array(idArb, { minLength: 1, maxLength: 5 }),
    code: fc.constantFrom(...PROTOCOL_ERROR_CODES),
    reason: fc.string({ unit: "grapheme", maxLength: 30 }),
  }),
);

const streamArb = fc.tuple(helloArb, fc.array(frameArb, { maxLength: 12 })).map(([hello, rest]) => [hello, ...rest]);

const cutsArb = fc.array(fc.nat(), { maxLength: 12 });

/** Valid frames with random payloads and a few wrong types: reaches the payload decoders more often than raw noise. */
const rawFramesArb = fc
  .array(fc.record({ type: fc.integer({ min: 0, max: 6 }), payload: fc.uint8Array({ maxLength: 48 }) }), { maxLength: 6 })
  .map((fs) => concat(...fs.map((f) => frame(f.type, f.payload))));

/** Pushes the chunks: returns the frames, or the ProtocolError it threw. Fails the test on any other throw. */
function decodeOrError(chunks: Uint8Array[], expectHello = true): Frame[] | ProtocolError {
  const d = createDecoder({ expectHello });
  const frames: Frame[] = [];
  try {
    for (const c of chunks) frames.push(...d.push(c));
  } catch (err) {
    if (!(err instanceof ProtocolError)) throw new Error(`not a ProtocolError: ${String(err)}`, { cause: err });
    expect(() => d.push(HELLO_FRAME)).toThrow(err); // dead from now on
    return err;
  }
  // What we accept, we could send: every decoded frame encodes and decodes to itself.
  for (const f of frames) expect(decodeAll([encodeFrame(f)], createDecoder({ expectHello: false }))).toEqual([f]);
  return frames;
}

test("valid streams decode to the same frames, however they are chunked", () => {
  fc.assert(
    fc.property(streamArb, cutsArb, (frames, cuts) => {
      const bytes = concat(...frames.map(encodeFrame));
      expect(decodeAll(splitAt(bytes, cuts))).toEqual(frames);
      expect(decodeAll([bytes])).toEqual(frames);
      if (bytes.length <= 600) {
        for (let i = 0; i <= bytes.length; i++) expect(decodeAll([bytes.subarray(0, i), bytes.subarray(i)])).toEqual(frames);
        expect(decodeAll(Array.from(bytes, (b) => Uint8Array.of(b)))).toEqual(frames);
      }
    }),
    { numRuns: 300 },
  );
});

test("encodeMessages batches decode to the same messages", () => {
  fc.assert(
    fc.property(fc.array(messageArb, { maxLength: 40 }), cutsArb, (msgs, cuts) => {
      const bytes = concat(HELLO_FRAME, encodeMessages(msgs));
      expect(decodeAll(splitAt(bytes, cuts)).slice(1)).toEqual(msgs);
    }),
    { numRuns: 200 },
  );
});

test("random bytes in random chunks: frames or a ProtocolError, nothing else", () => {
  const garbage = fc.oneof(fc.uint8Array({ maxLength: 300 }), rawFramesArb);
  fc.assert(
    fc.property(garbage, cutsArb, fc.boolean(), fc.boolean(), (bytes, cuts, afterHello, expectHello) => {
      const stream = afterHello ? concat(HELLO_FRAME, bytes) : bytes;
      decodeOrError(splitAt(stream, cuts), expectHello);
    }),
    { numRuns: 2000 },
  );
});

test("a valid stream with one byte changed: frames or a ProtocolError, nothing else", () => {
  fc.assert(
    fc.property(streamArb, fc.nat(), fc.integer({ min: 1, max: 255 }), cutsArb, (frames, at, xor, cuts) => {
      const bytes = concat(...frames.map(encodeFrame));
      const i = at % bytes.length;
      bytes[i] = bytes[i]! ^ xor;
      decodeOrError(splitAt(bytes, cuts));
    }),
    { numRuns: 1000 },
  );
});
