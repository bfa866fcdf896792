// kill -9 in the middle of a 10,000-message stream, of the sender and then of
// the receiver: after a restart, each message sits exactly once in the
// receiver's table, in order.
import { expect, test, setDefaultTimeout } from "bun:test";
import { SQL } from "bun";
import { join } from "node:path";
import { introduce, makeUser, said, type ServeProcess, type User } from "../helpers/serve.ts";
import { eventually } from "../helpers/wait.ts";

// Processes and TLS links take time on a loaded machine (bun applies a
// preload's default timeout to the first file only, so each file sets it).
setDefaultTimeout(60_000);

const N = 10_000;
const text = (i: number) => `m${String(i).padStart(5, "0")}`;

async function count(user: User, query: string): Promise<number> {
  const db = new SQL({ adapter: "sqlite", filename: join(user.home, "p2pchat.db"), readonly: true });
  try {
    const [row] = await db.unsafe(query);
    return Number(row.n);
  } finally {
    await db.close();
  }
}

/** Polls a database another process writes (no event reaches the test from there), often: a kill lands mid-stream. */
const until = (fn: () => Promise<boolean>, what: string, timeoutMs = 60_000) => eventually(fn, what, timeoutMs, 5);

/** Alice holds N pending messages for bob (written while hidden), then turns discoverable: the stream starts. */
async function startStream(alice: User, bob: User): Promise<{ aliceServe: ServeProcess; bobServe: ServeProcess }> {
  await introduce(alice, bob);
  const aliceServe = await alice.serve(["--hidden"]);
  let batch = "";
  for (let i = 0; i < N; i++) batch += `@bob ${text(i)}\n`;
  aliceServe.proc.stdin.write(batch);
  aliceServe.proc.stdin.flush();
  await until(async () => (await count(alice, "SELECT COUNT(*) AS n FROM sender WHERE status = 'pending'")) === N, "all written as pending");
  const bobServe = await bob.serve();
  const on = await alice.cli(["discoverable", "on"]);
  expect([on.exitCode, on.stderr]).toEqual([0, ""]);
  return { aliceServe, bobServe };
}

async function expectExactlyOnceInOrder(alice: User, bob: User): Promise<void> {
  await until(async () => (await count(alice, "SELECT COUNT(*) AS n FROM sender WHERE status = 'delivered'")) === N, "all delivered");
  const db = new SQL({ adapter: "sqlite", filename: join(bob.home, "p2pchat.db"), readonly: true });
  try {
    const rows: { message: string; id: string }[] = await db`SELECT message, id FROM receiver ORDER BY seq`;
    expect(rows.length).toBe(N);
    expect(new Set(rows.map((r) => r.id)).size).toBe(N);
    const wrong = rows.findIndex((r, i) => r.message !== text(i));
    expect(wrong).toBe(-1);
  } finally {
    await db.close();
  }
}

/** Where the kill landed goes with a failure only: `bun test` prints nothing else. */

/**
 * Somewhere in the first third, different each run: a kill can land anywhere.
 * The kill follows the line bob's serve prints for that message (a stream
 * of 10,000 takes a fraction of a second, faster than polling a database).
 */
const killAt = () => 200 + Math.floor(Math.random() * 2800);
const printed = (i: number) => new RegExp(`alice: ${text(i)}$`);

test("kill -9 of the sender mid-stream: after a restart each message is stored once, in order", async () => {
  await using alice = await makeUser("alice");
  await using bob = await makeUser("bob");
  const at = killAt();
  const { aliceServe, bobServe } = await startStream(alice, bob);
  await bobServe.waitFor(printed(at));
  aliceServe.proc.kill("SIGKILL");
  await aliceServe.proc.exited;
  // Killed before it heard every ack: what it still holds goes again after the
  // restart (bob may have stored some of it already, from the socket's buffers).
  const deliveredAtKill = await count(alice, "SELECT COUNT(*) AS n FROM sender WHERE status = 'delivered'");
  expect(deliveredAtKill).toBeLessThan(N);
  await alice.serve();
  await said(`the sender was killed with ${deliveredAtKill} of ${N} acknowledged`, expectExactlyOnceInOrder(alice, bob));
});

test("kill -9 of the receiver mid-stream: after a restart each message is stored once, in order", async () => {
  await using alice = await makeUser("alice");
  await using bob = await makeUser("bob");
  const at = killAt();
  const { bobServe } = await startStream(alice, bob);
  await bobServe.waitFor(printed(at));
  bobServe.proc.kill("SIGKILL");
  await bobServe.proc.exited;
  const atKill = await count(bob, "SELECT COUNT(*) AS n FROM receiver");
  expect(atKill).toBeLessThan(N);
  await bob.serve();
  await said(`the receiver was killed with ${atKill} of ${N} stored`, expectExactlyOnceInOrder(alice, bob));
});
