// What a p2pchat DHT record says, as the small DNS packet pkarr puts in a
// BEP 44 value. The layout, one TXT record at `_p2pchat.<key in z-base-32>`
// (pkarr names records relative to the key), one character-string each:
//
//   id=<PEER-ID>               exactly one: the TLS identity to pin
//   addr=<host:port>           one per address to dial; IPv6 in brackets
//   relay=<relay://...>        one per relay that forwards to us
//
// One record with many strings, rather than one record per entry, keeps the
// 63-byte owner name from repeating (dns-packet does not compress names) and
// leaves room for about fifteen addresses within the 1000 bytes. Readers take
// strings from every `_p2pchat` TXT record, so either layout reads; unknown
// keys and entries that do not parse are skipped (the DHT only gives hints,
// the TLS pin judges identity), but a record without exactly one valid id is
// refused.
import * as dns from "dns-packet";
import { parsePeerId, type PeerId } from "../../protocol/peer-id.ts";
import { ReachError } from "../reach-error.ts";

export const RECORD_LABEL = "_p2pchat";
/** Seconds a resolver may cache the answer (pkarr's minimum). */
export const RECORD_TTL = 300;
const MAX_STRING = 255; // a DNS character-string's length is one byte

export interface RecordContent {
  peerId: PeerId;
  /** `host:port`, IPv6 as `[addr]:port`. */
  addresses: string[];
  /** `relay://...` URLs. */
  relays: string[];
}

/** The DNS packet for `content`, its names under `origin` (the key in z-base-32). */
export function encodePacket(origin: string, content: RecordContent): Uint8Array {
  const id = parsePeerId(content.peerId);
  if (!id.ok) throw ReachError.malformed(`bad peer id: ${id.reason}`);
  const strings = [`id=${id.id}`];
  for (const a of content.addresses) {
    if (!isHostPort(a)) throw ReachError.malformed(`address ${JSON.stringify(a)} is not HOST:PORT`);
    strings.push(`addr=${a}`);
  }
  for (const r of content.relays) {
    if (!isRelayUrl(r)) throw ReachError.malformed(`relay ${JSON.stringify(r)} is not a relay:// URL`);
    strings.push(`relay=${r}`);
  }
  const long = strings.find((s) => Buffer.byteLength(s) > MAX_STRING);
  if (long) throw ReachError.malformed(`${JSON.stringify(long.slice(0, 40))}... is over ${MAX_STRING} bytes`);
  const packet = dns.encode({
    type: "response",
    id: 0,
    flags: 0,
    answers: [{ type: "TXT", name: `${RECORD_LABEL}.${origin}`, class: "IN", ttl: RECORD_TTL, data: strings }],
  });
  return new Uint8Array(packet.buffer, packet.byteOffset, packet.byteLength);
}

/** Reads what `encodePacket` wrote (or any pkarr packet with a `_p2pchat` TXT record). */
export function decodePacket(origin: string, value: Uint8Array): RecordContent {
  const buf = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  let packet: dns.DecodedPacket;
  try {
    packet = dns.decode(buf);
  } catch (err) {
    throw ReachError.malformed(`not a DNS packet (${(err as Error).message})`, err);
  }
  // dns-packet reads past a truncated end without complaint: the length it consumed tells.
  if (dns.decode.bytes !== buf.length) throw ReachError.malformed(`DNS packet is ${dns.decode.bytes} bytes but the value has ${buf.length}`);
  const names = new Set([`${RECORD_LABEL}.${origin}`, RECORD_LABEL]);
  const strings: string[] = [];
  for (const rr of packet.answers ?? []) {
    if (rr.type !== "TXT" || !names.has(rr.name.toLowerCase())) continue;
    const data = Array.isArray(rr.data) ? rr.data : [rr.data];
    for (const d of data) strings.push(typeof d === "string" ? d : Buffer.from(d).toString("utf8"));
  }
  const ids = new Set<PeerId>();
  const content: RecordContent = { peerId: "" as PeerId, addresses: [], relays: [] };
  for (const s of strings) {
    const eq = s.indexOf("=");
    const [k, v] = eq < 0 ? [s, ""] : [s.slice(0, eq), s.slice(eq + 1)];
    if (k === "id") {
      const parsed = parsePeerId(v);
      if (!parsed.ok) throw ReachError.malformed(`bad peer id: ${parsed.reason}`);
      ids.add(parsed.id);
    } else if (k === "addr" && isHostPort(v)) content.addresses.push(v);
    else if (k === "relay" && isRelayUrl(v)) content.relays.push(v);
  }
  if (ids.size === 0) throw ReachError.malformed(`no ${RECORD_LABEL} TXT record with an id= in it`);
  if (ids.size > 1) throw ReachError.malformed(`${ids.size} different peer ids in one record`);
  content.peerId = [...ids][0]!;
  return content;
}

/** `host:port` with a port of 1..65535; IPv6 must be bracketed. The node parses it properly. */
function isHostPort(s: string): boolean {
  const m = /^(\[[0-9a-fA-F:.]+\]|[^\s:[\]/]+):(\d{1,5})$/.exec(s);
  if (!m) return false;
  const port = Number(m[2]);
  return port >= 1 && port <= 65535;
}

function isRelayUrl(s: string): boolean {
  if (!s.startsWith("relay://") || /\s/.test(s)) return false;
  try {
    return new URL(s).host.length > 0;
  } catch {
    return false;
  }
}
