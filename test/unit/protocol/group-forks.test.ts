// Log digests in vectors and fork frames: what older peers still read
// (a vector without digests is the same bytes as before), what the decoder
// refuses, and what the chain and content hashes cover.
import { describe, expect, test } from "bun:test";
import { createDecoder, encodeFrame } from "../../../src/protocol/codec.ts";
import { MAX_BODY } from "../../../src/protocol/frame.ts";
import { groupSignedBytes } from "../../../src/protocol/groups/group-signed.ts";
import { ZERO_DIGEST, chainStep, contentHash } from "../../../src/protocol/groups/group-forks.ts";
import type { Frame, GroupForkFrame, GroupVectorFrame } from "../../../src/protocol/messages.ts";
import { HELLO_FRAME, concat, decodeAll, expectCode, frame } from "./wire.ts";

const T = { vector: 7, fork: 12 } as const;
const G = "00112233445566778899aabbccddeeff";
const A = "aa".repeat(32);
const B = "bb".repeat(32);
const C = "cc".repeat(32);
const SIG = "5a".repeat(64);
const D1 = "d1".repeat(32);
const D2 = "d2".repeat(32);

const roundTrip = (...frames: Frame[]) => decodeAll([concat(HELLO_FRAME, ...frames.map(encodeFrame))]).slice(1);
function afterHello() {
  const d = createDecoder();
  d.push(HELLO_FRAME);
  return d;
}

describe("vectors with digests", () => {
  const plain: GroupVectorFrame = { type: "group-vector", group: G, creator: A, full: true, rows: [{ member: B, entries: [{ author: B, seq: 1 }, { author: A, seq: 3 }] }, { member: C, entries: [{ author: A, seq: 2 }] }] };
  const withDigests: GroupVectorFrame = { ...plain, rows: [{ member: B, entries: [{ author: B, seq: 1, digest: D2 }, { author: A, seq: 3, digest: D1 }] }, plain.rows[1]!] };

  test("each of the sender's entries carries its digest, kept with its entry when entries are sorted; flag bit 1", () => {
    const [back] = roundTrip(withDigests) as [GroupVectorFrame];
    expect(back.rows[0]!.entries).toEqual([{ author: A, seq: 3, digest: D1 }, { author: B, seq: 1, digest: D2 }]);
    expect(back.rows[1]).toEqual({ member: C, entries: [{ author: A, seq: 2 }] });
    const bytes = encodeFrame(withDigests);
    expect(bytes[5 + 16 + 32]).toBe(3); // full | digests
    expect(bytes.length - encodeFrame(plain).length).toBe(2 * 32);
    expect(encodeFrame(back)).toEqual(bytes);
  });

  test("without digests the frame is what older builds send and read: flag bit 1 clear, nothing after the rows", () => {
    const bytes = encodeFrame(plain);
    expect(bytes[5 + 16 + 32]).toBe(1);
    expect(roundTrip(plain)).toEqual([{ ...plain, rows: [{ member: B, entries: [{ author: A, seq: 3 }, { author: B, seq: 1 }] }, plain.rows[1]!] }]);
  });

  test("refused: digests for some entries only, or in another member's row; flag 2 with no entry, or with digests missing or left over", () => {
    expectCode(() => encodeFrame({ ...plain, rows: [{ member: B, entries: [{ author: B, seq: 1, digest: D1 }, { author: A, seq: 3 }] }] }), "BAD_FRAME");
    expectCode(() => encodeFrame({ ...plain, rows: [plain.rows[0]!, { member: C, entries: [{ author: A, seq: 2, digest: D1 }] }] }), "BAD_FRAME");
    const bytes = encodeFrame(withDigests);
    const payload = bytes.subarray(5);
    expectCode(() => afterHello().push(frame(T.vector, payload.subarray(0, payload.length - 1))), "BAD_FRAME");
    expectCode(() => afterHello().push(frame(T.vector, concat(payload, Uint8Array.of(0)))), "BAD_FRAME");
    const empty = encodeFrame({ type: "group-vector", group: G, creator: A, full: false, rows: [{ member: A, entries: [] }] }).subarray(5);
    const flagged = Uint8Array.from(empty);
    flagged[16 + 32] = 2;
    expectCode(() => afterHello().push(frame(T.vector, flagged)), "BAD_FRAME");
    flagged[16 + 32] = 4;
    expectCode(() => afterHello().push(frame(T.vector, flagged)), "BAD_FRAME");
  });
});

describe("fork frames", () => {
  const f: GroupForkFrame = {
    type: "group-fork",
    group: G,
    author: A,
    seq: 3,
    versions: [
      { created: 1_732_500_000_000, kind: 0, body: "pay to account 111", sig: SIG },
      { created: 1_732_500_000_001, kind: 0, body: "pay to account 999 👋", sig: "6b".repeat(64) },
    ],
  };

  test("round trip, bodies up to MAX_BODY each", () => {
    expect(roundTrip(f)).toEqual([f]);
    const big: GroupForkFrame = { ...f, versions: [{ ...f.versions[0], body: "x".repeat(MAX_BODY) }, { ...f.versions[1], body: "y".repeat(MAX_BODY) }] };
    expect(roundTrip(big)).toEqual([big]);
    expectCode(() => encodeFrame({ ...f, versions: [{ ...f.versions[0], body: "x".repeat(MAX_BODY + 1) }, f.versions[1]] }), "BODY_TOO_LARGE");
  });

  test("refused: seq 0, a cut frame, bytes left over, a body size past the frame", () => {
    expectCode(() => encodeFrame({ ...f, seq: 0 }), "BAD_FRAME");
    const payload = encodeFrame(f).subarray(5);
    expectCode(() => afterHello().push(frame(T.fork, payload.subarray(0, payload.length - 1))), "BAD_FRAME");
    expectCode(() => afterHello().push(frame(T.fork, concat(payload, Uint8Array.of(0)))), "BAD_FRAME");
    const zeroSeq = Uint8Array.from(payload);
    zeroSeq.set([0, 0, 0, 0], 48);
    expectCode(() => afterHello().push(frame(T.fork, zeroSeq)), "BAD_FRAME");
    expectCode(() => afterHello().push(frame(T.fork, payload.subarray(0, 100))), "BAD_FRAME");
  });
});

describe("chains and content", () => {
  const m = { group: G, author: A, seq: 1, created: 5, kind: 0, body: "hi" };

  test("a chain step covers the previous chain and every signed field; the content hash ignores the signature", () => {
    const one = chainStep(ZERO_DIGEST, m);
    expect(one).toMatch(/^[0-9a-f]{64}$/);
    expect(chainStep(ZERO_DIGEST, m)).toBe(one);
    for (const changed of [{ ...m, body: "ho" }, { ...m, created: 6 }, { ...m, kind: 1 }, { ...m, seq: 2 }]) expect(chainStep(ZERO_DIGEST, changed)).not.toBe(one);
    expect(chainStep(one, { ...m, seq: 2 })).not.toBe(chainStep(ZERO_DIGEST, { ...m, seq: 2 }));
    expect(contentHash(m)).toBe(contentHash({ ...m, sig: SIG } as typeof m));
    expect(contentHash(m)).not.toBe(contentHash({ ...m, body: "ho" }));
    expect(contentHash(m)).not.toBe(Buffer.from(new Bun.CryptoHasher("sha256").update(groupSignedBytes(m)).digest()).toString("hex"));
  });
});
