// A brief database connection loss under a piped chat (MariaDB's KILL of
// the node's connections, again and again, from its first stored line on):
// every input line is stored once and delivered; the chat does not abort.
import { expect, setDefaultTimeout, test } from "bun:test";
import { createTestDb, MYSQL_URL } from "../helpers/databases.ts";
import { introduce, makeUser } from "../helpers/serve.ts";

setDefaultTimeout(120_000);

test.skipIf(!MYSQL_URL)("chat bob < 3,000 lines while the database connections are killed every 150 ms: every line stored once, delivered, exit 0", async () => {
  await using db = await createTestDb("mysql");
  await using alice = await makeUser("alice", { db: db.url });
  await using bob = await makeUser("bob");
  await introduce(alice, bob);
  const bobServe = await bob.serve();
  const lines = Array.from({ length: 3000 }, (_, i) => `line ${i}`);
  const [me] = await db.admin`SELECT CONNECTION_ID() AS id, DATABASE() AS db`;
  let kills = 0;
  let killing = true;
  const killer = (async () => {
    // From the chat's first stored line on: the outage is under a running chat (a node that cannot open its
    // database at all says so and stops, which db-down tests cover), and lasts until every line went.
    while (killing && Number((await db.admin`SELECT COUNT(*) AS n FROM sender`.catch(() => [{ n: 0 }]))[0].n) === 0) await Bun.sleep(10);
    while (killing) {
      await Bun.sleep(150); // the pace of the outage the test makes, not a wait for something to happen
      const rows: { id: number }[] = await db.admin`SELECT id FROM information_schema.processlist WHERE db = ${me.db} AND id <> ${me.id}`;
      for (const r of rows) {
        await db.admin.unsafe(`KILL ${Number(r.id)}`).catch(() => {});
        kills++;
      }
    }
  })();
  const r = await alice.cli(["chat", "bob", "--wait", "30"], { stdin: lines.join("\n") + "\n" });
  killing = false;
  await killer;
  expect(r.stderr).toBe("");
  expect(r.exitCode).toBe(0);
  expect(kills).toBeGreaterThan(3);
  const [stored] = await db.admin`SELECT COUNT(*) AS n, COUNT(DISTINCT message) AS d, SUM(status = 'delivered') AS delivered FROM sender`;
  expect([Number(stored.n), Number(stored.d), Number(stored.delivered)]).toEqual([3000, 3000, 3000]);
  await bobServe.waitFor(/alice: line 2999$/);
});
