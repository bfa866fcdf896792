// One person on two computers, as she types it (issue 26): alice's laptop and
// alice's server (joined with `devices join`, which catches up at once), and
// bob. The laptop stops; bob's 100 messages are delivered to the server; the
// laptop comes back and shows them all, in order, once; alice answers from
// the laptop; bob has each answer once and the server shows them as alice's.
// A device killed (-9) while it catches up loses and duplicates nothing.
import { expect, setDefaultTimeout, test } from "bun:test";
import { SQL } from "bun";
import { join } from "node:path";
import { runCli } from "../helpers/cli.ts";
import { freePort, introduce, makeUser, spawnServe, type ServeProcess } from "../helpers/serve.ts";
import { tempDir } from "../helpers/tmp.ts";
import { pollUntil } from "../helpers/wait.ts";

setDefaultTimeout(240_000);

type Entry = { id: string; direction: "in" | "out"; text: string; status: string };

async function history(args: string[]): Promise<Entry[]> {
  const r = await runCli(["history", "--json", "--limit", "100000", ...args]);
  if (r.exitCode !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout) as Entry[];
}

/** Rows in a home's SQLite file (read beside the node that holds it, as WAL allows). */
async function rows(home: string, query: string): Promise<number> {
  const db = new SQL({ adapter: "sqlite", filename: join(home, "p2pchat.db"), readonly: true });
  try {
    const [r] = await db.unsafe(query);
    return Number((r as { n: number }).n);
  } finally {
    await db.close();
  }
}

test("laptop, server and bob: the server receives while the laptop sleeps; the laptop catches up, once, even killed mid-sync", async () => {
  await using laptop = await makeUser("alice");
  await using bob = await makeUser("bob");
  await using serverHome = await tempDir("p2pchat-alice-server-");
  const server = { home: serverHome.path, port: await freePort() };
  await introduce(laptop, bob);
  let laptopServe: ServeProcess = await laptop.serve();
  await using bobServe = await bob.serve();
  // History from before the server existed.
  for (const text of ["before 1", "before 2"]) expect((await bob.cli(["send", "alice", text])).exitCode).toBe(0);

  // `devices join` makes the server a device and catches up at once, saying how far it got.
  const add = await laptop.cli(["devices", "add", "--name", "server", "--no-wait"]);
  const line = add.stdout.split("\n").find((l) => l.startsWith("p2pchat-device:"))!;
  const joined = await runCli(["devices", "join", line, "--home", server.home, "--port", String(server.port)]);
  expect({ code: joined.exitCode, synced: /^synced: \d+ entries from your other devices/m.test(joined.stdout) }).toEqual({ code: 0, synced: true });
  expect(joined.stderr).toContain("syncing from your other devices:");
  expect((await history(["bob", "--home", server.home])).map((e) => e.text)).toEqual(["before 1", "before 2"]);

  expect((await runCli(["config", "set", "host", "127.0.0.1", "--home", server.home])).exitCode).toBe(0);
  await using serverServe = await spawnServe(["--home", server.home]);
  // Bob hears of the server from the laptop (its roster), with where it is.
  await pollUntil(() => rows(bob.home, "SELECT COUNT(*) AS n FROM peer_devices WHERE name = 'server' AND addrs <> '[]'"), (n) => n === 1, "bob hears of the server");

  // The laptop stops; every `send` of bob's exits 0: the server took them.
  expect(await laptopServe.stop()).toBe(0);
  const texts = Array.from({ length: 100 }, (_, i) => `while away ${i}`);
  for (let i = 0; i < texts.length; i += 10) {
    const sends = await Promise.all(texts.slice(i, i + 10).map((t) => bob.cli(["send", "alice", t])));
    expect(sends.map((s) => s.exitCode)).toEqual(Array(sends.length).fill(0));
  }
  const onServer = (await history(["bob", "--home", server.home])).filter((e) => e.direction === "in");
  expect(onServer.length).toBe(102);

  // The laptop starts again and catches up; it is killed (-9) as soon as the first of them is in, and starts again.
  laptopServe = await laptop.serve();
  await pollUntil(() => rows(laptop.home, "SELECT COUNT(*) AS n FROM receiver"), (n) => n > 2, "the laptop's catch-up under way", { everyMs: 5 });
  laptopServe.proc.kill("SIGKILL");
  await laptopServe.proc.exited;
  laptopServe = await laptop.serve();
  const caught = await pollUntil(() => history(["bob", "--home", laptop.home]), (h) => h.filter((e) => e.direction === "in").length >= 102, "the laptop caught up");
  const inbox = caught.filter((e) => e.direction === "in");
  // In order (bob sent them ten at a time: order within a ten is the order they were written), once.
  expect(inbox.map((e) => e.text).sort()).toEqual(onServer.map((e) => e.text).sort());
  expect(inbox.map((e) => e.id)).toEqual(onServer.map((e) => e.id));
  expect(new Set(inbox.map((e) => e.id)).size).toBe(102);

  // Alice answers from the laptop: bob has each answer once; the server shows them as alice's, delivered.
  for (const t of ["answer 1", "answer 2", "answer 3"]) expect((await laptop.cli(["send", "bob", t])).exitCode).toBe(0);
  const bobsInbox = (await bob.cli(["history", "alice", "--json", "--limit", "1000"])).stdout;
  expect((JSON.parse(bobsInbox) as Entry[]).filter((e) => e.direction === "in").map((e) => e.text)).toEqual(["answer 1", "answer 2", "answer 3"]);
  const serverOut = await pollUntil(
    async () => (await history(["bob", "--home", server.home])).filter((e) => e.direction === "out"),
    (o) => o.length === 3 && o.every((e) => e.status === "delivered"),
    "the answers on the server, delivered",
  );
  expect(serverOut.map((e) => e.text)).toEqual(["answer 1", "answer 2", "answer 3"]);

  // Rows on all three: nothing lost, nothing twice.
  const counts = {
    laptop: await rows(laptop.home, "SELECT COUNT(*) AS n FROM receiver"),
    server: await rows(server.home, "SELECT COUNT(*) AS n FROM receiver"),
    bobSent: await rows(bob.home, "SELECT COUNT(*) AS n FROM sender WHERE status = 'delivered'"),
    bobGot: await rows(bob.home, "SELECT COUNT(*) AS n FROM receiver"),
    laptopOut: await rows(laptop.home, "SELECT COUNT(*) AS n FROM sender"),
    serverOut: await rows(server.home, "SELECT COUNT(*) AS n FROM sender"),
  };
  expect(counts).toEqual({ laptop: 102, server: 102, bobSent: 102, bobGot: 3, laptopOut: 3, serverOut: 3 });
  void bobServe;
  void serverServe;
});
