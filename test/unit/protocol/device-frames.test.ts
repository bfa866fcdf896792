// Device frames (13-15) and the device join line: round trips, what the
// decoder refuses, and a line whose every character the checksum guards.
import { describe, expect, test } from "bun:test";
import type { DeviceFrame } from "../../../src/protocol/devices/device-frames.ts";
import { decodeDeviceLine, encodeDeviceLine, type DeviceLine } from "../../../src/protocol/devices/device-line.ts";
import type { PeerId } from "../../../src/protocol/peer-id.ts";
import { afterHello, expectCode, frame, roundTrip, utf8 } from "./wire.ts";

const ID = "A4DQOBY-HA4DQOC-BYHA4DQ-OBYHA4E-DQOBYHA-4DQOBYB-HA4DQOB-YHA4DQA" as PeerId;

describe("device frames", () => {
  test("round trips", () => {
    const frames: DeviceFrame[] = [
      { type: "device-roster", devices: [{ id: ID, name: "laptop ✓", addrs: ["10.0.0.2:20001", "[2001:db8::1]:20001"] }, { id: ID, name: "server", addrs: [] }] },
      { type: "device-welcome", ok: true, proof: Uint8Array.of(1, 2, 3), owner: "alice", identityKey: null, devices: [] },
      { type: "device-welcome", ok: true, proof: Uint8Array.of(9), owner: "alice", identityKey: "-----BEGIN PRIVATE KEY-----\nabc\n", devices: [{ id: ID, name: "x", addrs: ["1.2.3.4:5"] }] },
      { type: "device-welcome", ok: false, code: "used", reason: "this device line was used already" },
      { type: "device-revoke", identity: Uint8Array.of(48, 1, 2), deviceId: ID, time: 1_700_000_000_000, sig: Uint8Array.of(7, 7) },
    ];
    expect(roundTrip(...frames)).toEqual(frames);
  });

  test("the decoder refuses what is not a device frame's shape", () => {
    expectCode(() => afterHello().push(frame(13, utf8("not json"))), "BAD_FRAME");
    expectCode(() => afterHello().push(frame(13, utf8('{"d":[{"i":"x","n":"y","a":"not a list"}]}'))), "BAD_FRAME");
    expectCode(() => afterHello().push(frame(14, utf8('{"ok":false,"c":"teapot","r":"no"}'))), "BAD_FRAME");
    expectCode(() => afterHello().push(frame(15, utf8('{"c":"AA==","i":"x","t":-1,"s":"AA=="}'))), "BAD_FRAME");
    expectCode(() => afterHello().push(frame(15, new Uint8Array(40 * 1024))), "BAD_FRAME"); // over the limit, refused from the header
  });
});

describe("device line", () => {
  const line: DeviceLine = { owner: "alice", peerId: ID, addresses: ["192.168.1.5:20001"], token: "abcdefghijklmnopqrstuvwx", expires: 1_800_000_000_000, name: "server", admin: false };

  test("round trip; a changed character or a cut copy is a checksum mismatch; an invite is not a device line", () => {
    const text = encodeDeviceLine(line);
    expect(text).toStartWith("p2pchat-device:");
    expect(decodeDeviceLine(text)).toEqual(line);
    expect(decodeDeviceLine(`  ${text.slice(0, 20)}\n${text.slice(20)} `)).toEqual(line); // wrapped by a mail program
    for (const bad of [text.slice(0, -1), text.slice(0, 30) + (text[30] === "A" ? "B" : "A") + text.slice(31)]) {
      expect(() => decodeDeviceLine(bad)).toThrow(expect.objectContaining({ code: "CHECKSUM_MISMATCH" }));
    }
    expect(() => decodeDeviceLine("p2pchat:abc")).toThrow(expect.objectContaining({ code: "NOT_A_DEVICE_LINE" }));
  });
});
