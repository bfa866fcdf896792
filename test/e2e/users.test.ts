// Three people at once, each with a home and a node of their own, as they
// would use p2pchat: one hides while the others write to her, then shows
// herself and everything pending goes both ways; piped chat; history and
// search afterwards. Runs the compiled binary when P2PCHAT_BIN is set.
import { expect, setDefaultTimeout, test } from "bun:test";
import { introduce, makeUser, type User } from "../helpers/serve.ts";
import { eventually as poll } from "../helpers/wait.ts";

setDefaultTimeout(90_000);

interface Entry {
  id: string;
  direction: "in" | "out";
  peer: string;
  text: string;
  status: string;
  time: number;
}

async function history(user: User, args: string[] = []): Promise<Entry[]> {
  const r = await user.cli(["history", ...args, "--json", "--limit", "1000"]);
  expect(r.exitCode).toBe(0);
  return JSON.parse(r.stdout);
}

/** Polls what `history` says (the serves' databases: no event reaches the test from there). */
const eventually = (check: () => Promise<boolean>, what: string, ms = 30_000) => poll(check, what, ms, 100);

test("hidden -> pending -> discoverable -> delivered, among three users at once; then history and search", async () => {
  await using alice = await makeUser("alice");
  await using bob = await makeUser("bob");
  await using carol = await makeUser("carol");
  await introduce(alice, bob);
  await introduce(alice, carol);
  await introduce(bob, carol);

  const aliceServe = await alice.serve(["--hidden"]);
  const bobServe = await bob.serve();
  const carolServe = await carol.serve();

  // Alice is hidden: what she writes waits in her outbox...
  for (const to of ["bob", "carol"]) {
    const r = await alice.cli(["send", to, `hi ${to}, from hiding`, "--no-wait"]);
    expect(r.exitCode).toBe(0);
  }
  // ...and what they write to her waits in theirs: send gives up after its wait, exit 3.
  const [fromBob, fromCarol] = await Promise.all([bob.cli(["send", "alice", "are you there?", "--wait", "1"]), carol.cli(["send", "alice", "ping from carol", "--wait", "1"])]);
  expect([fromBob.exitCode, fromCarol.exitCode]).toEqual([3, 3]);
  expect(fromBob.stderr).toContain("pending");
  expect((await history(alice)).map((e) => [e.peer, e.status])).toEqual([
    ["bob", "pending"],
    ["carol", "pending"],
  ]);
  expect((await history(bob, ["alice"])).map((e) => e.status)).toEqual(["pending"]);
  const status = JSON.parse((await bob.cli(["status", "--json"])).stdout);
  expect(status.pending).toEqual([expect.objectContaining({ peer: "alice", pending: 1 })]);
  // alice's node started no dial with them (a send starts its dial before it returns): no link, no dial, no error.
  const hers = JSON.parse((await alice.cli(["status", "--json"])).stdout);
  const states = hers.contacts.map((c: { name: string; state: string; address: string | null; lastError: string | null; pending: number }) => [c.name, c.state, c.address, c.lastError, c.pending]);
  expect({ links: hers.links, states }).toEqual({ links: [], states: [["bob", "hidden", null, null, 1], ["carol", "hidden", null, null, 1]] });
  expect(bobServe.stdout()).not.toContain("from hiding");

  // Meanwhile bob and carol chat through a pipe, unaffected.
  const piped = await carol.cli(["chat", "bob"], { stdin: "one\ntwo\nthree\n" });
  expect(piped.exitCode).toBe(0);
  await bobServe.waitFor(/carol: three/);

  // Alice shows herself: everything pending goes, both ways, with nothing else to do.
  expect((await alice.cli(["discoverable", "on"])).exitCode).toBe(0);
  await aliceServe.waitFor(/bob: are you there\?/);
  await aliceServe.waitFor(/carol: ping from carol/);
  await bobServe.waitFor(/alice: hi bob, from hiding/);
  await carolServe.waitFor(/alice: hi carol, from hiding/);
  await eventually(async () => (await history(alice)).filter((e) => e.direction === "out").every((e) => e.status === "delivered"), "alice's messages delivered");
  await eventually(async () => (await history(bob, ["alice"])).every((e) => e.direction === "in" || e.status === "delivered"), "bob's message delivered");

  // Each message once, in both users' tables.
  const all = await history(alice);
  expect(all.map((e) => `${e.direction} ${e.peer}: ${e.text}`).sort()).toEqual(
    ["in bob: are you there?", "in carol: ping from carol", "out bob: hi bob, from hiding", "out carol: hi carol, from hiding"].sort(),
  );
  expect((await history(bob, ["carol"])).map((e) => e.text)).toEqual(["one", "two", "three"]);

  // Search afterwards, across conversations and in one.
  const found = JSON.parse((await alice.cli(["search", "from", "--json"])).stdout) as Entry[];
  expect(found.map((e) => e.text).sort()).toEqual(["hi bob, from hiding", "hi carol, from hiding", "ping from carol"].sort());
  const withCarol = JSON.parse((await alice.cli(["search", "from", "--with", "carol", "--json"])).stdout) as Entry[];
  expect(withCarol.map((e) => e.peer)).toEqual(["carol", "carol"]);

  for (const s of [aliceServe, bobServe, carolServe]) expect(await s.stop()).toBe(0);
});
