// IP address literals as bytes and back, and the few classes of address that
// decide what a LAN beacon may announce. Pure: no I/O, no DNS. A zone
// ("fe80::1%eth0") is not part of an address here; callers keep it apart.

/** 4 bytes for IPv4, 16 for IPv6, or null when `text` is not an IP literal. */
export function parseIp(text: string): Uint8Array | null {
  if (text.includes(":")) return parseV6(text);
  return parseV4(text);
}

/** Dotted quad for 4 bytes; RFC 5952 text for 16 (lower case, longest zero run as "::"). */
export function formatIp(b: Uint8Array): string {
  if (b.byteLength === 4) return b.join(".");
  if (b.byteLength !== 16) throw new TypeError(`an IP address has 4 or 16 bytes, this has ${b.byteLength}`);
  if (isV4Mapped(b)) return `::ffff:${b.subarray(12).join(".")}`;
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((b[i]! << 8) | b[i + 1]!);
  let best = -1;
  let bestLen = 1; // a single zero group is not compressed
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(":");
  return `${hex.slice(0, best).join(":")}::${hex.slice(best + bestLen).join(":")}`;
}

export function isUnspecified(b: Uint8Array): boolean {
  return b.every((x) => x === 0);
}

export function isLoopback(b: Uint8Array): boolean {
  if (b.byteLength === 4) return b[0] === 127;
  return b.subarray(0, 15).every((x) => x === 0) && b[15] === 1;
}

export function isMulticast(b: Uint8Array): boolean {
  return b.byteLength === 4 ? (b[0]! & 0xf0) === 0xe0 : b[0] === 0xff;
}

/** 169.254.0.0/16 and fe80::/10: meaningless to a receiver without the sender's zone. */
export function isLinkLocal(b: Uint8Array): boolean {
  return b.byteLength === 4 ? b[0] === 169 && b[1] === 254 : b[0] === 0xfe && (b[1]! & 0xc0) === 0x80;
}

/** 255.255.255.255. */
export function isLimitedBroadcast(b: Uint8Array): boolean {
  return b.byteLength === 4 && b.every((x) => x === 255);
}

/** "10.1.2.3/24" to "10.1.2.255"; null for IPv6, /31, /32 or text that is not IPv4 CIDR. */
export function directedBroadcast(cidr: string): string | null {
  const [addr, bits] = cidr.split("/");
  const ip = parseV4(addr ?? "");
  const n = Number(bits);
  if (!ip || !/^\d{1,2}$/.test(bits ?? "") || n < 1 || n > 30) return null;
  const value = ((ip[0]! << 24) | (ip[1]! << 16) | (ip[2]! << 8) | ip[3]!) >>> 0;
  const host = (2 ** (32 - n) - 1) >>> 0;
  const b = (value | host) >>> 0;
  return [b >>> 24, (b >>> 16) & 255, (b >>> 8) & 255, b & 255].join(".");
}

function isV4Mapped(b: Uint8Array): boolean {
  return b.subarray(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff;
}

function parseV4(s: string): Uint8Array | null {
  const parts = s.split(".");
  if (parts.length !== 4) return null;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i]!;
    if (!/^(0|[1-9]\d{0,2})$/.test(p) || Number(p) > 255) return null;
    out[i] = Number(p);
  }
  return out;
}

function parseV6(s: string): Uint8Array | null {
  if (!/^[0-9a-fA-F:.]{2,45}$/.test(s)) return null;
  let text = s;
  let v4: Uint8Array | null = null;
  if (text.includes(".")) {
    const i = text.lastIndexOf(":");
    v4 = parseV4(text.slice(i + 1));
    if (!v4) return null;
    text = `${text.slice(0, i + 1)}0:0`; // two placeholder groups, filled below
  }
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const groups = (h: string) => (h === "" ? [] : h.split(":").map((g) => (/^[0-9a-f]{1,4}$/i.test(g) ? parseInt(g, 16) : NaN)));
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  if ([...head, ...tail].some(Number.isNaN)) return null;
  let all: number[];
  if (halves.length === 1) {
    if (head.length !== 8) return null;
    all = head;
  } else {
    if (head.length + tail.length > 7) return null;
    all = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  }
  const out = new Uint8Array(16);
  all.forEach((g, i) => {
    out[2 * i] = g >> 8;
    out[2 * i + 1] = g & 255;
  });
  if (v4) out.set(v4, 12);
  return out;
}
