// File frames: round trips, bytes written by hand, and what the decoder
// refuses before it keeps a payload byte (a chunk over 256 KiB, a chunk size
// that is not a power of two, a count that does not match).
import { describe, expect, test } from "bun:test";
import { createDecoder, encodeFrame } from "../../../src/protocol/codec.ts";
import { chunkFrame } from "../../../src/protocol/files/file-codec.ts";
import type { FileFrame } from "../../../src/protocol/files/file-frames.ts";
import { RootHasher, chunkCount, chunkHash, chunkLength } from "../../../src/protocol/files/file-manifest.ts";
import { decodeFilePost, encodeFilePost } from "../../../src/protocol/files/file-post.ts";
import type { Frame } from "../../../src/protocol/messages.ts";
import { HELLO_FRAME, ID_A, concat, decodeAll, expectCode, frame, idBytes, splitAt, u64, utf8 } from "./wire.ts";

const T = { offer: 25, answer: 26, manifestWant: 27, manifest: 28, want: 29, chunk: 30, missing: 31 } as const;
const SHA = "ab".repeat(32);
const ROOT = "cd".repeat(32);
const u32 = (n: number) => Uint8Array.of(n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
const u16 = (n: number) => Uint8Array.of(n >>> 8, n & 0xff);
const hex = (h: string) => Uint8Array.from(Buffer.from(h, "hex"));

function roundTrip(...frames: Frame[]): Frame[] {
  return decodeAll([concat(HELLO_FRAME, ...frames.map(encodeFrame))]).slice(1);
}

function afterHello() {
  const d = createDecoder();
  d.push(HELLO_FRAME);
  return d;
}

describe("round trips", () => {
  test("every file frame, and any way the bytes are cut", () => {
    const frames: FileFrame[] = [
      { type: "file-offer", id: ID_A, sha256: SHA, root: ROOT, size: 2 ** 40 + 5, chunkSize: 256 * 1024, created: 1_700_000_000_000, name: "café ☕.txt" },
      { type: "file-answer", id: ID_A, answer: "failed", code: "FILE_CORRUPT", reason: "chunk 3 never matched" },
      { type: "file-answer", id: ID_A, answer: "held", code: null, reason: "" },
      { type: "file-manifest-want", id: ID_A, from: 0, count: 16384 },
      { type: "file-manifest", id: ID_A, from: 8192, hashes: new Uint8Array(64).fill(7) },
      { type: "file-want", id: ID_A, ranges: [{ from: 0, count: 32 }, { from: 100, count: 1 }] },
      { type: "file-chunk", id: ID_A, index: 4_000_000_000, data: Uint8Array.from({ length: 1000 }, (_, i) => i & 0xff) },
      { type: "file-missing", id: ID_A, ranges: [{ from: 5, count: 2 }] },
    ];
    expect(roundTrip(...frames)).toEqual(frames);
    const bytes = concat(HELLO_FRAME, ...frames.map(encodeFrame));
    for (const cut of [1, 7, 50, 300, bytes.length - 3]) expect(decodeAll(splitAt(bytes, [cut])).slice(1)).toEqual(frames);
  });

  test("a chunk frame is written in place: the data view is the frame's own bytes", () => {
    const { frame: f, data } = chunkFrame(ID_A, 9, 3);
    data.set([1, 2, 3]);
    expect(roundTrip({ type: "file-chunk", id: ID_A, index: 9, data: Uint8Array.of(1, 2, 3) })[0]).toEqual(decodeAll([concat(HELLO_FRAME, f)])[1]!);
  });
});

test("a decoded chunk is its own copy: the buffer it came in (a Buffer, reused) may change after", () => {
  const d = createDecoder();
  d.push(HELLO_FRAME);
  const wire = Buffer.from(encodeFrame({ type: "file-chunk", id: ID_A, index: 1, data: Uint8Array.of(1, 2, 3) }));
  const [f] = d.push(wire) as unknown as [{ data: Uint8Array }];
  wire.fill(0);
  expect([...f.data]).toEqual([1, 2, 3]);
  expect(f.data.buffer.byteLength).toBe(3); // its own buffer, which a writer thread may take
});

describe("hand-built bytes", () => {
  test("an offer: id, sha256, root, u64 size, u32 chunk, u64 created, the name", () => {
    const payload = concat(idBytes(ID_A), hex(SHA), hex(ROOT), u64(1234567), u32(65536), u64(99), utf8("a.txt"));
    expect(decodeAll([HELLO_FRAME, frame(T.offer, payload)])[1]).toEqual({ type: "file-offer", id: ID_A, sha256: SHA, root: ROOT, size: 1234567, chunkSize: 65536, created: 99, name: "a.txt" });
  });

  test("an answer's code is a wire error code, 0 for none", () => {
    expect(decodeAll([HELLO_FRAME, frame(T.answer, concat(idBytes(ID_A), Uint8Array.of(4), u16(0), utf8("")))])[1]).toEqual({ type: "file-answer", id: ID_A, answer: "done", code: null, reason: "" });
    expect(decodeAll([HELLO_FRAME, frame(T.answer, concat(idBytes(ID_A), Uint8Array.of(2), u16(28), utf8("no")))])[1]).toMatchObject({ answer: "rejected", code: "FILE_REFUSED" });
  });
});

describe("refused", () => {
  test("a chunk over 256 KiB is refused from its header, before any payload byte is kept", () => {
    const d = afterHello();
    const header = new Uint8Array(5);
    new DataView(header.buffer).setUint32(0, 1 + 16 + 4 + 256 * 1024 + 1);
    header[4] = T.chunk;
    expectCode(() => d.push(header), "BAD_FRAME");
  });

  test("an offer whose chunk size is not a power of two from 16 KiB to 256 KiB", () => {
    for (const chunk of [1000, 8192, 512 * 1024, 3 * 65536]) {
      const payload = concat(idBytes(ID_A), hex(SHA), hex(ROOT), u64(10), u32(chunk), u64(0), utf8("a"));
      expectCode(() => afterHello().push(frame(T.offer, payload)), "BAD_FRAME");
    }
  });

  test("an offer with no name, a want whose count does not match its bytes, a range of 0 chunks", () => {
    expectCode(() => afterHello().push(frame(T.offer, concat(idBytes(ID_A), hex(SHA), hex(ROOT), u64(10), u32(65536), u64(0)))), "BAD_FRAME");
    expectCode(() => afterHello().push(frame(T.want, concat(idBytes(ID_A), u16(2), u32(0), u32(1)))), "BAD_FRAME");
    expectCode(() => afterHello().push(frame(T.want, concat(idBytes(ID_A), u16(1), u32(0), u32(0)))), "BAD_FRAME");
    expectCode(() => afterHello().push(frame(T.manifest, concat(idBytes(ID_A), u32(0), new Uint8Array(33)))), "BAD_FRAME");
  });

  test("an answer number no build knows", () => {
    expectCode(() => afterHello().push(frame(T.answer, concat(idBytes(ID_A), Uint8Array.of(9), u16(0)))), "BAD_FRAME");
  });
});

describe("the manifest", () => {
  test("chunks of a file, the last one short, and a root that binds size, chunk size and every hash", () => {
    expect([chunkCount(0, 16384), chunkCount(16384, 16384), chunkCount(16385, 16384)]).toEqual([0, 1, 2]);
    expect([chunkLength(16385, 16384, 0), chunkLength(16385, 16384, 1)]).toEqual([16384, 1]);
    const h = (n: number) => chunkHash(new Uint8Array(n));
    const root = (size: number, chunk: number, hashes: Uint8Array[]) => {
      const r = new RootHasher(size, chunk);
      for (const x of hashes) r.add(x);
      return r.hex();
    };
    const a = root(16385, 16384, [h(16384), h(1)]);
    expect(root(16385, 16384, [h(16384), h(1)])).toBe(a);
    expect(root(16386, 16384, [h(16384), h(1)])).not.toBe(a);
    expect(root(16385, 32768, [h(16384), h(1)])).not.toBe(a);
    expect(root(16385, 16384, [h(1), h(16384)])).not.toBe(a);
  });

  test("a group's file post round-trips and refuses what is not one", () => {
    const post = { id: ID_A, name: "x.png", size: 10, sha256: SHA, root: ROOT, chunkSize: 262144 };
    expect(decodeFilePost(encodeFilePost(post))).toEqual(post);
    for (const bad of ["[]", "{}", JSON.stringify({ ...post, chunkSize: undefined, chunk: 1000 }), JSON.stringify({ ...post, chunk: 262144, id: "x" })]) {
      expectCode(() => decodeFilePost(bad), "BAD_FRAME");
    }
  });
});
