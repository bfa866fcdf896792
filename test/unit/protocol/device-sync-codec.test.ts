// Frames between devices of one person (16-18): round trips through the link
// codec, hand-built bytes the decoder must refuse with a clear code, and
// entry bodies checked against their kind.
import { describe, expect, test } from "bun:test";
import { encodeFrame } from "../../../src/protocol/codec.ts";
import { DEVICE_ENTRY_PREFIX, MAX_ENTRY_BODY, encodeDeviceEntries, type DeviceSyncFrame } from "../../../src/protocol/devices/sync-frames.ts";
import { decodeEntry, entryText, ENTRY_KIND, type DeviceEntry } from "../../../src/protocol/devices/sync-entries.ts";
import { peerIdDigest, type PeerId } from "../../../src/protocol/peer-id.ts";
import { afterHello, concat, expectCode, frame, roundTrip, u64, utf8 } from "./wire.ts";

const T = { vector: 16, want: 17, entry: 18 } as const;
const A = "A4DQOBY-HA4DQOC-BYHA4DQ-OBYHA4E-DQOBYHA-4DQOBYB-HA4DQOB-YHA4DQA" as PeerId;
const u16 = (n: number) => Uint8Array.of(n >>> 8, n & 0xff);
const u32 = (n: number) => Uint8Array.of(n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
const dev = (id: PeerId) => peerIdDigest(id);

const OUT: DeviceEntry = { kind: "out", id: "0190f3b4-5c6d-7e8f-9a0b-1c2d3e4f5a6b", name: "bob", peerId: null, host: "::1", port: 20001, body: "hé \u0000 \"quoted\"", created: 1_700_000_000_000, status: "pending" };

function entryFrame(e: DeviceEntry, seq = 1): DeviceSyncFrame {
  return { type: "device-entry", device: A, seq, created: 1_700_000_000_123, kind: ENTRY_KIND[e.kind], text: entryText(e), entry: e };
}

describe("device sync frames", () => {
  test("vector, want and entries round-trip through the link codec; a vector is sent in device order", () => {
    const frames: DeviceSyncFrame[] = [
      { type: "device-vector", logs: [{ device: A, seq: 7 }] },
      { type: "device-vector", logs: [] },
      { type: "device-want", ranges: [{ device: A, from: 1, to: 2000 }, { device: A, from: 4_000_000_000, to: 0xffff_ffff }] },
      entryFrame(OUT, 1),
      entryFrame({ kind: "status", status: "delivered", ids: ["x", "y"] }, 2),
      entryFrame({ kind: "in", id: "i", peerId: A, name: "carol", request: true, host: "h", port: 1, body: "", created: 0, received: 5 }, 3),
      entryFrame({ kind: "contactUpdate", name: "bob", blocked: true }, 4),
    ];
    expect(roundTrip(...frames)).toEqual(frames);
  });

  test("many entries in one buffer are the same frames as one by one", () => {
    const rows = [1, 2, 3].map((seq) => ({ device: A, seq, created: seq, kind: ENTRY_KIND.out, text: entryText({ ...OUT, body: `m${seq}` }) }));
    const decoded = afterHello().push(encodeDeviceEntries(rows));
    expect(decoded.map((f) => (f as { seq: number }).seq)).toEqual([1, 2, 3]);
    expect(Buffer.from(encodeDeviceEntries(rows))).toEqual(Buffer.from(concat(...rows.map((r) => encodeDeviceEntries([r])))));
  });

  test("hand-built garbage is refused with a code that says why", () => {
    const d = () => afterHello();
    // A count that does not match the bytes, a seq of 0, devices out of order.
    expectCode(() => d().push(frame(T.vector, [...u16(2), ...dev(A), ...u32(1)])), "BAD_FRAME");
    expectCode(() => d().push(frame(T.vector, [...u16(1), ...dev(A), ...u32(0)])), "BAD_FRAME");
    // A want that ends before it starts, and an empty want.
    expectCode(() => d().push(frame(T.want, [...u16(1), ...dev(A), ...u32(5), ...u32(4)])), "BAD_FRAME");
    expectCode(() => d().push(frame(T.want, [...u16(0)])), "BAD_FRAME");
    // Entries: too short, seq 0, unknown kind, not JSON, not UTF-8, a field of the wrong type.
    const head = (seq: number, kind: number) => [...dev(A), ...u32(seq), ...u64(1), kind];
    expectCode(() => d().push(frame(T.entry, head(1, 1))), "BAD_FRAME");
    expectCode(() => d().push(frame(T.entry, [...head(0, 1), ...utf8("{}")])), "BAD_FRAME");
    expect(expectCode(() => d().push(frame(T.entry, [...head(1, 99), ...utf8("{}")])), "BAD_FRAME").message).toContain("unknown kind 99");
    expect(expectCode(() => d().push(frame(T.entry, [...head(1, 1), ...utf8("{not json")])), "BAD_FRAME").message).toContain("not JSON");
    expectCode(() => d().push(frame(T.entry, [...head(1, 1), 0x7b, 0xff, 0x7d])), "BAD_UTF8");
    const wrong = JSON.stringify({ ...JSON.parse(entryText(OUT)), port: "20001" });
    expect(expectCode(() => d().push(frame(T.entry, [...head(1, 1), ...utf8(wrong)])), "BAD_FRAME").message).toBe("device entry (out): port is not a whole number >= 0");
    // 19 is kept, not spoken.
    expectCode(() => d().push(frame(19, [0])), "UNKNOWN_TYPE");
  });

  test("an oversized entry is refused from its header, before its bytes are kept; the encoder refuses it too", () => {
    const dec = afterHello();
    const size = 1 + DEVICE_ENTRY_PREFIX + MAX_ENTRY_BODY + 1;
    const header = Uint8Array.of(size >>> 24, (size >>> 16) & 0xff, (size >>> 8) & 0xff, size & 0xff, T.entry);
    expectCode(() => dec.push(header), "FRAME_TOO_LARGE");
    const huge = { ...OUT, body: "x".repeat(MAX_ENTRY_BODY) };
    expectCode(() => encodeFrame(entryFrame(huge)), "BODY_TOO_LARGE");
    // A status entry names at most 1,000 ids.
    expectCode(() => decodeEntry(ENTRY_KIND.status, JSON.stringify({ status: "sent", ids: Array.from({ length: 1001 }, (_, i) => String(i)) })), "BAD_FRAME");
  });
});
