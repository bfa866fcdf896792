// `p2pchat search` as a user runs it, on SQLite and (when configured) MariaDB.
import { describe, expect, test, setDefaultTimeout } from "bun:test";
import { openStore, parseDbUrl } from "../../src/store/open.ts";
import type { PeerId } from "../../src/protocol/peer-id.ts";
import { runCli } from "../helpers/cli.ts";
import { createOriginalTables, createTestDb, dialects, type TestDb } from "../helpers/databases.ts";
import { tempDir } from "../helpers/tmp.ts";

// Processes and TLS links take time on a loaded machine (bun applies a
// preload's default timeout to the first file only, so each file sets it).
setDefaultTimeout(60_000);

const BOB = "BOBBBBB-BOBBBBB-BOBBBBB-BOBBBBB-BOBBBBB-BOBBBBB-BOBBBBB-BOBBBBB" as PeerId;
const T = new Date(2024, 4, 1, 10, 0, 0).getTime();

/** A home for alice whose database holds a short conversation with bob and carol. */
async function conversation(db: TestDb): Promise<string[]> {
  const store = await openStore(parseDbUrl(db.url));
  try {
    await store.addContact({ name: "bob", host: "127.0.0.1", port: 20001, peerId: BOB });
    await store.addContact({ name: "carol", host: "127.0.0.1", port: 20002 });
    const out = (peer: string, body: string, at: number) => ({ id: Bun.randomUUIDv7("hex", at), peer, host: "127.0.0.1", port: 20001, body, created: at });
    const sent = [out("bob", "Un café crème?", T), out("carol", "hello world", T + 120_000), out("bob", "a* -b (c) is literal", T + 180_000)];
    await store.write({ outgoing: sent, at: T });
    await store.write({ delivered: [sent[0]!.id], at: T + 1 });
    await store.write({
      incoming: [
        { id: Bun.randomUUIDv7("hex", T + 60_000), peerId: BOB, peer: "bob", host: "127.0.0.1", port: 20001, body: "CAFE NOIR, 日本語で", created: T + 59_000, received: T + 60_000 },
        { id: Bun.randomUUIDv7("hex", T + 240_000), peerId: BOB, peer: "bob", host: "127.0.0.1", port: 20001, body: "hello, cruel world", created: T + 239_000, received: T + 240_000 },
      ],
      at: T,
    });
    return sent.map((m) => m.id);
  } finally {
    await store.close();
  }
}

