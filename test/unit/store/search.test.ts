// Search and history paging, once per dialect: SQLite always, MariaDB when
// P2PCHAT_TEST_MYSQL is set. Both must give the same answers.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { openStore, parseDbUrl } from "../../../src/store/open.ts";
import type { IncomingMessage, OutgoingMessage, Store } from "../../../src/store/store.ts";
import type { PeerId } from "../../../src/protocol/peer-id.ts";
import { createOriginalTables, createTestDb, dialects, type TestDb } from "../../helpers/databases.ts";

const BOB = "BOBBBBB-BOBBBBB-BOBBBBB-BOBBBBB-BOBBBBB-BOBBBBB-BOBBBBB-BOBBBBB" as PeerId;
const CAROL = "CAROLCC-CAROLCC-CAROLCC-CAROLCC-CAROLCC-CAROLCC-CAROLCC-CAROLCC" as PeerId;
const T = 1_700_000_000_000;

function outgoing(peer: string, body: string, created: number): OutgoingMessage {
  return { id: Bun.randomUUIDv7("hex", created), peer, host: "127.0.0.1", port: 20001, body, created };
}

function incoming(peer: "bob" | "carol", body: string, received: number): IncomingMessage {
  return { id: Bun.randomUUIDv7("hex", received), peerId: peer === "bob" ? BOB : CAROL, peer, host: "127.0.0.1", port: 20002, body, created: received - 5, received };
}

const ALPHABET = "alpha bravo charlie delta echo foxtrot golf hotel india juliett kilo lima mike november oscar papa quebec romeo".split(" ");

/** The conversation every search below runs over: [direction, peer, text], one second apart, oldest first. */
const MESSAGES: ["out" | "in", "bob" | "carol", string][] = [
  ["out", "bob", "Un café crème, s'il vous plaît"],
  ["in", "bob", "CAFE NOIR for me"],
  ["in", "carol", "the cafeteria is closed"],
  ["out", "carol", "これは日本語のテキストです"],
  ["in", "bob", "東京で会いましょう 🎉"],
  ["out", "bob", "I am 100% sure"],
  ["in", "carol", "1000 things to do"],
  ["out", "carol", "snake case is under_score"],
  ["in", "bob", "underXscore is not it"],
  ["out", "bob", "'; DROP TABLE sender; --"],
  ["in", "carol", 'she said " OR 1=1 again'],
  ["out", "bob", "NEAR(a b) is FTS syntax"],
  ["in", "bob", "a* -b (c) all literal"],
  ["out", "carol", "ok see you"],
  ["in", "carol", "a good book"],
  ["out", "bob", "hello world"],
  ["in", "bob", "hello, world"],
  ["out", "carol", "the world says hello"],
  ["in", "bob", "50% off, price_list attached"],
  ["out", "bob", "fill in the _ please"],
  ["in", "bob", "party 🎉🎉 tonight"],
  ["out", "carol", "Ελληνικά: ΟΔΟΣ"],
  ["in", "carol", "Straße und Страна"],
  ["out", "bob", "saved in C:\\temp\\new"],
  ["in", "carol", ALPHABET.join(" ")],
];

async function writeConversation(store: Store): Promise<void> {
  await store.addContact({ name: "bob", host: "127.0.0.1", port: 20001, peerId: BOB });
  await store.addContact({ name: "carol", host: "127.0.0.1", port: 20002, peerId: CAROL });
  // Out and in in separate batches, as the node writes them: search orders by time, not by table.
  const at = (i: number) => T + (i + 1) * 1000;
  await store.write({ outgoing: MESSAGES.flatMap(([d, p, x], i) => (d === "out" ? [outgoing(p, x, at(i))] : [])), at: T });
  await store.write({ incoming: MESSAGES.flatMap(([d, p, x], i) => (d === "in" ? [incoming(p, x, at(i))] : [])), at: T });
}

