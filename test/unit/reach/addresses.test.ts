// How far an address carries, what a DHT record may hold for whoever reads
// it, the order addresses are offered in, and this machine's addresses as
// Linux lists them when no interface has carrier.
import { describe, expect, test } from "bun:test";
import { addressScope, advertised, bestFirst, parseFibTrie, parseIfInet6, reachableFrom, widestScope } from "../../../src/reach/net/addresses.ts";

describe("addressScope", () => {
  test("loopback, link-local, private networks (RFC 1918, shared 100.64/10, ULA), public, and what nobody dials", () => {
    const table: [string, string][] = [
      ["127.0.0.1", "loopback"],
      ["::1", "loopback"],
      ["::ffff:127.0.0.1", "loopback"],
      ["169.254.3.4", "link"],
      ["fe80::1", "link"],
      ["fe80::1%eth0", "link"],
      ["10.1.2.3", "lan"],
      ["172.16.0.1", "lan"],
      ["172.31.255.1", "lan"],
      ["192.168.1.10", "lan"],
      ["::ffff:192.168.1.10", "lan"],
      ["100.64.0.1", "lan"],
      ["100.127.255.1", "lan"],
      ["fd00::2", "lan"],
      ["fc12::1", "lan"],
      ["11.0.0.2", "public"],
      ["198.51.100.10", "public"],
      ["172.32.0.1", "public"],
      ["100.128.0.1", "public"],
      ["2001:db8::5", "public"],
      ["example.org", "public"],
      ["0.0.0.0", "none"],
      ["::", "none"],
      ["224.0.0.1", "none"],
      ["ff02::1", "none"],
      ["255.255.255.255", "none"],
      ["not an address", "none"],
    ];
    expect(table.map(([a]) => [a, addressScope(a)])).toEqual(table);
  });

  test("the widest scope of a DHT's nodes: loopback, a LAN, or the internet", () => {
    expect(widestScope(["127.0.0.1", "127.0.0.1"])).toBe("loopback");
    expect(widestScope(["127.0.0.1", "10.0.0.5"])).toBe("lan");
    expect(widestScope(["router.bittorrent.com", "127.0.0.1"])).toBe("public");
    expect(widestScope(["198.51.100.11"])).toBe("public");
  });
});

describe("reachableFrom", () => {
  const ours = ["11.0.0.2:7001", "192.168.1.10:7001", "[fd00::2]:7001", "[2001:db8::5]:7001", "100.64.1.2:7001", "127.0.0.1:7001", "[fe80::1]:7001"];
  test("a record on the public DHT: only what the internet can dial, no LAN, ULA, CGNAT, loopback or link-local address", () => {
    expect(reachableFrom(ours, "public")).toEqual(["11.0.0.2:7001", "[2001:db8::5]:7001"]);
  });
  test("a DHT of one's own on a LAN or on loopback: the narrower ones too, never link-local", () => {
    expect(reachableFrom(ours, "lan")).toEqual(["11.0.0.2:7001", "192.168.1.10:7001", "[fd00::2]:7001", "[2001:db8::5]:7001", "100.64.1.2:7001"]);
    expect(reachableFrom(ours, "loopback")).toEqual(ours.slice(0, -1));
  });
});

describe("what is offered, in which order", () => {
  test("the internet's addresses first, IPv4 before IPv6; loopback and link-local left out", () => {
    expect(bestFirst(["192.168.1.10", "fd00::2", "127.0.0.1", "fe80::1", "2001:db8::5", "198.51.100.7", "192.168.1.10"])).toEqual(["198.51.100.7", "2001:db8::5", "192.168.1.10", "fd00::2"]);
  });
  test("a listener on one address offers that address (loopback too); not listening, only what is given", () => {
    expect(advertised({ host: "127.0.0.1", port: 7001 })).toEqual(["127.0.0.1:7001"]);
    expect(advertised({ host: "::1", port: 7001 }, ["11.0.0.2:7001"])).toEqual(["11.0.0.2:7001", "[::1]:7001"]);
    expect(advertised(null, ["11.0.0.2:7001"])).toEqual(["11.0.0.2:7001"]);
  });
});

describe("Linux's configured addresses (interfaces without carrier included)", () => {
  test("/proc/net/fib_trie: the local /32 host entries, loopback left out", () => {
    const text = [
      "Main:",
      "  +-- 0.0.0.0/1 2 0 2",
      "     +-- 10.88.0.0/24 2 0 2",
      "        +-- 10.88.0.0/30 2 0 2",
      "           |-- 10.88.0.0",
      "              /24 link UNICAST",
      "           |-- 10.88.0.2",
      "              /32 host LOCAL",
      "        |-- 10.88.0.255",
      "           /32 link BROADCAST",
      "     +-- 127.0.0.0/8 2 0 2",
      "           |-- 127.0.0.1",
      "              /32 host LOCAL",
      "Local:",
      "           |-- 10.88.0.2",
      "              /32 host LOCAL",
      "           |-- 192.168.7.4",
      "              /32 host LOCAL",
      "",
    ].join("\n");
    expect(parseFibTrie(text)).toEqual(["10.88.0.2", "192.168.7.4"]);
    expect(parseFibTrie("")).toEqual([]);
  });

  test("/proc/net/if_inet6: the global-scope ones, as text", () => {
    const text = [
      "00000000000000000000000000000001 01 80 10 80       lo",
      "fd000000000000000000000000000002 04 40 00 82     eth0",
      "fe8000000000000000fc00fffe000001 04 40 20 80     eth0",
      "20010db8000000000000000000000005 05 40 00 00    wlan0",
      "",
    ].join("\n");
    expect(parseIfInet6(text)).toEqual(["fd00::2", "2001:db8::5"]);
  });
});
