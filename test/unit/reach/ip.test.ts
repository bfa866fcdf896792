import { expect, test } from "bun:test";
import fc from "fast-check";
import { isIPv6 } from "node:net";
import { directedBroadcast, formatIp, isLinkLocal, isLoopback, isMulticast, isUnspecified, parseIp } from "../../../src/reach/net/ip.ts";

test("IPv4 and IPv6 literals to bytes and back, in RFC 5952 form", () => {
  const cases: [string, string][] = [
    ["10.66.0.1", "10.66.0.1"],
    ["0.0.0.0", "0.0.0.0"],
    ["::", "::"],
    ["::1", "::1"],
    ["2001:DB8:0:0:0:0:0:1", "2001:db8::1"],
    ["2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"], // the first of two equal runs
    ["2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"], // one zero group stays
    ["fe80::6018:5aff:fe29:f25d", "fe80::6018:5aff:fe29:f25d"],
    ["::ffff:10.0.0.1", "::ffff:10.0.0.1"],
    ["64:ff9b::192.0.2.33", "64:ff9b::c000:221"],
    ["1::", "1::"],
  ];
  expect(cases.map(([text]) => formatIp(parseIp(text)!))).toEqual(cases.map(([, canonical]) => canonical));
});

test("anything that is not an IP literal is null", () => {
  const bad = ["", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1.2.3.-4", "example.com", ":::", "1:2:3:4:5:6:7:8:9", "1::2::3", ":1", "1:", "12345::", "::1.2.3", "fe80::1%eth0", "::g"];
  expect(bad.map((b) => parseIp(b))).toEqual(bad.map(() => null));
});

test("any 16 bytes format to text that node:net accepts and that parses back", () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (b) => {
      const text = formatIp(b);
      expect(isIPv6(text)).toBe(true);
      expect(parseIp(text)).toEqual(b);
    }),
  );
});

test("classes of address", () => {
  const classify = (t: string) => {
    const b = parseIp(t)!;
    return [isUnspecified(b), isLoopback(b), isMulticast(b), isLinkLocal(b)];
  };
  expect(["0.0.0.0", "::", "127.0.0.2", "::1", "224.0.0.1", "ff12::1", "169.254.1.1", "fe80::1", "febf::1", "10.0.0.1", "2001:db8::1"].map(classify)).toEqual([
    [true, false, false, false],
    [true, false, false, false],
    [false, true, false, false],
    [false, true, false, false],
    [false, false, true, false],
    [false, false, true, false],
    [false, false, false, true],
    [false, false, false, true],
    [false, false, false, true],
    [false, false, false, false],
    [false, false, false, false],
  ]);
});

test("directed broadcast of an IPv4 subnet", () => {
  expect(["10.66.0.1/24", "192.168.1.20/16", "10.0.0.5/30", "10.0.0.5/8", "10.0.0.1/31", "10.0.0.1/32", "fe80::1/64", "x/24"].map(directedBroadcast)).toEqual([
    "10.66.0.255",
    "192.168.255.255",
    "10.0.0.7",
    "10.255.255.255",
    null,
    null,
    null,
    null,
  ]);
});