for (const dialect of dialects) {
  describe(`search on ${dialect}`, () => {
    async function setup() {
      const home = await tempDir();
      const db = await createTestDb(dialect);
      const init = await runCli(["init", "--name", "alice", "--home", home.path, "--db", db.url]);
      if (init.exitCode !== 0) throw new Error(init.stderr);
      const ids = await conversation(db);
      const where = ["--home", home.path, "--db", db.url];
      // Options go before a `--`: everything after it is text to search for.
      const cli = (args: string[], env?: Record<string, string>) => {
        const dashes = args.indexOf("--");
        return runCli(dashes < 0 ? [...args, ...where] : [...args.slice(0, dashes), ...where, ...args.slice(dashes)], { env });
      };
      return {
        cli,
        ids,
        async [Symbol.asyncDispose]() {
          await db[Symbol.asyncDispose]();
          await home[Symbol.asyncDispose]();
        },
      };
    }

    test("--json: one array of {id, direction, peer, text, status, time, received (in)}, newest first", async () => {
      await using s = await setup();
      const r = await s.cli(["search", "cafe", "--json"]);
      expect([r.stderr, r.exitCode]).toEqual(["", 0]);
      expect(JSON.parse(r.stdout)).toEqual([
        { id: expect.any(String), direction: "in", peer: "bob", text: "CAFE NOIR, 日本語で", status: "received", time: T + 59_000, received: T + 60_000 },
        { id: s.ids[0], direction: "out", peer: "bob", text: "Un café crème?", status: "delivered", time: T },
      ]);
    });

    test("lines on a terminal: dated, the peer named, the status after our own", async () => {
      await using s = await setup();
      const r = await s.cli(["search", "CAFÉ"]);
      expect(r).toEqual({
        // bob wrote it at 10:00:59, it arrived at 10:01: the time shown is when it was written.
        stdout: "[2024-05-01 10:00] bob: CAFE NOIR, 日本語で\n[2024-05-01 10:00] alice → bob: Un café crème?  ✓✓ delivered\n",
        stderr: "",
        exitCode: 0,
      });
      const color = await s.cli(["search", "cafe", "日本"], { FORCE_COLOR: "1", NO_COLOR: "" });
      expect(color.exitCode).toBe(0);
      expect(color.stdout).toContain("\x1b[1m\x1b[31mCAFE\x1b[39m\x1b[22m NOIR, \x1b[1m\x1b[31m日本\x1b[39m\x1b[22m語で");
    });

    test("words on the command line are all required; a quoted phrase keeps its order", async () => {
      await using s = await setup();
      const words = await s.cli(["search", "world", "hello", "--json"]);
      expect(JSON.parse(words.stdout).map((e: { text: string }) => e.text)).toEqual(["hello, cruel world", "hello world"]);
      const phrase = await s.cli(["search", '"hello world"', "--json"]);
      expect(JSON.parse(phrase.stdout).map((e: { text: string }) => e.text)).toEqual(["hello world"]);
    });

    test("--with and --limit", async () => {
      await using s = await setup();
      const bob = await s.cli(["search", "hello", "--with", "bob", "--json"]);
      expect(JSON.parse(bob.stdout).map((e: { text: string }) => e.text)).toEqual(["hello, cruel world"]);
      const one = await s.cli(["search", "hello", "--limit", "1"]);
      expect(one).toEqual({ stdout: "[2024-05-01 10:03] bob: hello, cruel world\n", stderr: "", exitCode: 0 });
    });

    test("what looks like options or syntax is searched for as text (after --)", async () => {
      await using s = await setup();
      const r = await s.cli(["search", "--json", "--", "a*", "-b", "(c)"]);
      expect(JSON.parse(r.stdout).map((e: { id: string }) => e.id)).toEqual([s.ids[2]]);
      const sql = await s.cli(["search", "'; DROP TABLE sender; --", "--json"]);
      expect([sql.stdout, sql.exitCode]).toEqual(["[]\n", 1]);
      expect(JSON.parse((await s.cli(["history", "--json"])).stdout)).toHaveLength(5);
    });

    test("no match: exit 1 as grep, \"no match\" on stderr (--json: an empty array)", async () => {
      await using s = await setup();
      expect(await s.cli(["search", "zanzibar"])).toEqual({ stdout: "", stderr: 'no match for "zanzibar"\n', exitCode: 1 });
      expect(await s.cli(["search", "zanzibar", "--with", "carol", "--json"])).toEqual({ stdout: "[]\n", stderr: 'no match for "zanzibar" with carol\n', exitCode: 1 });
    });

    const bad: [string, string[], RegExp][] = [
      ["empty text", ["search", ""], /^p2pchat: nothing to search for: p2pchat search WORDS\.\.\. \(see `p2pchat search --help`\)\n$/],
      ["only an empty phrase", ["search", '""'], /nothing to search for/],
      ["no text", ["search"], /Missing required positional argument: TEXT/],
      ["a name that is no contact", ["search", "hello", "--with", "nobody"], /"nobody" is not in your contacts/],
      ["a bad --limit", ["search", "hello", "--limit", "0"], /--limit must be a whole number from 1 to 1000000, not "0"/],
      ["an option it does not know", ["search", "hello", "--since", "2h"], /unknown option --since for `p2pchat search`/],
    ];
    for (const [what, args, message] of bad) {
      test(`${what}: one line on stderr, exit 2`, async () => {
        await using s = await setup();
        const r = await s.cli(args);
        expect(r.stderr).toMatch(message);
        expect(r.stderr.trim().split("\n")).toHaveLength(1);
        expect([r.stdout, r.exitCode]).toEqual(["", 2]);
      });
    }

    test("finds rows the original program wrote", async () => {
      await using home = await tempDir();
      await using db = await createTestDb(dialect);
      const user = await createOriginalTables(db);
      await db.admin.unsafe(`INSERT INTO ${user} VALUES ('bob', '192.168.1.20', '20001')`);
      await db.admin.unsafe(`INSERT INTO sender VALUES ('192.168.1.20', '20001', 'bob', 'hi bob', 'sent', '2023/05/01 10:00:00')`);
      await db.admin.unsafe(`INSERT INTO receiver VALUES ('192.168.1.20', '20001', 'bob', 'hello alice, Bob here', 'received', '2023/05/01 10:01:00')`);
      const r = await runCli(["search", "bob", "--json", "--home", home.path, "--db", db.url]);
      expect(r.exitCode).toBe(0);
      expect(JSON.parse(r.stdout).map((e: Record<string, unknown>) => [e.direction, e.peer, e.text, e.status, e.time])).toEqual([
        ["in", "bob", "hello alice, Bob here", "received", new Date(2023, 4, 1, 10, 1, 0).getTime()],
        ["out", "bob", "hi bob", "sent", new Date(2023, 4, 1, 10, 0, 0).getTime()],
      ]);
    });
  });
}

test("--help describes search", async () => {
  const r = await runCli(["search", "--help"]);
  expect(r.exitCode).toBe(0);
  expect(r.stdout).toContain("USAGE p2pchat search [OPTIONS] <TEXT>");
  expect(r.stdout).toContain("--with=<NAME>");
  expect(r.stdout).not.toContain("\x1b[");
});
