// Lines far over the message limit, piped to chat or given to send: refused
// at once (exit 2), naming the line, whether a serve runs or not. And a
// control request larger than the socket takes at once still goes out whole.
import { describe, expect, test, setDefaultTimeout } from "bun:test";
import { ControlClient } from "../../src/control/client.ts";
import { introduce, makeUser } from "../helpers/serve.ts";

setDefaultTimeout(60_000);

const LIMIT = "a message has at most 65536 bytes of UTF-8 (64 KiB)";

describe("large input", () => {
  test("a 700 KB or 1 MiB line piped to chat is refused with exit 2, naming the line, with a serve running or not", async () => {
    await using alice = await makeUser("alice");
    await using bob = await makeUser("bob");
    await introduce(alice, bob);
    const lines = (big: string) => `first line\n${big}\nthird line\n`;
    const cases = [
      ["x".repeat(700_000), "more than 262144 bytes"],
      ["é".repeat(512 * 1024), "more than 262144 bytes"], // 1 MiB of UTF-8
      ["y".repeat(100_000), "100000 bytes"],
    ] as const;
    const serve = await alice.serve();
    for (const attached of [true, false]) {
      if (!attached) expect(await serve.stop()).toBe(0);
      for (const [big, size] of cases) {
        const r = await alice.cli(["chat", "bob", "--wait", "0"], { stdin: lines(big) });
        expect({ attached, ...r }).toEqual({
          attached,
          exitCode: 2,
          stdout: "",
          stderr: `p2pchat: error: line 2 is too long: ${LIMIT}, this has ${size}; nothing from this line on was sent\n`,
        });
      }
    }
    // Line 1 went each time (6 runs); nothing after the long line did.
    const history = await alice.cli(["history", "bob", "--json"]);
    const texts = (JSON.parse(history.stdout) as { text: string }[]).map((e) => e.text);
    expect(texts).toEqual(Array(6).fill("first line"));
  });

  test("send with 500 KB of words is refused with exit 2, with a serve running or not", async () => {
    await using alice = await makeUser("alice");
    await using bob = await makeUser("bob");
    await introduce(alice, bob);
    const words = Array.from({ length: 5 }, () => "z".repeat(100_000));
    const want = { exitCode: 2, stdout: "", stderr: `p2pchat: error: the message is too long: ${LIMIT}, this has 500004 bytes\n` };
    const serve = await alice.serve();
    expect(await alice.cli(["send", "bob", ...words])).toEqual(want);
    await serve.stop();
    expect(await alice.cli(["send", "bob", ...words])).toEqual(want);
  });

  test("a control request larger than the socket buffer goes out in parts and is answered", async () => {
    await using alice = await makeUser("alice");
    await alice.serve();
    const client = await ControlClient.connect(alice.home);
    expect(client).not.toBeNull();
    try {
      // About 900 KB of JSON on one line: more than a unix socket takes at once.
      const ids = Array.from({ length: 24_000 }, () => Bun.randomUUIDv7());
      const statuses = await client!.statusOf(ids);
      expect(Object.keys(statuses).length).toBeLessThanOrEqual(ids.length);
      expect((await client!.status()).name).toBe("alice");
    } finally {
      await client!.close();
    }
  });
});
