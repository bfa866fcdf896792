// The parts of port mapping that need no gateway: which ports to ask for,
// which addresses count as public, where the default gateway is, and that a
// mapper with discovery off does nothing at all.
import { describe, expect, test } from "bun:test";
import { parseProcNetRoute, parseRouteGet, parseRoutePrint } from "../../../src/reach/nat/gateway.ts";
import { candidatePorts, isPublicIPv4, PortMapper } from "../../../src/reach/nat/portmap.ts";

describe("candidatePorts", () => {
  test("the internal port first, then stable pseudo-random ones in 1024-65535", () => {
    const a = candidatePorts(4000, "peer-1", "uuid:gw");
    expect(a).toHaveLength(4);
    expect(a[0]).toBe(4000);
    expect(new Set(a).size).toBe(4);
    for (const p of a) expect(p >= 1024 && p <= 65535).toBe(true);
    expect(candidatePorts(4000, "peer-1", "uuid:gw")).toEqual(a); // the same after a restart
    expect(candidatePorts(4000, "peer-1", "uuid:other").slice(1)).not.toEqual(a.slice(1)); // another gateway, other ports
    expect(candidatePorts(4000, "peer-2", "uuid:gw").slice(1)).not.toEqual(a.slice(1));
  });
});

test("isPublicIPv4", () => {
  const table = [
    "11.0.0.2",
    "8.8.8.8",
    "100.63.0.1",
    "100.128.0.1",
    "172.15.0.1",
    "172.32.0.1",
    "192.169.0.1",
    "10.0.0.1",
    "100.64.0.1",
    "127.0.0.1",
    "169.254.1.1",
    "172.16.0.1",
    "192.168.1.1",
    "0.0.0.0",
    "224.0.0.1",
    "",
    "1.2.3",
    "256.1.1.1",
  ];
  expect(table.map((a) => [a, isPublicIPv4(a)])).toEqual(table.map((a, i) => [a, i < 7]));
});

describe("default gateway", () => {
  test("Linux /proc/net/route: the default route with the lowest metric", () => {
    const text = [
      "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT",
      "eth0\t0001A8C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0",
      "wlan0\t00000000\t0101A8C0\t0003\t0\t0\t600\t00000000\t0\t0\t0",
      "eth0\t00000000\t0100000B\t0003\t0\t0\t100\t00000000\t0\t0\t0",
      "",
    ].join("\n");
    expect(parseProcNetRoute(text)).toBe("11.0.0.1");
    expect(parseProcNetRoute(text.split("\n").slice(0, 2).join("\n"))).toBeNull();
  });

  test("macOS `route -n get default` and Windows `route print`", () => {
    expect(parseRouteGet("   route to: default\ndestination: default\n       mask: default\n    gateway: 192.168.1.1\n  interface: en0\n")).toBe("192.168.1.1");
    expect(parseRouteGet("route: writing to routing socket: not in table\n")).toBeNull();
    expect(parseRoutePrint("Network Destination        Netmask          Gateway       Interface  Metric\n          0.0.0.0          0.0.0.0      192.168.0.1    192.168.0.23     25\n")).toBe(
      "192.168.0.1",
    );
  });
});

test("with discovery off, start() does nothing at all: no socket, no log line, no change", async () => {
  const lines: string[] = [];
  const changes: unknown[] = [];
  const pm = new PortMapper({ internalPort: 4000, gateway: "127.0.0.1", env: { P2PCHAT_DISCOVERY: "off" }, log: { debug: (m) => lines.push(m), info: (m) => lines.push(m) } });
  pm.onChange((c) => changes.push(c));
  await pm.start();
  expect(pm.current()).toBeNull();
  await pm.stop();
  expect({ lines, changes }).toEqual({ lines: [], changes: [] });
});
