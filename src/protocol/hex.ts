// Keys, group ids and signatures are lowercase hex in the frames the
// program sees, and bytes on the wire: the checks and conversions.
import { ProtocolError } from "./protocol-error.ts";

const HEX = /^[0-9a-f]*$/;

/** `bytes` bytes of lowercase hex: how keys, groups and signatures travel in the frames the program sees. */
export function isHexKey(s: string, bytes: number): boolean {
  return typeof s === "string" && s.length === bytes * 2 && HEX.test(s);
}

/** `n` bytes of `p` from `at`, as lowercase hex. */
export function hexString(p: Uint8Array, at: number, n: number): string {
  return Buffer.from(p.buffer, p.byteOffset + at, n).toString("hex");
}

/** The bytes of `s`, or BAD_FRAME naming `what`. */
export function hexBytes(s: string, bytes: number, what: string): Uint8Array {
  if (!isHexKey(s, bytes)) throw ProtocolError.badFrame(`${what} is not ${bytes} bytes of lowercase hex`);
  return Buffer.from(s, "hex");
}

/** Writes `s` (`bytes` bytes of lowercase hex) at `pos`. */
export function putHex(out: Buffer, pos: number, s: string, bytes: number, what: string): void {
  if (!isHexKey(s, bytes)) throw ProtocolError.badFrame(`${what} is not ${bytes} bytes of lowercase hex`);
  out.write(s, pos, bytes, "hex");
}
