// What a search matches, decided here once for both dialects; their SQL only
// narrows the rows down (see searchCandidates in sql-store.ts).
//
// A query is words and "quoted phrases", every one of which must be in the
// text. Text compares without case, and without accents on the letters a-z
// (cafe = Café = CAFÉ). A term that starts or ends with a letter, digit or `_`
// of a script written with spaces must start or end a word there: `cat` does
// not match `concat`, nor `100%` match `1000`. Scripts written without spaces
// (Japanese, Chinese, Korean, Thai...) match anywhere, as substrings. Any
// whitespace inside a phrase matches any whitespace. Nothing typed is syntax
// but the pair of quotes around a phrase: a lone `"`, `*`, `-`, `%`, `_`,
// `(`, `NEAR` are searched for as they are.

export interface SearchTerm {
  /** One word, or the inside of one quoted phrase, in NFC. */
  text: string;
  /** The term split on whitespace. */
  pieces: SearchPiece[];
  /** The folded pieces, as a pattern over folded text. */
  pattern: string;
  /** The term begins (ends) with a letter, digit or `_` that must begin (end) a word. */
  startsWord: boolean;
  endsWord: boolean;
}

export interface SearchPiece {
  /** NFC, no whitespace. */
  text: string;
  /** Holds a character of a script written without spaces. */
  noSpace: boolean;
  /** Its runs of letters, digits, marks and `_`, as InnoDB FULLTEXT splits words. */
  words: string[];
  /** Its runs of characters that folding never changes: any match holds them as they are. */
  exact: string[];
}

/**
 * Scripts written without spaces: Thai to Tibetan, Myanmar, Hangul, Khmer,
 * CJK with kana, more Hangul, compatibility ideographs, half-width kana,
 * supplementary ideographs. sql/sqlite/migrations/003-search.sql indexes by
 * trigram every row with a character in a superset of these: change both together.
 */
const NO_SPACE = /[\u0E01-\u0FFF\u1000-\u109F\u1100-\u11FF\u1780-\u17FF\u2E80-\u2FDF\u3000-\u9FFF\uA960-\uD7FF\uF900-\uFAFF\uFF66-\uFFDC\u{20000}-\u{3FFFD}]/u;
const WORD = /[\p{L}\p{N}\p{M}\p{Co}_]/u;
const VARIATION_SELECTOR = /[\uFE00-\uFE0F\u{E0100}-\u{E01EF}]/u;
const ACCENT_ON_LATIN = /^[a-z][\u0300-\u036f]+$/;

const isWordChar = (c: string) => WORD.test(c) && !VARIATION_SELECTOR.test(c);
const isSpacedWordChar = (c: string) => isWordChar(c) && !NO_SPACE.test(c);
const isStable = (c: string) => !/\p{M}/u.test(c) && c.toUpperCase() === c && foldChar(c) === c;

/** Splits what the user typed into terms: words, and "phrases" between a pair of quotes. */
export function parseSearch(input: string): SearchTerm[] {
  const s = input.normalize("NFC");
  const raw: string[] = [];
  for (let i = 0; i < s.length; ) {
    if (/\s/.test(s[i]!)) {
      i++;
      continue;
    }
    const close = s[i] === '"' ? s.indexOf('"', i + 1) : -1;
    if (close > 0) {
      raw.push(s.slice(i + 1, close));
      i = close + 1;
      continue;
    }
    let j = i;
    while (j < s.length && !/\s/.test(s[j]!)) j++;
    raw.push(s.slice(i, j));
    i = j;
  }
  const terms: SearchTerm[] = [];
  const seen = new Set<string>();
  for (const r of raw) {
    const pieces = r.split(/\s+/).filter((p) => p !== "");
    if (pieces.length === 0) continue;
    const folded = pieces.map((p) => fold(p).text);
    const key = folded.join(" ");
    if (seen.has(key)) continue;
    seen.add(key);
    const chars = [...key];
    terms.push({
      text: pieces.join(" "),
      pieces: pieces.map(toPiece),
      pattern: folded.map((f) => f.replace(/[\\^$.*+?()[\]{}|/]/g, "\\$&")).join("\\s+"),
      startsWord: isSpacedWordChar(chars[0]!),
      endsWord: isSpacedWordChar(chars[chars.length - 1]!),
    });
  }
  return terms;
}

