// Just enough DER to read a certificate without a library: the parts of its
// tbsCertificate (the public key, the extensions by OID). Synchronous, so
// the pin can read a device's proof inside the TLS handshake callback.
// Anything malformed reads as "not there" (null), never as a throw.

export interface Tlv {
  tag: number;
  /** Where the whole element starts, its content starts, and it ends. */
  at: number;
  start: number;
  end: number;
}

/** The element at `at` in `b`, or null when its header or length does not fit. */
export function readTlv(b: Uint8Array, at: number, limit = b.length): Tlv | null {
  if (at + 2 > limit) return null;
  const tag = b[at]!;
  let len = b[at + 1]!;
  let start = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || start + n > limit) return null;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + b[start + i]!;
    start += n;
  }
  const end = start + len;
  if (end > limit) return null;
  return { tag, at, start, end };
}

/** The children of a constructed element. */
export function children(b: Uint8Array, parent: Tlv): Tlv[] | null {
  const out: Tlv[] = [];
  let at = parent.start;
  while (at < parent.end) {
    const t = readTlv(b, at, parent.end);
    if (!t) return null;
    out.push(t);
    at = t.end;
  }
  return out;
}

/** The OID's DER content bytes ("1.2.840..." to what follows tag 0x06 and its length). */
export function encodeOid(oid: string): Uint8Array {
  const parts = oid.split(".").map(Number);
  const out: number[] = [parts[0]! * 40 + parts[1]!];
  for (const p of parts.slice(2)) {
    const bytes: number[] = [p & 0x7f];
    for (let v = Math.floor(p / 128); v > 0; v = Math.floor(v / 128)) bytes.unshift((v & 0x7f) | 0x80);
    out.push(...bytes);
  }
  return Uint8Array.from(out);
}

export interface CertParts {
  /** The SubjectPublicKeyInfo, whole (its DER). */
  spki: Uint8Array;
  /** The value (inside the OCTET STRING) of each extension, by OID content bytes in hex. */
  extensions: Map<string, Uint8Array>;
}

/** The public key and extensions of an X.509 certificate (DER), or null when it does not read as one. */
export function certParts(der: Uint8Array): CertParts | null {
  const cert = readTlv(der, 0);
  if (!cert || cert.tag !== 0x30) return null;
  const top = children(der, cert);
  const tbs = top?.[0];
  if (!tbs || tbs.tag !== 0x30) return null;
  const fields = children(der, tbs);
  if (!fields) return null;
  // [0] version is optional; then serial, signature, issuer, validity, subject, spki.
  const base = fields[0]?.tag === 0xa0 ? 1 : 0;
  const spki = fields[base + 5];
  if (!spki || spki.tag !== 0x30) return null;
  const extensions = new Map<string, Uint8Array>();
  const wrapped = fields.find((f) => f.tag === 0xa3);
  if (wrapped) {
    const seq = readTlv(der, wrapped.start, wrapped.end);
    const list = seq && seq.tag === 0x30 ? children(der, seq) : null;
    for (const ext of list ?? []) {
      const parts = children(der, ext);
      const oid = parts?.[0];
      const value = parts?.[parts.length - 1];
      if (!oid || oid.tag !== 0x06 || !value || value.tag !== 0x04) continue;
      extensions.set(Buffer.from(der.subarray(oid.start, oid.end)).toString("hex"), der.subarray(value.start, value.end));
    }
  }
  return { spki: der.subarray(spki.at, spki.end), extensions };
}
