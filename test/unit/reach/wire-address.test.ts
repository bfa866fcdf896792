// The one judge of addresses from outside (wire-address.ts): a table of what
// a peer, a record, a beacon or a relay may point us at, from a source
// elsewhere and from loopback.
import { expect, test } from "bun:test";
import { isLoopbackHost, screenAddresses, splitHostPort, wireAddressProblem, wireHostProblem } from "../../../src/reach/net/wire-address.ts";

const ELSEWHERE = { fromLoopback: false };
const LOOPBACK = { fromLoopback: true };
const BEACON = { fromLoopback: false, ownZone: true };

test.each([
  // host                      from elsewhere                                   from loopback                    a beacon's source (our zone)
  ["192.168.1.20", null, null, null],
  ["11.0.0.2", null, null, null],
  ["2001:db8::1", null, null, null],
  ["relay.example.org", null, null, null],
  ["0.0.0.0", "unspecified", "unspecified", "unspecified"],
  ["0.1.2.3", "unspecified", "unspecified", "unspecified"],
  ["::", "unspecified", "unspecified", "unspecified"],
  ["127.0.0.1", "loopback from a peer elsewhere", null, "loopback from a peer elsewhere"],
  ["127.8.9.10", "loopback from a peer elsewhere", null, "loopback from a peer elsewhere"],
  ["::1", "loopback from a peer elsewhere", null, "loopback from a peer elsewhere"],
  ["::ffff:127.0.0.1", "loopback from a peer elsewhere", null, "loopback from a peer elsewhere"],
  ["localhost", "loopback (localhost) from a peer elsewhere", null, "loopback (localhost) from a peer elsewhere"],
  ["LocalHost.", "loopback (localhost) from a peer elsewhere", null, "loopback (localhost) from a peer elsewhere"],
  ["db.localhost", "loopback (localhost) from a peer elsewhere", null, "loopback (localhost) from a peer elsewhere"],
  ["169.254.169.254", "link-local", "link-local", "link-local"],
  ["169.254.1.1", "link-local", "link-local", "link-local"],
  ["::ffff:169.254.169.254", "link-local", "link-local", "link-local"],
  ["fe80::1", "link-local", "link-local", "link-local"],
  ["fe80::1%eth0", "link-local", "link-local", null],
  ["febf::1%eth0", "link-local", "link-local", null],
  ["2001:db8::1%eth0", "a zone on an address that is not link-local", "a zone on an address that is not link-local", "a zone on an address that is not link-local"],
  ["224.0.0.1", "multicast", "multicast", "multicast"],
  ["239.255.255.250", "multicast", "multicast", "multicast"],
  ["ff02::1", "multicast", "multicast", "multicast"],
  ["255.255.255.255", "broadcast or reserved", "broadcast or reserved", "broadcast or reserved"],
  ["240.0.0.1", "broadcast or reserved", "broadcast or reserved", "broadcast or reserved"],
  ["0x7f.1", "an IPv4 address written other than a.b.c.d", "an IPv4 address written other than a.b.c.d", "an IPv4 address written other than a.b.c.d"],
  ["2130706433", "an IPv4 address written other than a.b.c.d", "an IPv4 address written other than a.b.c.d", "an IPv4 address written other than a.b.c.d"],
  ["127.1", "an IPv4 address written other than a.b.c.d", "an IPv4 address written other than a.b.c.d", "an IPv4 address written other than a.b.c.d"],
  ["0177.0.0.1", "an IPv4 address written other than a.b.c.d", "an IPv4 address written other than a.b.c.d", "an IPv4 address written other than a.b.c.d"],
  ["example%eth0", "not an address", "not an address", "not an address"],
])("%s: %p from elsewhere, %p from loopback, %p as a beacon's source", (host, elsewhere, loopback, beacon) => {
  expect([wireHostProblem(host, ELSEWHERE), wireHostProblem(host, LOOPBACK), wireHostProblem(host, BEACON)]).toEqual([elsewhere, loopback, beacon]);
});

test("a port out of range is refused whatever the host", () => {
  expect([0, 65536, 1.5, -1].map((port) => wireAddressProblem({ host: "192.168.1.20", port }, ELSEWHERE))).toEqual(["no port", "no port", "no port", "no port"]);
});

test("the eight addresses of the issue, in a contact's own record: none is kept; the real one is", () => {
  const record = ["0.0.0.0:22224", "127.0.0.1:22222", "[::1]:22223", "localhost:22225", "169.254.169.254:80", "224.0.0.1:22226", "255.255.255.255:22227", "[ff02::1]:22228", "11.0.0.50:7001"];
  const parsed = record.map((t) => splitHostPort(t)!);
  expect(screenAddresses(parsed, ELSEWHERE)).toEqual([{ host: "11.0.0.50", port: 7001 }]);
  // Received over loopback (peers on one machine): loopback is a place a peer can be.
  expect(screenAddresses(parsed, LOOPBACK).map((a) => `${a.host}:${a.port}`)).toEqual(["127.0.0.1:22222", "::1:22223", "localhost:22225", "11.0.0.50:7001"]);
});

test("screenAddresses drops repeats (any case) and keeps at most the cap, in order", () => {
  const many = Array.from({ length: 40 }, (_, i) => ({ host: `10.0.${i}.1`, port: 7000 }));
  expect(screenAddresses([{ host: "Example.ORG", port: 1 }, { host: "example.org", port: 1 }], ELSEWHERE)).toEqual([{ host: "Example.ORG", port: 1 }]);
  expect(screenAddresses(many, ELSEWHERE)).toEqual(many.slice(0, 16));
  expect(screenAddresses(many, ELSEWHERE, 3)).toEqual(many.slice(0, 3));
});

test("splitHostPort: HOST:PORT and [V6]:PORT, lower-cased; anything else null", () => {
  expect(splitHostPort("Example.org:7001")).toEqual({ host: "example.org", port: 7001 });
  expect(splitHostPort("[FE80::1%eth0]:7")).toEqual({ host: "fe80::1%eth0", port: 7 });
  expect(["::1:7", "1.2.3.4", "1.2.3.4:0", "1.2.3.4:65536", "[::1]", "a b:1", "a/b:1", "a%b:1"].map(splitHostPort)).toEqual(Array(8).fill(null));
});

test("isLoopbackHost: what a source must be for loopback addresses to be taken from it", () => {
  expect(["127.0.0.1", "127.1.2.3", "::1", "::ffff:127.0.0.1", "localhost", "LOCALHOST."].map(isLoopbackHost)).toEqual(Array(6).fill(true));
  expect(["0.0.0.0", "192.168.1.1", "relay.example.org", "169.254.169.254", "fe80::1%lo"].map(isLoopbackHost)).toEqual(Array(5).fill(false));
});