function toPiece(text: string): SearchPiece {
  const chars = [...text];
  return { text, noSpace: chars.some((c) => NO_SPACE.test(c)), words: runs(chars, isWordChar), exact: runs(chars, isStable) };
}

function runs(chars: readonly string[], keep: (c: string) => boolean): string[] {
  const out: string[] = [];
  let run = "";
  for (const c of chars) {
    if (keep(c)) run += c;
    else if (run) (out.push(run), (run = ""));
  }
  if (run) out.push(run);
  return out;
}

/** Text as terms compare it: without case, nor accents on a-z. */
export function foldText(s: string): string {
  return fold(s).text;
}

/** True when `text` holds every term. */
export function matchesAll(text: string, terms: readonly SearchTerm[]): boolean {
  const f = fold(text).text;
  return terms.every((t) => !occurrences(f, t).next().done);
}

/** Where the terms are in `text`: sorted, merged [start, end) ranges of UTF-16 indexes, for highlighting. */
export function matchRanges(text: string, terms: readonly SearchTerm[]): [number, number][] {
  const { text: f, from } = fold(text);
  const ranges: [number, number][] = [];
  for (const t of terms) for (const [a, b] of occurrences(f, t)) ranges.push([from[a]!, from[b]!]);
  ranges.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  const merged: [number, number][] = [];
  for (const r of ranges) {
    const last = merged[merged.length - 1];
    if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
    else merged.push(r);
  }
  return merged;
}

/** Each place `term` occurs in folded text `f`, with the word edges it needs. */
function* occurrences(f: string, term: SearchTerm): Generator<[number, number]> {
  const re = new RegExp(term.pattern, "gu");
  for (let m = re.exec(f); m !== null; m = re.exec(f)) {
    const a = m.index;
    const b = a + m[0].length;
    if ((!term.startsWord || !isWordChar(charBefore(f, a))) && (!term.endsWord || !isWordChar(charAt(f, b)))) yield [a, b];
    re.lastIndex = a + charAt(f, a).length;
  }
}

function charAt(s: string, i: number): string {
  const cp = s.codePointAt(i);
  return cp === undefined ? "" : String.fromCodePoint(cp);
}

function charBefore(s: string, i: number): string {
  if (i <= 0) return "";
  const low = s.charCodeAt(i - 1);
  return i >= 2 && low >= 0xdc00 && low <= 0xdfff ? s.slice(i - 2, i) : s.slice(i - 1, i);
}

const folds = new Map<string, string>();

/** One character without case, and without its accents when it is one of a-z. */
function foldChar(c: string): string {
  let f = folds.get(c);
  if (f === undefined) {
    const lower = c.toLowerCase();
    const bare = lower.normalize("NFD");
    f = ACCENT_ON_LATIN.test(bare) ? bare[0]! : lower === "ς" ? "σ" : lower;
    if (folds.size < 50_000) folds.set(c, f);
  }
  return f;
}

/** The folded text, and for each of its UTF-16 units the index in `s` it came from (plus `s.length` at the end). */
function fold(s: string): { text: string; from: number[] } {
  let text = "";
  const from: number[] = [];
  let afterLatin = false;
  for (let i = 0; i < s.length; ) {
    const c = charAt(s, i);
    const cp = c.codePointAt(0)!;
    if (afterLatin && cp >= 0x300 && cp <= 0x36f) {
      i += c.length; // an accent written apart from its letter a-z
      continue;
    }
    const f = foldChar(c);
    for (let k = 0; k < f.length; k++) from.push(i);
    text += f;
    afterLatin = f >= "a" && f <= "z" && f.length === 1;
    i += c.length;
  }
  from.push(s.length);
  return { text, from };
}