for (const dialect of dialects) {
  describe(`search on ${dialect}`, () => {
    let db: TestDb;
    let store: Store;
    beforeAll(async () => {
      db = await createTestDb(dialect);
      store = await openStore(parseDbUrl(db.url));
      await writeConversation(store);
    });
    afterAll(async () => {
      await store.close();
      await db[Symbol.asyncDispose]();
    });

    const texts = async (text: string, opts: { peer?: string; limit?: number } = {}) =>
      (await store.search({ text, peer: opts.peer, limit: opts.limit ?? 50 })).map((e) => e.text);

    // [what, query, expected texts newest first]
    const cases: [string, string, string[]][] = [
      ["a word, without case or accents", "cafe", ["CAFE NOIR for me", "Un café crème, s'il vous plaît"]],
      ["an accented word finds the bare one", "café", ["CAFE NOIR for me", "Un café crème, s'il vous plaît"]],
      ["capitals with an accent", "CAFÉ", ["CAFE NOIR for me", "Un café crème, s'il vous plaît"]],
      ["a word inside a longer one is not that word", "cafet", []],
      ["a word after punctuation", "creme", ["Un café crème, s'il vous plaît"]],
      ["two words, both required, anywhere", "world hello", ["the world says hello", "hello, world", "hello world"]],
      ["a quoted phrase: those words, in that order, next to each other", '"hello world"', ["hello world"]],
      ["a phrase and a word", '"hello world" hello', ["hello world"]],
      ["a stopword (MySQL's list) and a 2-letter word", "the", ["fill in the _ please", "the world says hello", "the cafeteria is closed"]],
      ["a 2-letter word, not inside other words", "ok", ["ok see you"]],
      ["Japanese by a substring", "日本語", ["これは日本語のテキストです"]],
      ["Japanese by two characters", "日本", ["これは日本語のテキストです"]],
      ["Japanese by one character", "京", ["東京で会いましょう 🎉"]],
      ["Japanese at the end of the text", "テキストです", ["これは日本語のテキストです"]],
      ["an emoji", "🎉", ["party 🎉🎉 tonight", "東京で会いましょう 🎉"]],
      ["Greek without case", "οδος", ["Ελληνικά: ΟΔΟΣ"]],
      ["Cyrillic without case", "СТРАНА", ["Straße und Страна"]],
      ["100% is not 1000", "100%", ["I am 100% sure"]],
      ["1000 is not 100%", "1000", ["1000 things to do"]],
      ["% is a character, not a wildcard", "%", ["50% off, price_list attached", "I am 100% sure"]],
      ["under_score is not underXscore", "under_score", ["snake case is under_score"]],
      ["_ is a character, not a wildcard (and part of a word)", "_", ["fill in the _ please"]],
      ["SQL in the text is text", "'; DROP TABLE sender; --", ["'; DROP TABLE sender; --"]],
      ["a lone double quote is a character", '" OR 1=1', ['she said " OR 1=1 again']],
      ["FTS5 NEAR is text", "NEAR(a b)", ["NEAR(a b) is FTS syntax"]],
      ["prefix star, minus, parentheses are text", "a* -b (c)", ["a* -b (c) all literal"]],
      ["a minus is not NOT", "-b", ["a* -b (c) all literal"]],
      ["a backslash is a character, not an escape", "C:\\temp", ["saved in C:\\temp\\new"]],
      ["a word that is nowhere", "zanzibar", []],
      ["every word must be there", "cafe zanzibar", []],
    ];
    for (const [what, query, expected] of cases) {
      test(`${what}: ${query}`, async () => {
        expect(await texts(query)).toEqual(expected);
      });
    }

    test("the tables survive SQL-shaped searches", async () => {
      for (const q of ["'; DROP TABLE sender; --", "x'); DELETE FROM receiver; --", "\\", "' OR '1'='1", "%' OR 1=1 -- ", "\"\"\"", "*", "(", "^x", "col:x", "x AND y OR z NOT w"]) {
        await store.search({ text: q, limit: 50 });
      }
      expect(await store.history({ limit: 100 })).toHaveLength(MESSAGES.length);
    });

    test("entries carry id, direction, peer, status, time written and received, newest first across both tables", async () => {
      const all = await store.search({ text: "🎉", limit: 50 });
      // time: when written (the sender's clock, 5 ms before arrival here); received: when it arrived.
      expect(all.map((e) => [e.direction, e.peer, e.status, e.time, e.received])).toEqual([
        ["in", "bob", "received", T + 21_000 - 5, T + 21_000],
        ["in", "bob", "received", T + 5_000 - 5, T + 5_000],
      ]);
      const mixed = await store.search({ text: "world", limit: 50 });
      expect(mixed.map((e) => [e.direction, e.time, e.received])).toEqual([
        ["out", T + 18_000, undefined],
        ["in", T + 17_000 - 5, T + 17_000],
        ["out", T + 16_000, undefined],
      ]);
      const byId = await store.history({ limit: 100 });
      for (const e of mixed) expect(byId.find((h) => h.id === e.id)).toEqual(e);
    });

    test("--limit: the newest N", async () => {
      expect(await texts("world", { limit: 1 })).toEqual(["the world says hello"]);
      expect(await texts("world", { limit: 2 })).toEqual(["the world says hello", "hello, world"]);
      expect(await texts("world", { limit: 3 })).toHaveLength(3);
      expect(await texts("world", { limit: 4 })).toHaveLength(3);
      expect(await texts("world", { limit: 0 })).toEqual([]);
    });

    test("--with: one contact's messages only", async () => {
      expect(await texts("cafe", { peer: "bob" })).toEqual(["CAFE NOIR for me", "Un café crème, s'il vous plaît"]);
      expect(await texts("cafe", { peer: "carol" })).toEqual([]);
      expect(await texts("world", { peer: "carol" })).toEqual(["the world says hello"]);
      expect(await texts("world", { peer: "nobody" })).toEqual([]);
    });

    test("more terms than the SQL narrows by are all still required", async () => {
      expect(await texts(ALPHABET.join(" "))).toEqual([ALPHABET.join(" ")]);
      expect(await texts(`${ALPHABET.join(" ")} zulu`)).toEqual([]);
      expect(await texts(`${ALPHABET.join(" ")} "romeo alpha"`)).toEqual([]);
      expect(await texts(`${ALPHABET.join(" ")} "quebec romeo"`)).toEqual([ALPHABET.join(" ")]);
    });

    test("nothing to search for is no result", async () => {
      expect(await texts("")).toEqual([]);
      expect(await texts("   ")).toEqual([]);
      expect(await texts('""')).toEqual([]);
    });
  });

  describe(`search on ${dialect}, with its own database`, () => {
    async function withStore<T>(fn: (store: Store, db: TestDb) => Promise<T>): Promise<T> {
      await using db = await createTestDb(dialect);
      const store = await openStore(parseDbUrl(db.url));
      try {
        return await fn(store, db);
      } finally {
        await store.close();
      }
    }

    test("finds the newest matches behind many near misses", async () => {
      await withStore(async (store) => {
        // Both dialects' indexes let "hello, world" through for the phrase and "book" for "ok" (MySQL): the check after them must page on.
        const t = T;
        const old = [outgoing("bob", "hello world", t), outgoing("bob", "ok then", t + 1), outgoing("bob", "hello   world ok", t + 2)];
        const misses = Array.from({ length: 600 }, (_, i) => outgoing("bob", i % 2 ? "hello, world" : "a good book", t + 10 + i));
        await store.write({ outgoing: [...old, ...misses], at: t });
        expect((await store.search({ text: '"hello world"', limit: 2 })).map((e) => e.text)).toEqual(["hello   world ok", "hello world"]);
        expect((await store.search({ text: "ok", limit: 5 })).map((e) => e.text)).toEqual(["hello   world ok", "ok then"]);
      });
    });

    test("edits and deletions reach the index", async () => {
      await withStore(async (store, db) => {
        await store.write({ outgoing: [outgoing("bob", "first draft", T), outgoing("bob", "keep this", T + 1)], at: T });
        await store.write({ incoming: [incoming("bob", "日本語で返事します", T + 2)], at: T });
        await db.admin`UPDATE sender SET message = ${"second version"} WHERE message = ${"first draft"}`;
        await db.admin`DELETE FROM receiver`;
        expect((await store.search({ text: "draft", limit: 10 })).map((e) => e.text)).toEqual([]);
        expect((await store.search({ text: "version", limit: 10 })).map((e) => e.text)).toEqual(["second version"]);
        expect((await store.search({ text: "日本語", limit: 10 })).map((e) => e.text)).toEqual([]);
        expect((await store.search({ text: "keep", limit: 10 })).map((e) => e.text)).toEqual(["keep this"]);
      });
    });

    test("rows the original program wrote are found, with their times and peers", async () => {
      await using db = await createTestDb(dialect);
      const userTable = await createOriginalTables(db);
      await db.admin.unsafe(`INSERT INTO ${userTable} (name, ip, port) VALUES ('bob', '192.168.1.20', '20001')`);
      await db.admin.unsafe(
        `INSERT INTO sender (ip, port, name, message, status, time) VALUES
          ('192.168.1.20', '20001', 'bob', 'hi bob, café?', 'sent', '2023/05/01 10:00:00'),
          ('192.168.1.20', '20001', 'bob', 'are you there?', 'pending', '2023/05/01 10:02:00')`,
      );
      await db.admin.unsafe(
        `INSERT INTO receiver (ip, port, name, message, status, time) VALUES
          ('192.168.1.20', '20001', 'bob', 'hello alice, cafe sounds good', 'received', '2023/05/01 10:01:00'),
          ('192.168.1.40', '20001', NULL, 'who is this? 日本語', 'received', '2023/05/01 09:00:00')`,
      );
      const store = await openStore(parseDbUrl(db.url));
      try {
        const cafe = await store.search({ text: "CAFE", limit: 50 });
        expect(cafe.map((e) => [e.direction, e.peer, e.text, e.status, e.time])).toEqual([
          ["in", "bob", "hello alice, cafe sounds good", "received", new Date(2023, 4, 1, 10, 1, 0).getTime()],
          ["out", "bob", "hi bob, café?", "sent", new Date(2023, 4, 1, 10, 0, 0).getTime()],
        ]);
        expect((await store.search({ text: "日本語", limit: 50 })).map((e) => [e.peer, e.text])).toEqual([["192.168.1.40:20001", "who is this? 日本語"]]);
        expect((await store.search({ text: "there", peer: "bob", limit: 50 })).map((e) => e.text)).toEqual(["are you there?"]);
        // And what p2pchat writes next is found beside them.
        await store.write({ outgoing: [outgoing("bob", "café again", Date.now())], at: Date.now() });
        expect((await store.search({ text: "cafe", limit: 1 })).map((e) => e.text)).toEqual(["café again"]);
      } finally {
        await store.close();
      }
    });

    test("history pages: the first page, before the oldest is empty, since", async () => {
      await withStore(async (store) => {
        const msgs = Array.from({ length: 7 }, (_, i) => outgoing("bob", `m${i}`, T + i * 10));
        await store.write({ outgoing: msgs.slice(0, 4), at: T });
        // Two at the same ms as m3, one each way: in sorts before out.
        await store.write({ incoming: [incoming("bob", "i3", T + 30)], at: T });
        await store.write({ outgoing: msgs.slice(4), at: T });
        const page = (q: { limit: number; before?: string; since?: number; peer?: string }) => store.history(q).then((h) => h.map((e) => e.text));
        expect(await page({ peer: "bob", limit: 3 })).toEqual(["m4", "m5", "m6"]);
        const first = await store.history({ peer: "bob", limit: 3 });
        const second = await store.history({ peer: "bob", limit: 3, before: first[0]!.id });
        expect(second.map((e) => e.text)).toEqual(["m2", "i3", "m3"]);
        expect(await page({ peer: "bob", limit: 3, before: second[0]!.id })).toEqual(["m0", "m1"]);
        expect(await page({ limit: 3, before: second[1]!.id })).toEqual(["m0", "m1", "m2"]);
        expect(await page({ limit: 1, before: second[2]!.id })).toEqual(["i3"]);
        const oldest = (await store.history({ limit: 1, before: second[0]!.id, peer: "bob" }))[0]!;
        expect(oldest.text).toBe("m1");
        const m0 = (await store.history({ limit: 50 }))[0]!;
        expect(await store.history({ limit: 50, before: m0.id })).toEqual([]);
        expect(await page({ limit: 50, since: T + 30 })).toEqual(["i3", "m3", "m4", "m5", "m6"]);
        expect(await page({ limit: 2, since: T + 30 })).toEqual(["m5", "m6"]);
        expect(await page({ limit: 50, since: T + 61 })).toEqual([]);
        expect(await page({ limit: 50, since: T + 30, before: second[2]!.id })).toEqual(["i3"]);
      });
    });
  });
}
