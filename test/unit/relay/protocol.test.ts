// The relay codec against bytes written out by hand from the spec (Syncthing
// relay protocol v1), every way of splitting a stream, and garbage.
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { RelayDecoder } from "../../../src/reach/relay/decoder.ts";
import { RelayError } from "../../../src/reach/relay/relay-error.ts";
import { encodeMessage, type RelayMessage } from "../../../src/reach/relay/protocol.ts";

const hex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ""), "hex"));
const seq = (n: number, from = 1) => Uint8Array.from({ length: n }, (_, i) => (from + i) & 0xff);
const concat = (...parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((p) => [...p]));

const FROM = seq(32, 0xa0);
const KEY = seq(32, 0x10);

// [message, its bytes written from the spec's XDR layout]
const VECTORS: [string, RelayMessage, Uint8Array][] = [
  ["ping", { type: "ping" }, hex("9e79bc40 00000000 00000000")],
  ["pong", { type: "pong" }, hex("9e79bc40 00000001 00000000")],
  ["relay full", { type: "relayFull" }, hex("9e79bc40 00000007 00000000")],
  ["join relay, no token", { type: "joinRelayRequest", token: "" }, hex("9e79bc40 00000002 00000004 00000000")],
  ["join relay, token", { type: "joinRelayRequest", token: "abcde" }, hex("9e79bc40 00000002 0000000c 00000005 6162636465 000000")],
  ["join session", { type: "joinSessionRequest", key: Uint8Array.of(1, 2, 3) }, hex("9e79bc40 00000003 00000008 00000003 010203 00")],
  ["response success", { type: "response", code: 0, message: "success" }, hex("9e79bc40 00000004 00000010 00000000 00000007 73756363657373 00")],
  ["response negative", { type: "response", code: -1, message: "" }, hex("9e79bc40 00000004 00000008 ffffffff 00000000")],
  ["connect request", { type: "connectRequest", id: FROM }, concat(hex("9e79bc40 00000005 00000024 00000020"), FROM)],
  [
    "session invitation",
    { type: "sessionInvitation", from: FROM, key: KEY, address: Uint8Array.of(127, 0, 0, 1), port: 22067, serverSocket: true },
    concat(hex("9e79bc40 00000006 00000058 00000020"), FROM, hex("00000020"), KEY, hex("00000004 7f000001 00005633 00000001")),
  ],
  [
    "invitation, no address",
    { type: "sessionInvitation", from: FROM, key: KEY, address: new Uint8Array(0), port: 1, serverSocket: false },
    concat(hex("9e79bc40 00000006 00000054 00000020"), FROM, hex("00000020"), KEY, hex("00000000 00000001 00000000")),
  ],
];

const STREAM = concat(...VECTORS.map((v) => v[2]));
const MESSAGES = VECTORS.map((v) => v[1]);

function decodeChunks(chunks: Uint8Array[]): RelayMessage[] {
  const d = new RelayDecoder();
  const out: RelayMessage[] = [];
  for (const c of chunks) {
    d.feed(c);
    out.push(...d.drain());
  }
  expect(d.buffered).toBe(0);
  return out;
}

function refusal(bytes: Uint8Array): RelayError {
  const d = new RelayDecoder();
  d.feed(bytes);
  try {
    d.drain();
  } catch (err) {
    expect(err).toBeInstanceOf(RelayError);
    return err as RelayError;
  }
  throw new Error("no error");
}

describe("encoding", () => {
  for (const [name, msg, bytes] of VECTORS) {
    test(`${name}: encodes to the spec's bytes and decodes back`, () => {
      expect(encodeMessage(msg)).toEqual(bytes);
      expect(decodeChunks([bytes])).toEqual([msg]);
    });
  }

  test("an opaque field over 32 bytes or a port over 65535 is not encoded", () => {
    expect(() => encodeMessage({ type: "connectRequest", id: seq(33) })).toThrow(RelayError);
    expect(() => encodeMessage({ type: "sessionInvitation", from: FROM, key: KEY, address: new Uint8Array(0), port: 65536, serverSocket: false })).toThrow(RelayError);
    expect(() => encodeMessage({ type: "response", code: 0, message: "x".repeat(1020) })).toThrow(/over the 1024-byte limit/);
  });

  test("read like Syncthing's reader: an empty join payload (older clients), trailing bytes, a bool's low byte", () => {
    expect(decodeChunks([hex("9e79bc40 00000002 00000000")])).toEqual([{ type: "joinRelayRequest", token: "" }]);
    expect(decodeChunks([hex("9e79bc40 00000000 00000004 deadbeef")])).toEqual([{ type: "ping" }]);
    const inv = concat(hex("9e79bc40 00000006 00000054 00000020"), FROM, hex("00000020"), KEY, hex("00000000 ffff0050 00000102"));
    expect(decodeChunks([inv])).toEqual([{ type: "sessionInvitation", from: FROM, key: KEY, address: new Uint8Array(0), port: 0x50, serverSocket: true }]);
  });
});

