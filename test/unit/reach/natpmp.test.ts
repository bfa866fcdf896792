// NAT-PMP packets (RFC 6886 section 3), both ways, without a gateway.
import { describe, expect, test } from "bun:test";
import { ReachError } from "../../../src/reach/reach-error.ts";
import { decodeReply, encodeExternalRequest, encodeMapRequest, MAX_REPLY_BYTES } from "../../../src/reach/nat/natpmp.ts";

const bytes = (...b: number[]) => new Uint8Array(b);

describe("NAT-PMP packets", () => {
  test("requests: external address (2 bytes), TCP mapping (12 bytes, big-endian)", () => {
    expect(encodeExternalRequest()).toEqual(bytes(0, 0));
    expect(encodeMapRequest(4000, 4001, 7200)).toEqual(bytes(0, 2, 0, 0, 0x0f, 0xa0, 0x0f, 0xa1, 0, 0, 0x1c, 0x20));
    expect(encodeMapRequest(4000, 0, 0)).toEqual(bytes(0, 2, 0, 0, 0x0f, 0xa0, 0, 0, 0, 0, 0, 0));
  });

  test("replies: the address, or the port and lifetime the gateway granted", () => {
    expect(decodeReply(0, bytes(0, 128, 0, 0, 0, 0, 1, 0, 11, 0, 0, 2))).toEqual({ epoch: 256, address: "11.0.0.2" });
    expect(decodeReply(2, bytes(0, 130, 0, 0, 0, 0, 0, 9, 0x0f, 0xa0, 0x0f, 0xa1, 0, 0, 0x0e, 0x10))).toEqual({ epoch: 9, internalPort: 4000, externalPort: 4001, lifetime: 3600 });
  });

  test("a result code is GATEWAY_REFUSED; a wrong or short packet is BAD_RESPONSE", () => {
    const err = (f: () => unknown) => {
      try {
        f();
        return null;
      } catch (e) {
        return e instanceof ReachError ? [e.code, e.detail] : e;
      }
    };
    expect(err(() => decodeReply(2, bytes(0, 130, 0, 2, 0, 0, 0, 9, 0x0f, 0xa0, 0, 0, 0, 0, 0, 0)))).toEqual(["GATEWAY_REFUSED", 2]);
    expect(err(() => decodeReply(2, bytes(0, 128, 0, 0, 0, 0, 0, 9, 11, 0, 0, 2)))).toEqual(["BAD_RESPONSE", undefined]);
    expect(err(() => decodeReply(0, bytes(0, 128, 0, 0)))).toEqual(["BAD_RESPONSE", undefined]);
    expect(err(() => decodeReply(2, bytes(0, 130, 0, 0, 0, 0, 0, 9, 0x0f, 0xa0)))).toEqual(["BAD_RESPONSE", undefined]);
    // Past what NAT-PMP (or PCP) ever sends: not read.
    const big = new Uint8Array(MAX_REPLY_BYTES + 1);
    big.set([0, 128, 0, 0, 0, 0, 0, 9, 11, 0, 0, 2]);
    expect(err(() => decodeReply(0, big))).toEqual(["BAD_RESPONSE", undefined]);
  });
});
