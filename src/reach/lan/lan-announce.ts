// A LAN beacon packet: who we are, where we listen, which run of the program
// this is. Pure: bytes in, bytes out (syncthing's local discovery v4 packet,
// specs in man/syncthing-localdisco.7, in a fixed binary layout of our own).
// Beacons are unsigned hints: the TLS pin stays the only judge of identity.
//
//   magic   u32 BE  0x70326c62 ("p2lb")
//   version u8      1
//   peer id 32 B    SHA-256 of the sender's certificate
//   port    u16 BE  the sender's TCP listening port, 1..65535
//   inst    8 B     instance id, random per process run
//   keylen  u8      0..64, then that many bytes of discovery key
//   count   u8      0..8 addresses, each: family u8 (4|6), 4|16 bytes, port u16 BE
//
// Nothing may follow the last address. 0.0.0.0 and :: in the address list
// mean "the address this packet came from".
import { peerIdDigest, peerIdFromDigest, type PeerId } from "../../protocol/peer-id.ts";
import { formatIp, isLoopback, isUnspecified, parseIp } from "../net/ip.ts";
import { wireAddressProblem, wireHostProblem } from "../net/wire-address.ts";

export const LAN_MAGIC = 0x70326c62;
export const LAN_VERSION = 1;
/** The largest packet we send or read; the largest possible one is 265 bytes. */
export const MAX_PACKET = 512;
export const MAX_ANNOUNCED = 8;
export const MAX_DISCOVERY_KEY = 64;

export interface HostPort {
  /** An IP literal, IPv6 without brackets, possibly with a zone ("fe80::1%eth0"). */
  host: string;
  port: number;
}

export interface Announce {
  peerId: PeerId;
  /** Our TCP listening port. */
  port: number;
  /** 16 hex characters, random per process run (newInstanceId). */
  instanceId: string;
  discoveryKey?: Uint8Array;
  /** IP literals without zones; 0.0.0.0 or :: stand for the sender's source address. */
  addresses?: HostPort[];
}

/** A packet read off the wire, with addresses a receiver can dial. */
export interface Heard {
  peerId: PeerId;
  instanceId: string;
  port: number;
  discoveryKey?: Uint8Array;
  /** Where the packet came from (its UDP source). */
  from: HostPort;
  /** The source host with the announced port first, then the announced ones: deduplicated. */
  addresses: HostPort[];
}

export function newInstanceId(): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(8))).toString("hex");
}

/** Throws TypeError for a field out of range: the caller built a wrong announce. */
export function encodeAnnounce(a: Announce): Uint8Array {
  const key = a.discoveryKey ?? new Uint8Array(0);
  const addrs = a.addresses ?? [];
  if (!validPort(a.port)) throw new TypeError(`listening port out of range: ${a.port}`);
  if (!/^[0-9a-f]{16}$/.test(a.instanceId)) throw new TypeError("an instance id is 16 lower-case hex characters");
  if (key.byteLength > MAX_DISCOVERY_KEY) throw new TypeError(`a discovery key has at most ${MAX_DISCOVERY_KEY} bytes`);
  if (addrs.length > MAX_ANNOUNCED) throw new TypeError(`a beacon announces at most ${MAX_ANNOUNCED} addresses`);
  const ips = addrs.map((x) => {
    const ip = parseIp(x.host);
    if (!ip || !validPort(x.port)) throw new TypeError(`not an IP address and port: ${x.host} ${x.port}`);
    return { ip, port: x.port };
  });
  const size = 4 + 1 + 32 + 2 + 8 + 1 + key.byteLength + 1 + ips.reduce((n, x) => n + 3 + x.ip.byteLength, 0);
  const out = new Uint8Array(size);
  const v = new DataView(out.buffer);
  v.setUint32(0, LAN_MAGIC);
  out[4] = LAN_VERSION;
  out.set(peerIdDigest(a.peerId), 5);
  v.setUint16(37, a.port);
  out.set(Buffer.from(a.instanceId, "hex"), 39);
  out[47] = key.byteLength;
  out.set(key, 48);
  let o = 48 + key.byteLength;
  out[o++] = ips.length;
  for (const { ip, port } of ips) {
    out[o++] = ip.byteLength === 4 ? 4 : 6;
    out.set(ip, o);
    o += ip.byteLength;
    v.setUint16(o, port);
    o += 2;
  }
  return out;
}

