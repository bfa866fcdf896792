// Names that look alike on screen. A peer announces any name it likes; one
// that differs from a contact's name only by confusable characters (Cyrillic
// "а" for Latin "a", "0" for "o", fullwidth "ａ", an accent) is an imitation
// to be shown as such. The skeleton is a small cousin of Unicode's UTS #39
// skeleton: NFKC (fullwidth and styled letters become plain ones), the
// confusables below, case folded, marks and invisible characters removed.

/** Characters that pass for a Latin letter or digit, by what they pass for (checked before case folding). */
const CONFUSABLES: Record<string, string> = {
  // Cyrillic
  а: "a", А: "a", в: "b", В: "b", е: "e", Е: "e", ё: "e", Ё: "e", к: "k", К: "k", м: "m", М: "m",
  н: "h", Н: "h", о: "o", О: "o", р: "p", Р: "p", с: "c", С: "c", т: "t", Т: "t", у: "y", У: "y",
  х: "x", Х: "x", ѕ: "s", Ѕ: "s", і: "l", І: "l", ї: "l", Ї: "l", ј: "j", Ј: "j", һ: "h", Һ: "h",
  ԁ: "d", ԛ: "q", Ԛ: "q", ԝ: "w", Ԝ: "w", ӏ: "l", Ӏ: "l", ү: "y", Ү: "y", ɡ: "g", ո: "n", ս: "u",
  // Greek
  α: "a", Α: "a", β: "b", Β: "b", ε: "e", Ε: "e", ζ: "z", Ζ: "z", η: "n", Η: "h", ι: "l", Ι: "l",
  κ: "k", Κ: "k", μ: "u", Μ: "m", ν: "v", Ν: "n", ο: "o", Ο: "o", ρ: "p", Ρ: "p", τ: "t", Τ: "t",
  υ: "u", Υ: "y", χ: "x", Χ: "x", ϲ: "c", Ϲ: "c", ϳ: "j",
  // Latin letters and digits that pass for each other
  // i, I, l, 1 and | are one stroke: capital I passes for l, and case folding makes it i, so all are one.
  i: "l", I: "l", "1": "l", "|": "l", "!": "l", ı: "l", "0": "o", ø: "o", Ø: "o", "5": "s", "$": "s", "@": "a",
  ł: "l", Ł: "l", đ: "d", Đ: "d", ƒ: "f", ß: "ss", æ: "ae", Æ: "ae", œ: "oe", Œ: "oe",
};

/** Pairs that read as one letter at a glance ("rn" as "m"), applied after the rest. */
const PAIRS: [RegExp, string][] = [
  [/rn/g, "m"],
  [/vv/g, "w"],
];

const INVISIBLE = /[\p{Cf}\p{Default_Ignorable_Code_Point}\p{M}]/gu;

/** What `name` looks like, reduced to plain lower-case Latin where it can be. */
export function nameSkeleton(name: string): string {
  // Accents and other marks come apart under NFD and go, with anything
  // invisible; what they sat on ("í" leaves "i") is mapped again.
  let out = fold(fold(name.normalize("NFKC")).normalize("NFD").replace(INVISIBLE, ""));
  for (const [re, to] of PAIRS) out = out.replace(re, to);
  return out;
}

function fold(s: string): string {
  let out = "";
  for (const ch of s) {
    const mapped = CONFUSABLES[ch];
    if (mapped !== undefined) {
      out += mapped;
      continue;
    }
    const lower = ch.toLowerCase();
    out += CONFUSABLES[lower] ?? lower;
  }
  return out;
}

/** True when `a` and `b` are different names that look the same (a possible imitation). */
export function looksLike(a: string, b: string): boolean {
  return a !== b && nameSkeleton(a) === nameSkeleton(b);
}
