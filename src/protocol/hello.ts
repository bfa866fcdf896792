// The hello payload: "P2PC" | u16 BE version | UTF-8 JSON. The JSON object is
// the wire shape (HelloWire); the program uses the domain shape (Hello from
// messages.ts). They convert only through helloToWire / helloFromWire, which
// validates field by field and never casts (Syncthing's bep_hello.go).
//
// The magic is checked before the version: "not our protocol" and "our
// protocol, too old" are different errors, with different advice for users.
import type { Hello } from "./messages.ts";
import { ProtocolError } from "./protocol-error.ts";

export const HELLO_MAGIC: Uint8Array = Uint8Array.of(0x50, 0x32, 0x50, 0x43); // "P2PC"
export const PROTOCOL_VERSION = 1;
export const MIN_VERSION = 1;
/** Largest hello payload (magic + version + JSON). */
export const MAX_HELLO = 4 * 1024;

export const MAX_NAME = 40;
export const MAX_CAPS = 32;
export const MAX_CAP = 32;
export const MAX_SESSION = 64;
/** Addresses a hello may carry, and the length of each. */
export const MAX_ADDRS = 16;
export const MAX_ADDR = 64;
export const MAX_TOKEN = 64;
export const MAX_DKEY = 64;
export const MAX_RELAYS = 4;
export const MAX_RELAY = 200;

/** The JSON object after magic and version. Unknown keys are ignored, so newer peers may add some. */
export type HelloWire = {
  name: string;
  display?: string;
  port: number;
  caps: string[];
  session: string;
  addrs?: string[];
  invite?: string;
  dkey?: string;
  relays?: string[];
  seen?: string;
  join?: string;
};

const PREFIX = HELLO_MAGIC.length + 2;
const BAD_NAME_CHAR = /[\s\p{Cc}\p{Cs}]/u; // whitespace, control characters, lone surrogates
/**
 * Characters that show nothing or reorder what follows: format characters
 * (zero-width spaces and joiners, bidi controls, the BOM, tags), the rest of
 * Unicode's default-ignorables (Hangul fillers, Mongolian selectors...),
 * noncharacters, and the blank braille pattern. `alice` + U+200B displays as
 * `alice`; U+202E turns a name around. A variation selector is allowed
 * only right after a character it varies (see `variesHere`): `carol` + U+FE0F
 * displays as `carol`, as `carol` + U+200B does.
 */
