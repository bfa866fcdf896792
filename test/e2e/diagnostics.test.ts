// "Why, not just pending": when delivery fails, send, piped chat and status
// say why in words (connection refused, identity changed, blocked), and
// `contacts set` mends an address without losing anything.
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { freePort, introduce, makeUser } from "../helpers/serve.ts";
import { pollUntil } from "../helpers/wait.ts";

setDefaultTimeout(90_000);

describe("why a message waits", () => {
  test("a wrong port: send names the refused address; status --json has the contact's state and last error; contacts set fixes it", async () => {
    await using alice = await makeUser("alice");
    await using carol = await makeUser("carol");
    const wrong = await freePort();
    expect((await alice.cli(["contacts", "add", "carol", `127.0.0.1:${wrong}`, "--id", carol.peerId])).exitCode).toBe(0);
    const r = await alice.cli(["send", "carol", "x", "--wait", "2"]);
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toContain(`connection refused at 127.0.0.1:${wrong}`);
    expect(r.stderr).toStartWith("p2pchat: still pending after 2 s: this message to carol waits. ");
    const again = await alice.cli(["send", "carol", "x2", "--wait", "1"]);
    expect(again.stderr).toStartWith("p2pchat: still pending after 1 s: this message to carol waits (with 1 written before it). ");

    await alice.serve();
    await alice.cli(["send", "carol", "y", "--no-wait"]);
    const carolState = await pollUntil(
      async () => JSON.parse((await alice.cli(["status", "--json"])).stdout).contacts.find((c: { name: string }) => c.name === "carol") as Record<string, unknown> | undefined,
      (c) => Boolean(c?.lastError),
      "a last error for carol",
      { timeoutMs: 10_000, everyMs: 100 },
    );
    expect(carolState).toMatchObject({ name: "carol", pending: 3, lastError: `connection refused at 127.0.0.1:${wrong}` });
    expect(["waiting", "dialing"]).toContain(carolState!.state as string);
    expect(Object.keys(carolState!).sort()).toEqual(expect.arrayContaining(["name", "state", "lastSeen", "lastError", "nextRetryAt", "pending"]));
    const text = (await alice.cli(["status"])).stdout;
    expect(text).toMatch(/carol\s+(waiting to retry in \d+ s|dialing 127\.0\.0\.1:\d+)\s+3 pending\s+last error: connection refused at 127\.0\.0\.1:\d+/);

    // The right address: both messages go, history and identity intact.
    await introduce(carol, alice).catch(() => {}); // carol knows alice
    await carol.serve();
    const set = await alice.cli(["contacts", "set", "carol", "--address", `127.0.0.1:${carol.port}`]);
    expect(set.stdout).toBe(`carol is at 127.0.0.1:${carol.port}\n`);
    const delivered = await alice.cli(["send", "carol", "z"]);
    expect(delivered.exitCode).toBe(0);
    const h = JSON.parse((await alice.cli(["history", "carol", "--json"])).stdout);
    expect(h.map((e: { text: string; status: string }) => [e.text, e.status])).toEqual([
      ["x", "delivered"],
      ["x2", "delivered"],
      ["y", "delivered"],
      ["z", "delivered"],
    ]);
  });

  test("another certificate at a pinned contact's address: send says the identity changed and how to re-pin", async () => {
    await using alice = await makeUser("alice");
    await using bob = await makeUser("bob");
    await using mallory = await makeUser("mallory");
    expect((await alice.cli(["contacts", "add", "bob", `127.0.0.1:${mallory.port}`, "--id", bob.peerId])).exitCode).toBe(0);
    await mallory.serve();
    const r = await alice.cli(["send", "bob", "for bob only", "--wait", "3"]);
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toContain("bob's identity changed, so nothing is delivered");
    expect(r.stderr).toContain(`p2pchat contacts pin bob ${mallory.peerId}`);
  });

  test("a blocked contact: send stores the message and says why it cannot go", async () => {
    await using alice = await makeUser("alice");
    await using bob = await makeUser("bob");
    await introduce(alice, bob);
    await alice.cli(["contacts", "block", "bob"]);
    const r = await alice.cli(["send", "bob", "hello?", "--wait", "1"]);
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toContain("bob is blocked: nothing goes to them until `p2pchat contacts unblock bob`");
    const queued = await alice.cli(["send", "bob", "later?", "--no-wait"]);
    expect(queued.exitCode).toBe(0);
    expect(queued.stdout).toMatch(/^queued for bob \([0-9a-f-]{36}\), but it cannot go now: bob is blocked: nothing goes to them until `p2pchat contacts unblock bob`\n$/);
  });

  test("renaming from the command line keeps the conversation", async () => {
    await using alice = await makeUser("alice");
    await using bob = await makeUser("bob");
    await introduce(alice, bob);
    await bob.serve();
    expect((await alice.cli(["send", "bob", "hi"])).exitCode).toBe(0);
    const r = await alice.cli(["contacts", "set", "bob", "--rename", "robert"]);
    expect(r.stdout).toBe("renamed bob to robert\n");
    const h = JSON.parse((await alice.cli(["history", "robert", "--json"])).stdout);
    expect(h.map((e: { peer: string; text: string }) => [e.peer, e.text])).toEqual([["robert", "hi"]]);
    expect((await alice.cli(["send", "robert", "again"])).exitCode).toBe(0);
    const none = await alice.cli(["contacts", "set", "bob", "--rename", "x"]);
    expect(none.exitCode).toBe(2);
  });
});
