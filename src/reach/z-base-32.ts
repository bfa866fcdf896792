// z-base-32 (Zooko's human-oriented base32, as pkarr prints its keys): a
// 32-byte Ed25519 public key is 52 lowercase characters. Bits are taken
// most significant first; the last character carries 4 padding zero bits.

const ALPHABET = "ybndrfg8ejkmcpqxot1uwisza345h769";
const INDEX = new Map([...ALPHABET].map((c, i) => [c, i]));

export function encodeZ32(bytes: Uint8Array): string {
  let out = "";
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = ((value << 8) | byte) & 0xfff;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out;
}

/**
 * Decodes canonical z-base-32 (lowercase; padding bits zero). Returns null
 * for a character outside the alphabet or a non-canonical ending, so a typo
 * is caught rather than read as another key.
 */
export function decodeZ32(text: string): Uint8Array | null {
  const out = new Uint8Array(Math.floor((text.length * 5) / 8));
  let bits = 0;
  let value = 0;
  let n = 0;
  for (const ch of text) {
    const v = INDEX.get(ch);
    if (v === undefined) return null;
    value = ((value << 5) | v) & 0xfff;
    bits += 5;
    if (bits >= 8) {
      out[n++] = (value >>> (bits - 8)) & 0xff;
      bits -= 8;
    }
  }
  if ((value & ((1 << bits) - 1)) !== 0) return null;
  return out;
}
