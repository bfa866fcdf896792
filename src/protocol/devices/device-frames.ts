// Frames between an identity's devices and to its contacts (13-15). Payloads
// are UTF-8 JSON, bytes as base64, checked field by field on the way in
// (never cast), at most MAX_DEVICE_FRAME bytes:
//
//   device-roster   {d: [{i: device id, n: name, a: [HOST:PORT...]}]}: an identity's devices and where they are
//   device-welcome  {ok: true, p: proof, n: owner name, k?: identity key PEM, d: roster}
//                   | {ok: false, c: "expired"|"used"|"unknown"|"refused", r: reason}: the answer to a join token
//   device-revoke   {c: identity cert DER, i: device id, t: epoch ms, s: signature}
//
// Sent only to a peer whose hello lists DEVICES_CAP (a welcome: to the
// bearer of a join token, whose hello lists it). What a roster says of
// addresses is a hint; what a revocation says is checked against the
// identity's signature by the receiver.
import { FRAME_TYPE, HEADER_SIZE, writeHeader, type FrameTypeNumber } from "../frame.ts";
import { ProtocolError } from "../protocol-error.ts";

export const DEVICES_CAP = "devices";
export const MAX_DEVICE_FRAME = 32 * 1024;
export const MAX_ROSTER = 32;
const MAX_DEVICE_ADDRS = 16;

export type DeviceInfo = { id: string; name: string; addrs: string[] };
export type DeviceRosterFrame = { type: "device-roster"; devices: DeviceInfo[] };
export const WELCOME_REFUSALS = ["expired", "used", "unknown", "refused"] as const;
export type WelcomeRefusal = (typeof WELCOME_REFUSALS)[number];
export type DeviceWelcomeFrame =
  | { type: "device-welcome"; ok: true; proof: Uint8Array; owner: string; identityKey: string | null; devices: DeviceInfo[] }
  | { type: "device-welcome"; ok: false; code: WelcomeRefusal; reason: string };
export type DeviceRevokeFrame = { type: "device-revoke"; identity: Uint8Array; deviceId: string; time: number; sig: Uint8Array };
export type DeviceFrame = DeviceRosterFrame | DeviceWelcomeFrame | DeviceRevokeFrame;

export function isDeviceFrameType(type: number): boolean {
  return type >= FRAME_TYPE.deviceRoster && type <= FRAME_TYPE.deviceRevoke;
}

const b64 = (b: Uint8Array) => Buffer.from(b).toString("base64");

function toWire(f: DeviceFrame): unknown {
  switch (f.type) {
    case "device-roster":
      return { d: rosterToWire(f.devices) };
    case "device-welcome":
      if (!f.ok) return { ok: false, c: f.code, r: f.reason };
      return { ok: true, p: b64(f.proof), n: f.owner, ...(f.identityKey ? { k: f.identityKey } : {}), d: rosterToWire(f.devices) };
    case "device-revoke":
      return { c: b64(f.identity), i: f.deviceId, t: f.time, s: b64(f.sig) };
  }
}

const rosterToWire = (d: DeviceInfo[]) => d.slice(0, MAX_ROSTER).map((x) => ({ i: x.id, n: x.name, a: x.addrs.slice(0, MAX_DEVICE_ADDRS) }));

const NUMBER: Record<DeviceFrame["type"], FrameTypeNumber> = {
  "device-roster": FRAME_TYPE.deviceRoster,
  "device-welcome": FRAME_TYPE.deviceWelcome,
  "device-revoke": FRAME_TYPE.deviceRevoke,
};

export function encodeDeviceFrame(f: DeviceFrame): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(toWire(f)));
  if (json.length > MAX_DEVICE_FRAME) throw ProtocolError.badFrame(`${f.type} of ${json.length} bytes is over ${MAX_DEVICE_FRAME}`);
  decodeDevicePayload(NUMBER[f.type], json); // what the receiver would refuse, we never send
  const out = new Uint8Array(HEADER_SIZE + json.length);
  writeHeader(out, 0, NUMBER[f.type], json.length);
  out.set(json, HEADER_SIZE);
  return out;
}

export function checkDeviceHeader(type: number, size: number): void {
  if (size < 2 || size > MAX_DEVICE_FRAME) throw ProtocolError.badFrame(`device frame ${type} of ${size} bytes (2 to ${MAX_DEVICE_FRAME})`);
}

export function decodeDevicePayload(type: number, p: Uint8Array): DeviceFrame {
  let o: unknown;
  try {
    o = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(p));
  } catch (err) {
    throw ProtocolError.badFrame(`device frame ${type}: its JSON does not parse`, { cause: err });
  }
  if (typeof o !== "object" || o === null || Array.isArray(o)) throw bad(type, "not an object");
  const w = o as Record<string, unknown>;
  switch (type) {
    case FRAME_TYPE.deviceRoster:
      return { type: "device-roster", devices: roster(type, w.d) };
    case FRAME_TYPE.deviceWelcome: {
      if (w.ok === false) {
        const code = WELCOME_REFUSALS.find((c) => c === w.c);
        if (!code) throw bad(type, "unknown refusal");
        return { type: "device-welcome", ok: false, code, reason: str(type, w.r, "reason", 1024) };
      }
      if (w.ok !== true) throw bad(type, "ok is neither true nor false");
      const key = w.k === undefined ? null : str(type, w.k, "key", 4096);
      return { type: "device-welcome", ok: true, proof: bytes(type, w.p, "proof"), owner: str(type, w.n, "owner", 200), identityKey: key, devices: roster(type, w.d) };
    }
    case FRAME_TYPE.deviceRevoke: {
      const time = w.t;
      if (typeof time !== "number" || !Number.isSafeInteger(time) || time < 0) throw bad(type, "time");
      return { type: "device-revoke", identity: bytes(type, w.c, "identity"), deviceId: str(type, w.i, "device id", 64), time, sig: bytes(type, w.s, "signature") };
    }
    default:
      throw ProtocolError.unknownType(type);
  }
}

function roster(type: number, v: unknown): DeviceInfo[] {
  if (!Array.isArray(v) || v.length > MAX_ROSTER) throw bad(type, "roster");
  return v.map((x: unknown) => {
    if (typeof x !== "object" || x === null) throw bad(type, "roster entry");
    const e = x as Record<string, unknown>;
    const addrs = e.a;
    if (!Array.isArray(addrs) || addrs.length > MAX_DEVICE_ADDRS) throw bad(type, "roster addresses");
    return { id: str(type, e.i, "device id", 64), name: str(type, e.n, "device name", 200), addrs: addrs.map((a: unknown) => str(type, a, "address", 64)) };
  });
}

function str(type: number, v: unknown, what: string, max: number): string {
  if (typeof v !== "string" || v.length === 0 || v.length > max) throw bad(type, what);
  return v;
}

function bytes(type: number, v: unknown, what: string): Uint8Array {
  if (typeof v !== "string" || !/^[A-Za-z0-9+/]*={0,2}$/.test(v)) throw bad(type, what);
  return new Uint8Array(Buffer.from(v, "base64"));
}

function bad(type: number, why: string): ProtocolError {
  return ProtocolError.badFrame(`device frame ${type}: bad ${why}`);
}
