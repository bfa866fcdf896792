// Where a LAN beacon goes: IPv4 broadcast to 255.255.255.255 and to each
// interface's directed broadcast address (syncthing lib/beacon/broadcast.go),
// IPv6 multicast to one link-local group on each interface that is up and
// multicast-capable (multicast.go). Read afresh at each send, so an interface
// that comes up later (Wi-Fi, a new DHCP lease) is used from then on.
import { readFileSync } from "node:fs";
import { networkInterfaces, type NetworkInterfaceInfo } from "node:os";
import { directedBroadcast } from "../net/ip.ts";
import type { HostPort } from "./lan-announce.ts";

/** The UDP port beacons go to and are heard on (documented in the README). */
export const LAN_PORT = 20021;
/** Transient, link-local scope (ff12::/16): "p2pc" in the last 32 bits. */
export const LAN_GROUP = "ff12::7032:7063";

// Linux interface flags (include/uapi/linux/if.h).
const IFF_UP = 0x1;
const IFF_BROADCAST = 0x2;
const IFF_LOOPBACK = 0x8;
const IFF_POINTOPOINT = 0x10;
const IFF_RUNNING = 0x40;
const IFF_MULTICAST = 0x1000;

export interface BeaconTargets {
  /** IPv4 destinations, sent from the IPv4 socket. */
  v4: HostPort[];
  /** IPv6 destinations; `LAN_GROUP%zone` also joins the group on that interface. */
  v6: HostPort[];
}

export type InterfaceFlags = (name: string) => number | null;

/**
 * Pure: the targets for these interfaces. `flags` gives Linux's flags for an
 * interface, or null where they cannot be read (then any interface that is
 * not loopback counts as up, broadcast- and multicast-capable).
 */
export function beaconTargets(
  ifaces: NodeJS.Dict<NetworkInterfaceInfo[]>,
  flags: InterfaceFlags,
  port = LAN_PORT,
  platform: NodeJS.Platform = process.platform,
): BeaconTargets {
  const v4 = new Set<string>(["255.255.255.255"]);
  const zones = new Set<string>();
  for (const [name, infos] of Object.entries(ifaces)) {
    if (!infos || infos.length === 0) continue;
    const f = flags(name);
    const internal = infos.some((i) => i.internal) || (f !== null && (f & IFF_LOOPBACK) !== 0);
    if (internal) continue;
    const up = f === null || ((f & IFF_UP) !== 0 && (f & IFF_RUNNING) !== 0);
    if (!up) continue;
    const broadcast = f === null || ((f & IFF_BROADCAST) !== 0 && (f & IFF_POINTOPOINT) === 0);
    const multicast = f === null || (f & IFF_MULTICAST) !== 0;
    for (const info of infos) {
      if (info.family === "IPv4" && broadcast && info.cidr) {
        const b = directedBroadcast(info.cidr);
        if (b) v4.add(b);
      }
      if (info.family === "IPv6" && multicast) {
        // Windows names a zone by its index, the others by the interface name.
        zones.add(platform === "win32" ? String(info.scopeid ?? "") : name);
      }
    }
  }
  zones.delete("");
  return {
    v4: [...v4].map((host) => ({ host, port })),
    v6: [...zones].map((zone) => ({ host: `${LAN_GROUP}%${zone}`, port })),
  };
}

/**
 * Linux's flags from /sys/class/net/NAME/flags, null elsewhere or when
 * unreadable. sysfs leaves IFF_RUNNING out; it is set here from operstate
 * ("up", or "unknown" as on tunnels and some drivers).
 */
export function sysfsFlags(name: string): number | null {
  if (process.platform !== "linux" || !/^[\w.-]{1,15}$/.test(name)) return null;
  try {
    const n = Number(readFileSync(`/sys/class/net/${name}/flags`, "utf8").trim());
    if (!Number.isInteger(n)) return null;
    const state = readFileSync(`/sys/class/net/${name}/operstate`, "utf8").trim();
    return state === "up" || state === "unknown" ? n | IFF_RUNNING : n & ~IFF_RUNNING;
  } catch {
    return null;
  }
}

/** This machine's targets now. */
export function readBeaconTargets(port = LAN_PORT): BeaconTargets {
  return beaconTargets(networkInterfaces(), sysfsFlags, port);
}