describe("chunking", () => {
  test("every split into two chunks and every single-byte chunking give the same messages", () => {
    for (let i = 0; i <= STREAM.length; i++) expect(decodeChunks([STREAM.subarray(0, i), STREAM.subarray(i)])).toEqual(MESSAGES);
    expect(decodeChunks([...STREAM].map((b) => Uint8Array.of(b)))).toEqual(MESSAGES);
  });

  test("every split into three chunks of one message pair", () => {
    const two = concat(VECTORS[9]![2], VECTORS[6]![2]);
    for (let i = 0; i <= two.length; i++) {
      for (let j = i; j <= two.length; j++) {
        expect(decodeChunks([two.subarray(0, i), two.subarray(i, j), two.subarray(j)])).toEqual([VECTORS[9]![1], VECTORS[6]![1]]);
      }
    }
  });

  test("random chunkings of random messages", () => {
    const bytes = fc.uint8Array({ maxLength: 32 });
    const msg: fc.Arbitrary<RelayMessage> = fc.oneof(
      fc.constantFrom<RelayMessage>({ type: "ping" }, { type: "pong" }, { type: "relayFull" }),
      fc.record({ type: fc.constant("joinRelayRequest" as const), token: fc.string({ maxLength: 40 }) }),
      fc.record({ type: fc.constant("joinSessionRequest" as const), key: bytes }),
      fc.record({ type: fc.constant("response" as const), code: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), message: fc.string({ maxLength: 40 }) }),
      fc.record({ type: fc.constant("connectRequest" as const), id: bytes }),
      fc.record({ type: fc.constant("sessionInvitation" as const), from: bytes, key: bytes, address: bytes, port: fc.integer({ min: 0, max: 65535 }), serverSocket: fc.boolean() }),
    );
    fc.assert(
      fc.property(fc.array(msg, { maxLength: 8 }), fc.array(fc.nat(), { maxLength: 10 }), (msgs, cuts) => {
        const all = concat(...msgs.map(encodeMessage));
        const at = [...new Set(cuts.map((c) => c % (all.length + 1)))].sort((a, b) => a - b);
        const chunks = [0, ...at].map((a, i) => all.subarray(a, [...at, all.length][i]));
        expect(decodeChunks(chunks)).toEqual(msgs.map((m) => (m.type === "joinRelayRequest" ? { ...m, token: m.token.toWellFormed() } : m)));
      }),
    );
  });

  test("rest(): the bytes behind a message are handed back untouched (a session's first peer bytes)", () => {
    const peer = Uint8Array.of(0x16, 3, 1, 0, 0xff);
    const d = new RelayDecoder();
    d.feed(concat(VECTORS[6]![2], peer));
    expect(d.next()).toEqual(VECTORS[6]![1]);
    expect(d.rest()).toEqual(peer);
    expect(d.buffered).toBe(0);
  });
});

describe("garbage", () => {
  test("a wrong first byte is refused at once: TLS, HTTP, zeros", () => {
    for (const b of [hex("16"), new TextEncoder().encode("GET / HTTP/1.1\r\n"), hex("00")]) expect(refusal(b).code).toBe("BAD_MAGIC");
    expect(refusal(hex("9e79bc41")).message).toContain("9e 79 bc 41");
  });

  test("unknown types, negative or oversized lengths, fields that do not fit", () => {
    expect(refusal(hex("9e79bc40 00000008")).code).toBe("UNKNOWN_TYPE");
    expect(refusal(hex("9e79bc40 ffffffff")).code).toBe("UNKNOWN_TYPE");
    expect(refusal(hex("9e79bc40 00000000 00000401")).code).toBe("BAD_LENGTH");
    expect(refusal(hex("9e79bc40 00000000 80000000")).code).toBe("BAD_LENGTH");
    expect(refusal(hex("9e79bc40 00000003 00000004 00000021")).code).toBe("BAD_MESSAGE"); // key of 33 bytes
    expect(refusal(hex("9e79bc40 00000003 00000008 00000008 01020304")).code).toBe("BAD_MESSAGE"); // ends inside the key
    expect(refusal(hex("9e79bc40 00000003 00000006 00000001 0100")).code).toBe("BAD_MESSAGE"); // padding missing
    expect(refusal(hex("9e79bc40 00000004 00000002 0000")).code).toBe("BAD_MESSAGE");
  });

  test("an oversized length is refused from the header alone, before its payload arrives", () => {
    const d = new RelayDecoder();
    d.feed(hex("9e79bc40 00000000 7fffffff"));
    expect(() => d.next()).toThrow(/outside 0..1024/);
    expect(() => d.next()).toThrow(RelayError); // and stays refused
  });

  test("random bytes and mutated streams give messages or a RelayError, nothing else", () => {
    const mutated = fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })).map(([i, b]) => {
      const s = STREAM.slice();
      s[i % s.length] = b;
      return s;
    });
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 200 }), mutated), fc.nat(), (bytes, cut) => {
        const d = new RelayDecoder();
        const at = cut % (bytes.length + 1);
        try {
          d.feed(bytes.subarray(0, at));
          d.drain();
          d.feed(bytes.subarray(at));
          d.drain();
        } catch (err) {
          expect(err).toBeInstanceOf(RelayError);
        }
        expect(d.buffered).toBeLessThanOrEqual(bytes.length);
      }),
    );
  });
});
