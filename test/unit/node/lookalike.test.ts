import { describe, expect, test } from "bun:test";
import { CONFUSABLES_VERSION, imitatedName, looksLike, nameSkeleton } from "../../../src/domain/lookalike.ts";

describe("nameSkeleton", () => {
  test("reduces confusable spellings of a name to one skeleton", () => {
    const alice = nameSkeleton("alice");
    expect(alice).toBe("allce"); // i, I, l, 1 are one stroke
    for (const v of [
      "Alice", // case
      "ALICE",
      "\u0430lice", // Cyrillic а
      "\u0391lice", // Greek Alpha
      "al\u0456ce", // Cyrillic і
      "alic\u0435", // Cyrillic е
      "\uff41\uff4c\uff49\uff43\uff45", // fullwidth
      "\ud835\udc1a\ud835\udc25\ud835\udc22\ud835\udc1c\ud835\udc1e", // mathematical bold
      "a1ice", // digit one for l
      "aIice", // capital I for l
      "alicé", // an accent
      "alíce",
      "al\u0130ce", // capital I with a dot
      "ali\u0307ce", // a combining mark
    ]) {
      expect({ v, s: nameSkeleton(v) }).toEqual({ v, s: alice });
    }
    expect(nameSkeleton("b0b")).toBe("bob");
    expect(nameSkeleton("\u0432\u043e\u0432")).toBe("bob"); // Cyrillic вов
    expect(nameSkeleton("rnallory")).toBe(nameSkeleton("mallory"));
    expect(nameSkeleton("vvendy")).toBe("wendy");
    expect(nameSkeleton("STRAẞE")).toBe("strasse");
  });

  test("Unicode's confusables (UTS #39) and our small capitals: each spelling of carol below is carol", () => {
    expect(CONFUSABLES_VERSION).toBe("17.0.0");
    const spellings: [string, string][] = [
      ["car\u1d0fl", "U+1D0F LATIN LETTER SMALL CAPITAL O"],
      ["ca\u0433ol", "U+0433 CYRILLIC SMALL LETTER GHE"],
      ["c\u0251rol", "U+0251 LATIN SMALL LETTER ALPHA"],
      ["ca\u0280ol", "U+0280 LATIN LETTER SMALL CAPITAL R"],
      ["\u13dfarol", "U+13DF CHEROKEE LETTER TLI"],
      ["car\u0585l", "U+0585 ARMENIAN SMALL LETTER OH"],
      ["\u1d04\u1d00\u0280\u1d0f\u029f", "small capitals throughout"],
      ["c\u0430r\u043el", "Cyrillic а and о"],
      ["\u03f2arol", "U+03F2 GREEK LUNATE SIGMA SYMBOL"],
      ["\u217darol", "U+217D SMALL ROMAN NUMERAL ONE HUNDRED"],
      ["caro\u04cf", "U+04CF CYRILLIC SMALL LETTER PALOCHKA"],
      ["caro\u01c0", "U+01C0 LATIN LETTER DENTAL CLICK"],
      ["car\u03bfl", "U+03BF GREEK SMALL LETTER OMICRON"],
      ["car\u0d20l", "U+0D20 MALAYALAM LETTER TTHA"],
      ["car\u10ffl", "U+10FF GEORGIAN LETTER LABIAL SIGN"],
      ["\u2ca5arol", "U+2CA5 COPTIC SMALL LETTER SIMA"],
      ["\ua4daAROL", "U+A4DA LISU LETTER CA, capitals"],
      ["c\u237arol", "U+237A APL FUNCTIONAL SYMBOL ALPHA"],
      ["\u{1d4ec}arol", "U+1D4EC MATHEMATICAL BOLD SCRIPT SMALL C"],
      ["carol\u200b", "U+200B ZERO WIDTH SPACE"],
      ["carol\ufe0f", "U+FE0F VARIATION SELECTOR-16"],
      ["carol\u{e0100}", "U+E0100 VARIATION SELECTOR-17"],
      ["caro\u0142", "U+0142 l with stroke"],
      ["c\u00e1rol", "an accent"],
      ["CAROL", "capitals"],
      ["caroI", "capital I for l"],
      ["car0l", "digit zero for o"],
      ["caro1", "digit one for l"],
    ];
    const wrong = spellings.filter(([s]) => nameSkeleton(s) !== "carol").map(([s, what]) => `${what}: ${JSON.stringify(nameSkeleton(s))}`);
    expect(wrong).toEqual([]);
  });

  test("look-alikes beyond Latin: Cyrillic, Greek, Armenian and Cherokee letters pass for one another", () => {
    const pairs: [string, string][] = [
      ["\u0440\u0430\u0443", "pay"], // Cyrillic рау
      ["\u0391\u0392\u0395", "abe"], // Greek capitals
      ["\u13aa\u13f4\u13ac", "abe"], // Cherokee Ꭺ Ᏼ Ꭼ
      ["\u0570\u0578", "hn"], // Armenian հո... as h and n
      ["\u0455\u0456\u0458", "slj"], // Cyrillic ѕ і ј
      ["\uff53\uff41\uff4d", "sam"], // fullwidth
      ["\u24e2\u24d0\u24dc", "sam"], // circled letters
      ["p\u0430ypal", "paypal"],
      ["\u0261\u0251ry", "gary"], // script g, alpha
      ["h\u0435l\u0433o", "helro"], // Cyrillic е, and г is r
    ];
    for (const [a, b] of pairs) expect({ a, s: nameSkeleton(a) }).toEqual({ a, s: nameSkeleton(b) });
  });

  test("keeps names that look different apart", () => {
    const names = ["alice", "alicia", "bob", "bobby", "carol", "carl", "dave", "eve", "mallory", "trent", "walter", "\u674e\u96f7", "\u0438\u0432\u0430\u043d", "tom", "tim", "ann", "anna", "jon", "john", "leo", "lea", "sam", "pam", "nick", "mick", "zoe", "joe"];
    const skeletons = names.map(nameSkeleton);
    expect(new Set(skeletons).size).toBe(names.length);
  });
});