const INVISIBLE = /[\p{Cf}\p{Default_Ignorable_Code_Point}\p{Noncharacter_Code_Point}\u2800]/u;
const VARIATION = /[\uFE00-\uFE0F\u{E0100}-\u{E01EF}]/u;
/** U+FE0E and U+FE0F choose text or emoji style. */
const EMOJI_STYLE = /[\uFE0E\uFE0F]/u;
const PICTOGRAPH = /\p{Extended_Pictographic}/u;
const KEYCAP_BASE = /[0-9#*]/u;
const IDEOGRAPH = /\p{Ideographic}/u;
const SHOWS_SOMETHING = /[^\p{M}\uFE00-\uFE0F\u{E0100}-\u{E01EF}]/u;
const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

export function helloToWire(h: Hello): HelloWire {
  const w: HelloWire = { name: h.name, port: h.port, caps: [...h.caps], session: h.session };
  if (h.display !== undefined && h.display !== h.name) w.display = h.display;
  if (h.addrs?.length) w.addrs = [...h.addrs];
  if (h.invite) w.invite = h.invite;
  if (h.dkey) w.dkey = h.dkey;
  if (h.relays?.length) w.relays = [...h.relays];
  if (h.seen) w.seen = h.seen;
  if (h.join) w.join = h.join;
  return w;
}

/** Validates a parsed JSON value into a Hello; throws BAD_FRAME naming the first bad field. */
export function helloFromWire(version: number, json: unknown): Hello {
  if (typeof json !== "object" || json === null || Array.isArray(json)) throw bad("the JSON is not an object");
  const name = field(json, "name");
  const port = field(json, "port");
  const caps = field(json, "caps");
  const session = field(json, "session");
  if (typeof name !== "string") throw bad("name is not a string");
  const nameLength = codePoints(name, MAX_NAME);
  if (nameLength < 1 || nameLength > MAX_NAME) throw bad(`name must have 1 to ${MAX_NAME} characters`);
  const invisible = invisibleNameProblem(name);
  if (invisible) throw bad(`name ${invisible}`);
  if (BAD_NAME_CHAR.test(name)) throw bad("name contains whitespace or control characters");
  if (typeof port !== "number" || !Number.isInteger(port) || port < 0 || port > 0xffff) throw bad("port is not an integer from 0 to 65535");
  if (!Array.isArray(caps)) throw bad("caps is not an array");
  if (caps.length > MAX_CAPS) throw bad(`more than ${MAX_CAPS} caps`);
  const list: readonly unknown[] = caps;
  const outCaps: string[] = [];
  for (const cap of list) {
    if (typeof cap !== "string") throw bad("caps holds something that is not a string");
    if (codePoints(cap, MAX_CAP) > MAX_CAP) throw bad(`a cap is longer than ${MAX_CAP} characters`);
    outCaps.push(cap);
  }
  if (typeof session !== "string") throw bad("session is not a string");
  const sessionLength = codePoints(session, MAX_SESSION);
  if (sessionLength < 1 || sessionLength > MAX_SESSION) throw bad(`session must have 1 to ${MAX_SESSION} characters`);
  const hello: Hello = { type: "hello", version, name, port, caps: outCaps, session };
  // A display name is a nicety beside the handle: one this build cannot show safely is dropped, not refused.
  const display = field(json, "display");
  if (typeof display === "string" && displayNameProblem(display) === null) hello.display = display;
  const addrs = strings(field(json, "addrs"), "addrs", MAX_ADDRS, MAX_ADDR);
  if (addrs) hello.addrs = addrs;
  const invite = field(json, "invite");
  if (invite !== undefined) {
    if (typeof invite !== "string" || !/^[A-Za-z0-9_-]{1,64}$/.test(invite)) throw bad(`invite must be 1 to ${MAX_TOKEN} letters, digits, - or _`);
    hello.invite = invite;
  }
  const dkey = field(json, "dkey");
  if (dkey !== undefined) {
    if (typeof dkey !== "string" || !/^[a-z0-9]{1,64}$/.test(dkey)) throw bad(`dkey must be 1 to ${MAX_DKEY} lowercase letters or digits`);
    hello.dkey = dkey;
  }
  const relays = strings(field(json, "relays"), "relays", MAX_RELAYS, MAX_RELAY);
  if (relays) hello.relays = relays;
  const seen = strings(optionalList(field(json, "seen"), "seen"), "seen", 1, MAX_ADDR);
  if (seen) hello.seen = seen[0]!;
  const join = field(json, "join");
  if (join !== undefined) {
    if (typeof join !== "string" || !/^[A-Za-z0-9_-]{1,64}$/.test(join)) throw bad(`join must be 1 to ${MAX_TOKEN} letters, digits, - or _`);
    hello.join = join;
  }
  return hello;
}

/** A single optional string, checked as a list of one (strings() says what is wrong with it). */
function optionalList(v: unknown, what: string): unknown {
  if (v === undefined) return undefined;
  if (typeof v !== "string") throw bad(`${what} is not a string`);
  return [v];
}

/** An optional array of printable strings: at most `max` of at most `len` characters each. */
function strings(v: unknown, what: string, max: number, len: number): string[] | undefined {
  if (v === undefined) return undefined;
  if (!Array.isArray(v)) throw bad(`${what} is not an array`);
  if (v.length > max) throw bad(`more than ${max} ${what}`);
  const out: string[] = [];
  for (const x of v as unknown[]) {
    if (typeof x !== "string" || x.length === 0 || x.length > len || /[\s\p{Cc}]/u.test(x)) throw bad(`${what} holds something that is not a string of 1 to ${len} printable characters`);
    out.push(x);
  }
  return out;
}

/** The payload bytes. Throws what decodeHello would throw for the result, so we never send a hello a peer refuses. */
export function encodeHello(h: Hello): Uint8Array {
  checkVersion(h.version);
  const hello = helloFromWire(h.version, helloToWire(h)); // same checks as the receiver
  const json = encoder.encode(JSON.stringify(helloToWire(hello)));
  const size = PREFIX + json.length;
  if (size > MAX_HELLO) throw bad(`payload of ${size} bytes is over ${MAX_HELLO}`);
  const out = new Uint8Array(size);
  out.set(HELLO_MAGIC, 0);
  out[4] = h.version >>> 8;
  out[5] = h.version & 0xff;
  out.set(json, PREFIX);
  return out;
}

/** Reads a hello payload: magic, then version, then the JSON. */
export function decodeHello(payload: Uint8Array): Hello {
  if (payload.length > MAX_HELLO) throw bad(`payload of ${payload.length} bytes is over ${MAX_HELLO}`);
  const magic = payload.subarray(0, HELLO_MAGIC.length);
  if (magic.length < HELLO_MAGIC.length || magic.some((b, i) => b !== HELLO_MAGIC[i])) throw ProtocolError.badMagic(magic);
  if (payload.length < PREFIX) throw bad("payload ends inside the version");
  const version = (payload[4]! << 8) | payload[5]!;
  checkVersion(version);
  let json: unknown;
  try {
    json = JSON.parse(decoder.decode(payload.subarray(PREFIX)));
  } catch (err) {
    if (err instanceof TypeError) throw ProtocolError.badUtf8("hello JSON", err);
    throw bad("the JSON does not parse", err);
  }
  return helloFromWire(version, json);
}

/**
 * Why `name` cannot be a display name: 1 to 40 characters, words apart by
 * single spaces (no other whitespace, none at either end), nothing a name
 * may not hold otherwise. Null when it can.
 */
export function displayNameProblem(name: string): string | null {
  const n = codePoints(name, MAX_NAME);
  if (n < 1 || n > MAX_NAME) return `a name has 1 to ${MAX_NAME} characters`;
  if (name !== name.trim() || name.includes("  ")) return "a name's words are apart by one space, with none at either end";
  if (BAD_NAME_CHAR.test(name.replace(/ /g, ""))) return "a name cannot contain tabs, line breaks or control characters";
  const invisible = invisibleNameProblem(name.replace(/ /g, ""));
  return invisible ? `a name cannot contain characters that show nothing: it ${invisible}` : null;
}

/**
 * Why `name` could pass for another name on screen: "contains an invisible
 * or bidi-control character (U+200B)", "shows nothing ...", or null. The
 * node checks names typed locally with this too, so what we announce is
 * never refused by a peer.
 */
export function invisibleNameProblem(name: string): string | null {
  if (name.length > 0 && !SHOWS_SOMETHING.test(name)) return "shows nothing (only combining marks or variation selectors)";
  const chars = [...name];
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i]!;
    if (!INVISIBLE.test(ch)) continue;
    const cp = ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0");
    if (!VARIATION.test(ch)) return `contains an invisible or bidi-control character (U+${cp})`;
    if (!variesHere(chars[i - 1], ch, chars[i + 1])) return `contains a variation selector after a character it does not vary (U+${cp})`;
  }
  return null;
}

