// What send '#G' and piped chat '#G' say once they stop waiting: how many
// members hold the messages and who is not linked, not "still pending";
// the words for a group of one and of two.
import { expect, setDefaultTimeout, test } from "bun:test";
import { cliUntilOk as until, introduce, makeUser } from "../helpers/serve.ts";

setDefaultTimeout(60_000);

test("a piped chat to a group with a member offline: delivered to 1 of 2, naming who is not linked; send to groups of one and two", async () => {
  await using alice = await makeUser("alice");
  await using bob = await makeUser("bob");
  await using carol = await makeUser("carol");
  await introduce(alice, bob);
  await introduce(alice, carol);
  await alice.serve();
  const bobServe = await bob.serve();
  const carolServe = await carol.serve();
  await until(alice, ["group", "create", "big", "--with", "bob", "carol"], "alice knows both keys");
  await until(alice, ["group", "create", "pair", "--with", "bob"], "pair");
  await bobServe.waitFor(/^\* you were added to #pair$/);
  await carolServe.waitFor(/^\* you were added to #big$/);
  expect(await carolServe.stop()).toBe(0);

  const lines = Array.from({ length: 50 }, (_, i) => String(i + 1)).join("\n") + "\n";
  const chat = await alice.cli(["chat", "#big", "--wait", "3"], { stdin: lines });
  expect(chat.exitCode).toBe(3);
  expect(chat.stdout).toBe("");
  expect(chat.stderr).toMatch(/^p2pchat: 50 messages delivered to 1 of 2 other members of #big after 3 s; not linked now: carol \([^)]+\); the others get them when they, or a member who has them, are online with a node of yours\n$/);
  await bobServe.waitFor(/#big alice: 50$/);

  const pair = await alice.cli(["send", "#pair", "hi bob"]);
  expect(pair).toMatchObject({ exitCode: 0, stderr: "" });
  expect(pair.stdout).toMatch(/^delivered to the 1 other member of #pair \([0-9a-f-]{36}\)\n$/);
  expect((await alice.cli(["chat", "#pair", "--wait", "10"], { stdin: "one\ntwo\n" })).exitCode).toBe(0);

  expect((await alice.cli(["group", "create", "solo"])).exitCode).toBe(0);
  const solo = await alice.cli(["send", "#solo", "note to self"]);
  expect(solo).toMatchObject({ exitCode: 0, stderr: "" });
  expect(solo.stdout).toMatch(/^only you are in #solo: stored \([0-9a-f-]{36}\)\n$/);
  expect(await alice.cli(["chat", "#solo"], { stdin: "a\nb\n" })).toMatchObject({ exitCode: 0, stdout: "", stderr: "" });
});
