// A group with a contact whose node never linked with ours (added by id,
// not from an invite): its group key is unknown, yet the group is made and
// the contact added; it waits for its key, through a restart of our node,
// and joins (the add signed and synced) when its node first links, then
// catches up as any member does.
import { expect, setDefaultTimeout, test } from "bun:test";
import { introduce, makeUser, type User } from "../helpers/serve.ts";
import { pollUntil } from "../helpers/wait.ts";

setDefaultTimeout(90_000);

type Member = { name: string; key: string; state: string };
const members = async (u: User, group: string): Promise<Member[]> => JSON.parse((await u.cli(["group", "members", group, "--json"])).stdout);
const states = async (u: User, group: string) => (await members(u, group)).map((m) => `${m.name} ${m.state}`).join(", ");

/** Polls `what` until it equals `want` (membership lives in the database and the serve's memory: no event to wait on from outside). */
async function until(what: () => Promise<string>, want: string, timeoutMs = 20_000): Promise<void> {
  await pollUntil(what, (got) => got === want, JSON.stringify(want), { timeoutMs, everyMs: 100 });
}

test("group create and group add with a contact whose node never linked with ours: it waits for its key, through a restart, then joins and catches up", async () => {
  await using alice = await makeUser("alice");
  await using bob = await makeUser("bob");
  await using carol = await makeUser("carol");
  await introduce(alice, bob);
  await introduce(alice, carol); // by id; carol's node is not running
  let aliceServe = await alice.serve();
  const bobServe = await bob.serve();

  const created = await alice.cli(["group", "create", "team", "--with", "bob", "carol"]);
  expect(created).toMatchObject({ exitCode: 0, stderr: "" });
  // bob's key may be on its way too; carol's cannot be.
  expect(created.stdout).toMatch(/^created #team with bob, carol: 3 members; (bob, )?carol joins? once (its node links|their nodes link) with yours \((its group key is|their group keys are) not known yet\)\n$/);
  await bobServe.waitFor(/^\* you were added to #team$/);
  await until(() => states(alice, "#team"), "alice member, bob member, carol waiting");
  const waiting = (await members(alice, "#team")).find((m) => m.name === "carol")!;
  expect(waiting).toMatchObject({ name: "carol", key: "", state: "waiting", role: "member", you: false, messages: 0 });
  expect((await alice.cli(["group", "members", "#team"])).stdout).toMatch(/\ncarol\s+member\s+waiting for its key\s+0\s+\S+\n$/);
  expect(JSON.parse((await alice.cli(["group", "list", "--json"])).stdout)).toMatchObject([{ name: "#team", members: 2, waiting: ["carol"] }]);

  // group add: the same for a group made without her.
  expect((await alice.cli(["group", "create", "later", "--with", "bob"])).exitCode).toBe(0);
  await bobServe.waitFor(/^\* you were added to #later$/);
  const added = await alice.cli(["group", "add", "#later", "carol"]);
  expect(added).toMatchObject({ exitCode: 0, stderr: "", stdout: "carol joins #later once its node links with yours (its group key is not known yet); it then gets what was written there\n" });
  const twice = await alice.cli(["group", "add", "#later", "carol"]);
  expect(twice.exitCode).toBe(2);
  expect(twice.stderr).toContain("carol waits to join #later already");
  // A waiting add the creator withdraws is never made.
  expect((await alice.cli(["group", "create", "gone", "--with", "carol"])).exitCode).toBe(0);
  expect((await alice.cli(["group", "remove", "#gone", "carol"])).stdout).toBe("carol will not join #gone: its waiting add is withdrawn\n");

  const sent = await alice.cli(["send", "#team", "written before carol joined"]);
  expect(sent).toMatchObject({ exitCode: 0, stderr: "" });
  await bobServe.waitFor(/#team alice: written before carol joined$/);

  // alice's node restarts before carol's ever runs: the waiting adds are kept.
  expect(await aliceServe.stop()).toBe(0);
  aliceServe = await alice.serve();
  await until(() => states(alice, "#team"), "alice member, bob member, carol waiting");
  await until(() => states(alice, "#later"), "alice member, bob member, carol waiting");

  // carol's node runs for the first time: it links with alice's, which proves its key; both adds are written.
  const carolServe = await carol.serve();
  await carolServe.waitFor(/^\* you were added to #team$/);
  await carolServe.waitFor(/^\* you were added to #later$/);
  await until(() => states(alice, "#team"), "alice member, bob member, carol member");
  expect(await states(alice, "#gone")).toBe("alice member");
  await until(() => states(bob, "#team"), "alice member, bob member, carol member");
  const carolKey = (await members(alice, "#team")).find((m) => m.name === "carol")!.key;
  expect(carolKey).toMatch(/^[0-9a-f]{64}$/);

  // She catches up on what was written before, and what she writes reaches bob (not her contact) through alice.
  await until(async () => JSON.parse((await carol.cli(["history", "#team", "--json"])).stdout).filter((e: { event?: boolean }) => !e.event).map((e: { author: string; text: string }) => `${e.author}: ${e.text}`).join("|"), "alice: written before carol joined");
  const events = JSON.parse((await carol.cli(["history", "#team", "--json"])).stdout).filter((e: { event?: boolean }) => e.event).map((e: { author: string; text: string }) => `${e.author} ${e.text}`);
  expect(events).toEqual(['alice created the group "team"', "alice added bob", "alice added carol"]);
  expect((await carol.cli(["send", "#team", "hello from carol"])).exitCode).toBe(0);
  await bobServe.waitFor(/#team carol: hello from carol$/);
});
