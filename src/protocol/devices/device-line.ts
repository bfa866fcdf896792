// A device join line: what `p2pchat devices add` prints and `p2pchat devices
// join` takes. It names the identity (its peer id), where its device that
// made the line listens, a one-time token and when it expires; a checksum
// catches a mistyped or truncated copy (as invite-line.ts does).
//
//   p2pchat-device:<base64url( JSON | 4-byte checksum )>
//
// The line is a secret for its ten minutes: its bearer becomes a device of
// the identity. The device that made it decides (one use, its clock).
import { CodedError } from "../coded-error.ts";
import { parsePeerId, type PeerId } from "../peer-id.ts";

export const DEVICE_LINE_PREFIX = "p2pchat-device:";

export interface DeviceLine {
  /** The identity's display name. */
  owner: string;
  peerId: PeerId;
  /** HOST:PORT of the device that made the line. */
  addresses: string[];
  token: string;
  /** Epoch ms. */
  expires: number;
  /** The name the new device gets unless `join --name` says otherwise. */
  name: string;
  admin: boolean;
}

export type DeviceLineErrorCode = "NOT_A_DEVICE_LINE" | "CHECKSUM_MISMATCH" | "BAD_DEVICE_LINE";

export class DeviceLineError extends CodedError<DeviceLineErrorCode> {
  override readonly name = "DeviceLineError";
}

type Wire = { o: string; id: string; a: string[]; t: string; x: number; n: string; ad: boolean };
const CHECK = 4;

export function encodeDeviceLine(l: DeviceLine): string {
  const wire: Wire = { o: l.owner, id: l.peerId, a: l.addresses.slice(0, 16), t: l.token, x: Math.floor(l.expires / 1000), n: l.name, ad: l.admin };
  const json = Buffer.from(JSON.stringify(wire), "utf8");
  return DEVICE_LINE_PREFIX + Buffer.concat([json, checksum(json)]).toString("base64url");
}

export function decodeDeviceLine(text: string): DeviceLine {
  const s = text.replace(/\s+/g, "");
  if (!s.toLowerCase().startsWith(DEVICE_LINE_PREFIX)) {
    throw new DeviceLineError("NOT_A_DEVICE_LINE", `not a device line: it starts with ${JSON.stringify(DEVICE_LINE_PREFIX)} (\`p2pchat devices add\` prints one on a device that has your identity)`);
  }
  const body = s.slice(DEVICE_LINE_PREFIX.length);
  const mismatch = () => new DeviceLineError("CHECKSUM_MISMATCH", "checksum mismatch: the device line was mistyped or cut short (copy the whole line, from p2pchat-device: to its end)");
  if (/[^A-Za-z0-9_-]/.test(body)) throw mismatch();
  const bytes = Buffer.from(body, "base64url");
  if (bytes.length <= CHECK || bytes.toString("base64url") !== body) throw mismatch();
  const json = bytes.subarray(0, bytes.length - CHECK);
  if (!checksum(json).equals(bytes.subarray(bytes.length - CHECK))) throw mismatch();
  const bad = (why: string) => new DeviceLineError("BAD_DEVICE_LINE", `the device line is not valid: ${why}`);
  let w: Partial<Record<keyof Wire, unknown>>;
  try {
    w = JSON.parse(json.toString("utf8")) as typeof w;
  } catch {
    throw bad("its content does not parse");
  }
  if (typeof w !== "object" || w === null) throw bad("not an object");
  const id = typeof w.id === "string" ? parsePeerId(w.id) : null;
  if (!id?.ok) throw bad("no valid peer id");
  if (typeof w.o !== "string" || typeof w.n !== "string" || typeof w.ad !== "boolean") throw bad("names");
  if (!Array.isArray(w.a) || w.a.some((x) => typeof x !== "string")) throw bad("addresses");
  if (typeof w.t !== "string" || !/^[A-Za-z0-9_-]{8,64}$/.test(w.t)) throw bad("no token");
  if (typeof w.x !== "number" || !Number.isFinite(w.x)) throw bad("no expiry");
  return { owner: w.o, peerId: id.id, addresses: w.a as string[], token: w.t, expires: w.x * 1000, name: w.n, admin: w.ad };
}

function checksum(json: Uint8Array): Buffer {
  return Buffer.from(new Bun.CryptoHasher("sha256").update(json).digest()).subarray(0, CHECK);
}
