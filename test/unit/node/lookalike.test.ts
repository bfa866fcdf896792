import { describe, expect, test } from "bun:test";
import { looksLike, nameSkeleton } from "../../../src/node/lookalike.ts";

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

  test("keeps names that look different apart", () => {
    const names = ["alice", "alicia", "bob", "bobby", "carol", "carl", "dave", "eve", "mallory", "trent", "walter", "\u674e\u96f7", "\u0438\u0432\u0430\u043d"];
    const skeletons = names.map(nameSkeleton);
    expect(new Set(skeletons).size).toBe(names.length);
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
