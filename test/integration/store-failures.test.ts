// The database fails under a running node (MariaDB connections killed, a
// table gone): nothing is lost, nothing stays wrongly pending, and the node
// neither storms its peers nor needs a restart once the database is back.
import { expect, setDefaultTimeout, test } from "bun:test";
import type { SQL } from "bun";
import { MYSQL_URL } from "../helpers/databases.ts";
import { befriend, eventually, startNode, type TestNode } from "../helpers/nodes.ts";

setDefaultTimeout(120_000);

/** Kills every connection to the node's database but the admin's own. */
async function killConnections(n: TestNode): Promise<number> {
  const admin = n.db!.admin;
  const [me] = await admin`SELECT CONNECTION_ID() AS id, DATABASE() AS db`;
  const rows: { id: number }[] = await admin`SELECT id FROM information_schema.processlist WHERE db = ${me.db} AND id <> ${me.id}`;
  for (const r of rows) await admin.unsafe(`KILL ${Number(r.id)}`).catch(() => {});
  return rows.length;
}

async function count(admin: SQL, sql: string): Promise<number> {
  const [r] = await admin.unsafe(sql);
  return Number(r.n);
}

test.skipIf(!MYSQL_URL)("the sender's database connections killed mid-stream: every message ends delivered on the same link, none stays pending", async () => {
  await using alice = await startNode("alice", { dialect: "mysql" });
  await using bob = await startNode("bob");
  await befriend(alice, bob);
  await alice.until((e) => e.type === "link" && e.up, "linked");
  const ids: string[] = [];
  for (let round = 0; round < 4; round++) {
    ids.push(...(await alice.node.sendMany("bob", Array.from({ length: 500 }, (_, i) => `r${round} m${i}`))));
    // Mid-stream: bob holds the round's first messages; their acks, and alice's marks, are on their way.
    await bob.until((e) => e.type === "message" && e.entry.text.startsWith(`r${round} `), `round ${round} under way`);
    await killConnections(alice);
  }
  await eventually(async () => (await count(alice.db!.admin, "SELECT COUNT(*) AS n FROM sender WHERE status = 'delivered'")) === 2000, "all 2,000 delivered", 60_000);
  expect(await count(alice.db!.admin, "SELECT COUNT(*) AS n FROM sender WHERE status <> 'delivered'")).toBe(0);
  const texts = (await bob.node.session.history({ peer: "alice", limit: 5000 })).map((e) => e.text);
  expect(texts.length).toBe(2000);
  expect(new Set(texts).size).toBe(2000);
  expect(alice.events.filter((e) => e.type === "link" && !e.up)).toEqual([]); // the link stayed up
});

test.skipIf(!MYSQL_URL)("a receiver that cannot store: the sender backs off instead of storming, and delivery resumes when the table is back, without a restart", async () => {
  await using alice = await startNode("alice");
  await using bob = await startNode("bob", { dialect: "mysql" });
  // When each of alice's links to bob came up.
  const upAt: number[] = [];
  alice.node.on((e) => e.type === "link" && e.up && e.peer === "bob" && upAt.push(performance.now()));
  await befriend(alice, bob);
  await alice.until((e) => e.type === "link" && e.up, "linked");
  await bob.db!.admin.unsafe("RENAME TABLE receiver TO receiver_away");
  const { id } = await alice.node.send("bob", "wait for me");
  await bob.until((e) => e.type === "store" && !e.ok, "bob says his database fails");
  // Each link bob cannot store on fails; the next comes after the backoff, which grows:
  // FAST_RETRY's 50 ms doubling to 400 ms, never reset by a link that delivers nothing (a storm would redial every 50 ms).
  const backoff = [50, 100, 200, 400, 400];
  const ups = upAt.length;
  const ups6 = () => upAt.length >= ups + backoff.length;
  await alice.until((e) => e.type === "link" && e.up && ups6(), `${backoff.length} more links`);
  const gaps = backoff.map((_, k) => upAt[ups + k]! - upAt[ups + k - 1]!);
  // (A timer may fire up to a millisecond early by the clock that measures it.)
  expect(gaps.map((g, k) => g >= backoff[k]! - 1)).toEqual(backoff.map(() => true));
  expect(bob.events.filter((e) => e.type === "store" && !e.ok).length).toBe(1); // said once
  await bob.db!.admin.unsafe("RENAME TABLE receiver_away TO receiver");
  await eventually(async () => (await alice.node.statusOf([id])).get(id) === "delivered", "delivered once the table is back", 30_000);
  expect(bob.events.some((e) => e.type === "store" && e.ok)).toBe(true);
  expect((await bob.node.session.history({ peer: "alice", limit: 10 })).map((e) => e.text)).toEqual(["wait for me"]);
});