describe("imitatedName", () => {
  test("the closest contact wins: the same name, then the same letters in another case, then the same skeleton; then the fewest changes", () => {
    const contacts = ["CAROL", "Carol", "carol", "c\u0430rol"];
    expect(imitatedName("carol", contacts)).toBe("carol");
    expect(imitatedName("CAROL", contacts)).toBe("CAROL");
    expect(imitatedName("c\u0430rol", contacts)).toBe("c\u0430rol");
    expect(imitatedName("cArol", contacts)).toBe("carol"); // same letters: one changed, not four
    expect(imitatedName("CArOL", contacts)).toBe("CAROL");
    expect(imitatedName("car0l", contacts)).toBe("carol"); // only a skeleton: one changed
    expect(imitatedName("CAR0L", contacts)).toBe("CAROL");
    expect(imitatedName("car0l", ["CAROL", "caroI"])).toBe("caroI"); // both look alike: fewer changed
    expect(imitatedName("CAROL", ["carol-2", "carol"])).toBe("carol");
    expect(imitatedName("cArol", ["carol", "caro1"])).toBe("carol"); // the same letters before a mere look-alike
    expect(imitatedName("dave", contacts)).toBeNull();
    expect(imitatedName("carol", [])).toBeNull();
  });
});

describe("looksLike", () => {
  test("different names with the same skeleton look alike; a name does not look like itself", () => {
    expect(looksLike("alice", "\u0430lice")).toBe(true);
    expect(looksLike("carol", "car0l")).toBe(true);
    expect(looksLike("bob", "BOB")).toBe(true);
    expect(looksLike("alice", "alice")).toBe(false);
    expect(looksLike("alice", "alicia")).toBe(false);
    expect(looksLike("bob", "rob")).toBe(false);
  });
});
