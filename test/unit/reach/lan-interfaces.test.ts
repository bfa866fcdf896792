import { expect, test } from "bun:test";
import type { NetworkInterfaceInfo } from "node:os";
import { LAN_GROUP, LAN_PORT, beaconTargets } from "../../../src/reach/lan/lan-interfaces.ts";

const v4 = (address: string, cidr: string, internal = false): NetworkInterfaceInfo => ({ address, cidr, netmask: "", family: "IPv4", mac: "", internal });
const v6 = (address: string, scopeid: number, internal = false): NetworkInterfaceInfo => ({ address, cidr: `${address}/64`, netmask: "", family: "IPv6", mac: "", internal, scopeid });

const IFACES = {
  lo: [v4("127.0.0.1", "127.0.0.1/8", true), v6("::1", 0, true)],
  eth0: [v4("192.168.1.20", "192.168.1.20/24"), v6("fe80::1", 2)],
  wlan0: [v4("10.0.5.9", "10.0.5.9/16"), v4("10.1.0.1", "10.1.0.1/32"), v6("fe80::2", 3)],
  down0: [v4("172.16.0.1", "172.16.0.1/24"), v6("fe80::3", 4)],
  tun0: [v4("10.8.0.2", "10.8.0.2/24"), v6("fe80::4", 5)],
  v4only: [v4("10.9.0.1", "10.9.0.1/24")],
};
// UP|BROADCAST|RUNNING|MULTICAST, down, and a point-to-point tunnel without multicast.
const FLAGS: Record<string, number> = { lo: 0x49, eth0: 0x1043, wlan0: 0x1043, down0: 0x1002, tun0: 0x51, v4only: 0x1043 };

test("IPv4: the limited and each directed broadcast; IPv6: the group on each multicast interface; never loopback", () => {
  expect(beaconTargets(IFACES, (n) => FLAGS[n] ?? null, LAN_PORT, "linux")).toEqual({
    v4: ["255.255.255.255", "192.168.1.255", "10.0.255.255", "10.9.0.255"].map((host) => ({ host, port: LAN_PORT })),
    v6: ["eth0", "wlan0"].map((z) => ({ host: `${LAN_GROUP}%${z}`, port: LAN_PORT })),
  });
});

test("without flags (not Linux) every interface but loopback counts; Windows zones are indexes", () => {
  const t = beaconTargets({ lo: IFACES.lo, eth0: IFACES.eth0 }, () => null, 9, "win32");
  expect(t).toEqual({ v4: [{ host: "255.255.255.255", port: 9 }, { host: "192.168.1.255", port: 9 }], v6: [{ host: `${LAN_GROUP}%2`, port: 9 }] });
});

test("no interfaces: the limited broadcast only", () => {
  expect(beaconTargets({}, () => null)).toEqual({ v4: [{ host: "255.255.255.255", port: LAN_PORT }], v6: [] });
});
