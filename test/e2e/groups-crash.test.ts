// kill -9 of group members in the middle of a catch-up: the member catching
// up, and then the member it catches up from. After restarts every message
// sits exactly once in the returning member's database, shown in its
// author's order, and nothing is lost.
import { expect, setDefaultTimeout, test } from "bun:test";
import { SQL } from "bun";
import { join } from "node:path";
import { introduce, makeUser, said, type ServeProcess, type User } from "../helpers/serve.ts";
import { eventually } from "../helpers/wait.ts";

setDefaultTimeout(120_000);

const N = 3000;
const text = (who: string, i: number) => `${who}${String(i).padStart(5, "0")}`;

async function query<T>(user: User, fn: (db: SQL) => Promise<T>): Promise<T> {
  const db = new SQL({ adapter: "sqlite", filename: join(user.home, "p2pchat.db"), readonly: true });
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

/** Text messages of the group a user holds: [body, author, seq, pos] in display order (unshown last). */
const texts = (user: User) =>
  query(user, async (db) => {
    const rows: { body: string; author: string; aseq: number; pos: number | null }[] = await db`SELECT body, author, aseq, pos FROM group_message WHERE kind = 0 ORDER BY pos IS NULL, pos, seq`;
    return rows;
  });

/** Polls a database another process writes (no event reaches the test from there). */
const until = (fn: () => Promise<boolean>, what: string, timeoutMs = 90_000) => eventually(fn, what, timeoutMs);

/** Three members; bob is away while alice and carol each write N messages. */
async function setup(alice: User, bob: User, carol: User) {
  for (const [x, y] of [[alice, bob], [alice, carol], [bob, carol]] as const) await introduce(x, y);
  const aliceServe = await alice.serve();
  const bobServe = await bob.serve();
  const carolServe = await carol.serve();
  await until(async () => (await alice.cli(["group", "create", "club", "--with", "bob", "carol"])).exitCode === 0, "alice knows both keys");
  await bobServe.waitFor(/you were added to #club/);
  await carolServe.waitFor(/you were added to #club/);
  expect(await bobServe.stop()).toBe(0);
  let a = "";
  let c = "";
  for (let i = 0; i < N; i++) {
    a += `@#club ${text("a", i)}\n`;
    c += `@#club ${text("c", i)}\n`;
  }
  aliceServe.proc.stdin.write(a);
  aliceServe.proc.stdin.flush();
  carolServe.proc.stdin.write(c);
  carolServe.proc.stdin.flush();
  for (const u of [alice, carol]) await until(async () => (await texts(u)).length === 2 * N, `${u.name} holds all ${2 * N}`);
  return { aliceServe, carolServe, startBob: () => bob.serve() };
}

async function expectAllOnceInOrder(bob: User, alice: User, carol: User): Promise<void> {
  await until(async () => (await texts(bob)).filter((r) => r.pos !== null).length === 2 * N, "bob shows all", 90_000);
  const rows = await texts(bob);
  expect(rows).toHaveLength(2 * N);
  expect(new Set(rows.map((r) => `${r.author} ${r.aseq}`)).size).toBe(2 * N);
  for (const [who, user] of [["a", alice], ["c", carol]] as const) {
    const key = (await query(user, (db) => db`SELECT self_key FROM chat_group`))[0].self_key as string;
    const mine = rows.filter((r) => r.author === key).map((r) => r.body);
    expect(mine).toEqual(Array.from({ length: N }, (_, i) => text(who, i)));
  }
}

const killAt = () => 100 + Math.floor(Math.random() * 1500);

/** Resolves once a serve printed `n` group messages (the kill follows them, wherever the stream is). */
async function printed(serve: ServeProcess, n: number): Promise<void> {
  await serve.waitForNth(/#club /, n, 90_000);
}

test("kill -9 of the member catching up: after a restart it holds every message once, in its authors' order", async () => {
  await using alice = await makeUser("alice");
  await using bob = await makeUser("bob");
  await using carol = await makeUser("carol");
  const s = await setup(alice, bob, carol);
  const bobServe = await s.startBob();
  await printed(bobServe, killAt());
  bobServe.proc.kill("SIGKILL");
  await bobServe.proc.exited;
  const atKill = (await texts(bob)).length;
  expect(atKill).toBeLessThan(2 * N);
  await s.startBob();
  await said(`bob was killed with ${atKill} of ${2 * N} stored`, expectAllOnceInOrder(bob, alice, carol));
});

test("kill -9 of the member it catches up from (the only one online): after its restart nothing is lost or doubled", async () => {
  await using alice = await makeUser("alice");
  await using bob = await makeUser("bob");
  await using carol = await makeUser("carol");
  const s = await setup(alice, bob, carol);
  // alice goes away: bob gets everything from carol, alice's messages included.
  expect(await s.aliceServe.stop()).toBe(0);
  await printed(await s.startBob(), killAt());
  s.carolServe.proc.kill("SIGKILL");
  await s.carolServe.proc.exited;
  const atKill = (await texts(bob)).length;
  expect(atKill).toBeLessThan(2 * N);
  // carol's own database survived the kill whole.
  expect((await texts(carol)).length).toBe(2 * N);
  await carol.serve();
  await said(`carol was killed with bob holding ${atKill} of ${2 * N}`, expectAllOnceInOrder(bob, alice, carol));
});

