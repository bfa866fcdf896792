// Base32: five bits a character, most significant first, no padding
// characters; the last character carries zero bits where the bytes run out.
// Two alphabets use it: RFC 4648's for peer ids (peer-id.ts, as Syncthing
// writes device ids) and z-base-32 for discovery keys (Zooko's
// human-oriented alphabet, as pkarr prints its keys: a 32-byte Ed25519
// public key is 52 lowercase characters).

export interface Base32Alphabet {
  readonly chars: string;
  readonly index: ReadonlyMap<string, number>;
}

export function base32Alphabet(chars: string): Base32Alphabet {
  if (chars.length !== 32) throw new TypeError(`a base32 alphabet has 32 characters, this has ${chars.length}`);
  return { chars, index: new Map([...chars].map((c, i) => [c, i])) };
}

export const RFC4648 = base32Alphabet("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567");
export const Z_BASE_32 = base32Alphabet("ybndrfg8ejkmcpqxot1uwisza345h769");

export function encodeBase32(bytes: Uint8Array, alphabet: Base32Alphabet): string {
  const chars = alphabet.chars;
  let out = "";
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = ((value << 8) | byte) & 0xfff;
    bits += 8;
    while (bits >= 5) {
      out += chars[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += chars[(value << (5 - bits)) & 31];
  return out;
}

/**
 * The bytes `text` encodes, or null for a character outside the alphabet;
 * `canonical` also refuses an ending whose padding bits are not zero, so a
 * typo is caught rather than read as other bytes.
 */
export function decodeBase32(text: string, alphabet: Base32Alphabet, opts: { canonical?: boolean } = {}): Uint8Array | null {
  const out = new Uint8Array(Math.floor((text.length * 5) / 8));
  let bits = 0;
  let value = 0;
  let n = 0;
  for (const ch of text) {
    const v = alphabet.index.get(ch);
    if (v === undefined) return null;
    value = ((value << 5) | v) & 0xfff;
    bits += 5;
    if (bits >= 8) {
      out[n++] = (value >>> (bits - 8)) & 0xff;
      bits -= 8;
    }
  }
  if (opts.canonical && (value & ((1 << bits) - 1)) !== 0) return null;
  return out;
}

/** z-base-32, lowercase. */
export function encodeZ32(bytes: Uint8Array): string {
  return encodeBase32(bytes, Z_BASE_32);
}

/** Canonical z-base-32 (lowercase; padding bits zero), or null. */
export function decodeZ32(text: string): Uint8Array | null {
  return decodeBase32(text, Z_BASE_32, { canonical: true });
}
