// A file name from the wire, made a name: never a path, never a device,
// never something that shows other than it is. The peer chose it; only the
// last part of what it sent is kept, and whatever could climb out of the
// download folder, hide, reorder what follows it or name a Windows device
// is replaced or dropped. What is left is printable and at most MAX_NAME_BYTES
// of UTF-8 (the extension kept). Pure: no I/O.

/** Longest name kept, in bytes of UTF-8 (most file systems allow 255). */
export const MAX_NAME_BYTES = 200;
/** What a name that is nothing once cleaned becomes. */
export const FALLBACK_NAME = "file";

/** Controls, format characters (bidi overrides, zero-width), other invisibles, noncharacters, lone surrogates. */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Default_Ignorable_Code_Point}\p{Noncharacter_Code_Point}\p{Cs}\u2028\u2029]/gu;
/** Characters Windows refuses in a name, and both path separators. */
const RESERVED = /[<>:"/\\|?*]/g;
/** Windows device names, with or without an extension ("aux.txt" opens the device too). */
const DEVICE = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³]|conin\$|conout\$)(\.|$)/i;

/** A safe file name for `wire`, or FALLBACK_NAME. */
export function safeFileName(wire: string): string {
  // Only the last part of a path: "../../etc/passwd" is "passwd", "C:\x\y.txt" is "y.txt".
  const last = wire.split(/[/\\]/).filter((p) => p.length > 0).at(-1) ?? "";
  let name = last.normalize("NFC").replace(INVISIBLE, "").replace(RESERVED, "_").replace(/\s/g, " ");
  // No leading dots or spaces (".." and hidden files), no trailing ones (Windows drops them: "a.txt." is "a.txt").
  name = name.replace(/^[. ]+/, "").replace(/[. ]+$/, "");
  if (DEVICE.test(name)) name = `_${name}`;
  name = fitBytes(name, MAX_NAME_BYTES);
  return name.length > 0 ? name : FALLBACK_NAME;
}

/** Where the extension starts ("photo.jpg" -> 5, "a.tar.gz" -> 1, "README" -> length): what ` (1)` goes before. */
export function extensionAt(name: string): number {
  const tar = /\.tar\.[a-z0-9]{1,5}$/i.exec(name);
  if (tar && tar.index > 0) return tar.index;
  const dot = name.lastIndexOf(".");
  return dot > 0 && name.length - dot <= 16 ? dot : name.length;
}

/** The n-th name tried when `name` exists already: "photo (1).jpg", "photo (2).jpg"... */
export function numberedName(name: string, n: number): string {
  if (n === 0) return name;
  const at = extensionAt(name);
  const suffix = ` (${n})`;
  const base = fitBytes(name.slice(0, at), MAX_NAME_BYTES - byteLength(name.slice(at)) - byteLength(suffix));
  return `${base}${suffix}${name.slice(at)}`;
}

/** `name` cut to `max` bytes of UTF-8, keeping the extension when it can, never splitting a character. */
function fitBytes(name: string, max: number): string {
  if (byteLength(name) <= max) return name;
  const at = extensionAt(name);
  const ext = name.slice(at);
  const room = max - byteLength(ext);
  if (room < 1) return cut(name, max);
  return cut(name.slice(0, at), room) + ext;
}

function cut(s: string, max: number): string {
  let out = "";
  let bytes = 0;
  for (const ch of s) {
    const n = byteLength(ch);
    if (bytes + n > max) break;
    out += ch;
    bytes += n;
  }
  return out.replace(/[. ]+$/, "");
}

function byteLength(s: string): number {
  return Buffer.byteLength(s, "utf8");
}
