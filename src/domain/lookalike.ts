// Names that look alike on screen. A peer announces any name it likes; one
// that differs from a contact's name only by confusable characters (Cyrillic
// "а" for Latin "a", "0" for "o", fullwidth "ａ", an accent) is an imitation
// to be shown as such. The skeleton is Unicode's UTS #39 skeleton (its
// confusables.txt, as data in confusables.txt here) made coarser by our own rules: case is
// folded, marks go, Latin small capitals are their letters, i, I, l, 1 are one
// stroke, "rn" reads as "m" and "vv" as "w".
import CONFUSABLES from "./confusables.txt" with { type: "text" };

/** The version of Unicode's confusables.txt the table was made from. */
export const CONFUSABLES_VERSION = /^# Version: (\S+)$/m.exec(CONFUSABLES)?.[1] ?? "unknown";

/** Ours, on top of Unicode's table (and before it): what the table leaves apart but the eye does not. */
const EXTRA: Record<string, string> = {
  // i, I, l, 1 and | are one stroke: the table makes I, 1 and | an l, and case folding makes I an i.
  i: "l", "!": "l", "5": "s", $: "s", "@": "a", ß: "ss", µ: "u", μ: "u",
  // Latin small capitals the table leaves out (or sends elsewhere: ᴍ to ʍ, a turned w).
  ᴀ: "a", ʙ: "b", ᴅ: "d", ᴇ: "e", ꜰ: "f", ɢ: "g", ʜ: "h", ᴊ: "j", ᴋ: "k", ĸ: "k", ʟ: "l", ᴍ: "m",
  ɴ: "n", ᴘ: "p", ꞯ: "q", ʀ: "r", ᴛ: "t",
};

/** Pairs that read as one letter at a glance ("rn" as "m"), applied last. */
const PAIRS: [RegExp, string][] = [
  [/rn/g, "m"],
  [/vv/g, "w"],
];

const IGNORABLE = /[\p{Cf}\p{Default_Ignorable_Code_Point}]/gu;
const MARK = /\p{M}/gu;

/** Character -> what it passes for: Unicode's table with ours over it. */
const TABLE: ReadonlyMap<string, string> = (() => {
  const m = new Map<string, string>();
  const ch = (hex: string) => hex.split("+").map((h) => String.fromCodePoint(parseInt(h, 16))).join("");
  for (const line of CONFUSABLES.split("\n")) {
    if (line.startsWith("#")) continue;
    const [to, ...from] = line.split(" ");
    if (to) for (const f of from) m.set(ch(f), ch(to));
  }
  for (const [from, to] of Object.entries(EXTRA)) m.set(from, to);
  return m;
})();

/** What `name` looks like, reduced to plain lower-case Latin where it can be. */
export function nameSkeleton(name: string): string {
  // UTS #39: NFD, drop default-ignorables, map, NFD again (NFD, not NFKD,
  // first: the table knows compatibility characters better than NFKD, which
  // makes the lunate sigma "ϲ" a "ς" where the table says "c"). Then ours:
  // NFKD for what the table left (styled letters), case folded and mapped
  // again (the small letter of a prototype may pass for another), marks
  // removed, pairs read as one.
  let out = map(name.normalize("NFD").replace(IGNORABLE, "")).normalize("NFKD");
  out = map(out.toLowerCase()).normalize("NFKD").replace(MARK, "").replace(IGNORABLE, "");
  for (const [re, to] of PAIRS) out = out.replace(re, to);
  return out;
}

function map(s: string): string {
  let out = "";
  for (const ch of s) out += TABLE.get(ch) ?? ch;
  return out;
}

/** True when `a` and `b` are different names that look the same (a possible imitation). */
export function looksLike(a: string, b: string): boolean {
  return a !== b && nameSkeleton(a) === nameSkeleton(b);
}

/**
 * Of `names` (a user's contacts), the one `announced` copies or imitates, or
 * null. The closest wins: the same name, then the same letters in another
 * case ("Carol" for "carol"), then the same skeleton; among those, the one
 * with the fewest characters changed, then the first. So with contacts
 * "CAROL" and "carol", a stranger announcing "carol" or "cаrol" imitates
 * "carol", and one announcing "CAROL" imitates "CAROL".
 */
export function imitatedName(announced: string, names: Iterable<string>): string | null {
  const folded = announced.normalize("NFKC").toLowerCase();
  const skeleton = nameSkeleton(announced);
  const chars = [...announced];
  let best: string | null = null;
  let bestScore = Infinity;
  for (const name of names) {
    if (name === announced) return name;
    const rank = name.normalize("NFKC").toLowerCase() === folded ? 1 : nameSkeleton(name) === skeleton ? 2 : 0;
    if (rank === 0) continue;
    const score = rank * 1000 + changed(chars, [...name]);
    if (score < bestScore) [best, bestScore] = [name, score];
  }
  return best;
}

/** Positions where `a` and `b` differ, and what one has beyond the other. */
function changed(a: string[], b: string[]): number {
  let n = Math.abs(a.length - b.length);
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) n++;
  return n;
}