/**
 * Whether variation selector `vs` after `before` (and before `after`) picks a
 * visible variant, rather than hiding in the name: text or emoji style after
 * a pictograph ("❤" + U+FE0F) or in a keycap ("1" U+FE0F U+20E3), and a
 * glyph variant after a CJK ideograph (U+FE00.., U+E0100..: Japanese names
 * use these). Anything else, after a letter or another selector, is refused.
 */
function variesHere(before: string | undefined, vs: string, after: string | undefined): boolean {
  if (before === undefined) return false;
  if (EMOJI_STYLE.test(vs)) return PICTOGRAPH.test(before) || (KEYCAP_BASE.test(before) && vs === "\uFE0F" && after === "\u20E3");
  return IDEOGRAPH.test(before);
}

/** An own property of a parsed JSON object (never one from its prototype). */
function field(o: object, key: string): unknown {
  return Object.getOwnPropertyDescriptor(o, key)?.value;
}

function checkVersion(version: number): void {
  if (!Number.isInteger(version) || version < 0 || version > 0xffff) throw bad(`version ${version} is not a u16`);
  if (version < MIN_VERSION) throw ProtocolError.versionTooOld(version, MIN_VERSION);
  if (version > PROTOCOL_VERSION) throw ProtocolError.versionTooNew(version, PROTOCOL_VERSION);
}

/** Code points in `s`, counting no further than `max + 1`. */
function codePoints(s: string, max: number): number {
  if (s.length <= max) return countAll(s); // at most s.length code points
  if (s.length > 2 * (max + 1)) return max + 1; // at least s.length / 2 code points
  return countAll(s);
}

function countAll(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++, n++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
  }
  return n;
}

function bad(why: string, cause?: unknown): ProtocolError {
  return ProtocolError.badFrame(`bad hello: ${why}`, { cause });
}