/** The announce in `p`, or null for anything short, long, foreign, of another version or out of range. */
export function decodeAnnounce(p: Uint8Array): Announce | null {
  if (p.byteLength < 49 || p.byteLength > MAX_PACKET) return null;
  const v = new DataView(p.buffer, p.byteOffset, p.byteLength);
  if (v.getUint32(0) !== LAN_MAGIC || p[4] !== LAN_VERSION) return null;
  const port = v.getUint16(37);
  if (!validPort(port)) return null;
  const keyLen = p[47]!;
  if (keyLen > MAX_DISCOVERY_KEY || 48 + keyLen + 1 > p.byteLength) return null;
  let o = 48 + keyLen;
  const count = p[o++]!;
  if (count > MAX_ANNOUNCED) return null;
  const addresses: HostPort[] = [];
  for (let i = 0; i < count; i++) {
    const family = p[o];
    const len = family === 4 ? 4 : family === 6 ? 16 : 0;
    if (len === 0 || o + 1 + len + 2 > p.byteLength) return null;
    const host = formatIp(p.slice(o + 1, o + 1 + len));
    const aport = v.getUint16(o + 1 + len);
    if (!validPort(aport)) return null;
    addresses.push({ host, port: aport });
    o += 1 + len + 2;
  }
  if (o !== p.byteLength) return null;
  const a: Announce = {
    peerId: peerIdFromDigest(p.slice(5, 37)),
    port,
    instanceId: Buffer.from(p.subarray(39, 47)).toString("hex"),
    addresses,
  };
  if (keyLen > 0) a.discoveryKey = p.slice(48, 48 + keyLen);
  return a;
}

/**
 * Decodes `p` as received from `from` and makes its addresses dialable: the
 * source host with the announced port comes first; an announced 0.0.0.0
 * (IPv4 sources only) or :: becomes the source host; every other address
 * goes through the one filter of addresses from outside (wire-address.ts).
 * The source's IPv6 link-local address keeps its zone (ours: the interface
 * the packet came in on); a link-local address announced without one, an
 * IPv4 link-local source (169.254/16, where cloud metadata lives: a forged
 * source would point us there), loopback from elsewhere, multicast and
 * broadcast are dropped.
 */
export function readAnnounce(p: Uint8Array, from: HostPort): Heard | null {
  const a = decodeAnnounce(p);
  if (!a) return null;
  const fromIp = parseIp(from.host.split("%")[0]!);
  if (!fromIp) return null;
  const fromLoopback = isLoopback(fromIp);
  const sourceOk = wireHostProblem(from.host, { fromLoopback, ownZone: true }) === null;
  const seen = new Set<string>();
  const addresses: HostPort[] = [];
  const add = (host: string, port: number) => {
    const key = `${host}|${port}`;
    if (seen.has(key)) return;
    seen.add(key);
    addresses.push({ host, port });
  };
  if (sourceOk) add(from.host, a.port);
  for (const x of a.addresses ?? []) {
    const ip = parseIp(x.host)!;
    if (isUnspecified(ip)) {
      if (ip.byteLength === 4 && fromIp.byteLength !== 4) continue;
      if (sourceOk) add(from.host, x.port);
    } else if (wireAddressProblem(x, { fromLoopback }) === null) {
      add(x.host, x.port);
    }
  }
  const heard: Heard = { peerId: a.peerId, instanceId: a.instanceId, port: a.port, from: { ...from }, addresses };
  if (a.discoveryKey) heard.discoveryKey = a.discoveryKey;
  return heard;
}

function validPort(n: number): boolean {
  return Number.isInteger(n) && n >= 1 && n <= 65535;
}
