// The home holds the key and every message: another user of the machine must
// read none of it. A fresh home is private from the start; an existing one is
// tightened once, and the user is told once.
import { afterAll, describe, expect, test, setDefaultTimeout } from "bun:test";
import { chmodSync, lstatSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { runCli } from "../helpers/cli.ts";
import { otherUser } from "../helpers/other-user.ts";
import { freePort, spawnServe } from "../helpers/serve.ts";
import { noFileModes, skipped } from "../helpers/platform.ts";
import { tempDir } from "../helpers/tmp.ts";

setDefaultTimeout(60_000);

const other = await otherUser("p2pchat-h1-perm");
afterAll(async () => {
  if (typeof other !== "string") await other[Symbol.asyncDispose]();
});

/** Every entry of `dir` (and `dir` itself) with its permission bits, as "name 0600". */
function modes(dir: string): string[] {
  const out = [`. ${mode(dir)}`];
  for (const name of readdirSync(dir).sort()) out.push(`${name} ${mode(join(dir, name))}`);
  return out;
}
const mode = (path: string) => `0${(lstatSync(path).mode & 0o777).toString(8)}`;

describe.skipIf(noFileModes !== null)(`home permissions${skipped(noFileModes)}`, () => {
  test("a fresh home is 0700 and every file in it 0600, the database's -wal and -shm, the control socket and the page's key included", async () => {
    await using parent = await tempDir();
    chmodSync(parent.path, 0o755);
    const home = join(parent.path, "alice");
    const h = ["--home", home];
    const init = await runCli(["init", ...h, "--name", "alice", "--host", "127.0.0.1", "--port", String(await freePort())]);
    expect(init.exitCode).toBe(0);
    await using serve = await spawnServe(h);
    expect((await runCli(["contacts", "add", "bob", "127.0.0.1:9", ...h])).exitCode).toBe(0);
    const sent = await runCli(["send", "bob", "sue's private text", "--no-wait", ...h]);
    expect(sent.exitCode).toBe(0);
    // While the serve runs, the database has its -wal and -shm beside it.
    expect(modes(home)).toEqual([
      ". 0700",
      "cert.pem 0600",
      "config.json 0600",
      "control.sock 0600",
      "discovery.key 0600",
      "key.pem 0600",
      "node.lock 0600",
      "p2pchat.db 0600",
      "p2pchat.db-shm 0600",
      "p2pchat.db-wal 0600",
      "web-api-key 0600",
      "web.json 0600",
    ]);
    expect(await serve.stop()).toBe(0);
  });

  // Every file p2pchat writes asks for 0600, and SQLite's -wal and -shm
  // follow the database's mode; the process umask is the layer under those
  // (a file made without a mode: SQLite's own, one a future version adds).
  // /proc shows a process's umask (Linux).
  test.skipIf(process.platform !== "linux")(
    `a p2pchat process runs with umask 077 whatever it inherits${process.platform !== "linux" ? " (skipped: reads /proc, Linux only)" : ""}`,
    async () => {
      await using dir = await tempDir();
      const h = ["--home", join(dir.path, "alice")];
      expect((await runCli(["init", ...h, "--name", "alice", "--host", "127.0.0.1", "--port", String(await freePort())])).exitCode).toBe(0);
      const old = process.umask(0o022); // what most shells give: files 0644
      let serve;
      try {
        serve = await spawnServe(h);
      } finally {
        process.umask(old);
      }
      await using running = serve;
      const status = await Bun.file(`/proc/${running.proc.pid}/status`).text();
      expect(/^Umask:\s+(\d+)$/m.exec(status)?.[1]).toBe("0077");
      expect(await running.stop()).toBe(0);
    },
  );

  test.skipIf(typeof other === "string")(
    `an existing 0755 home with a 0644 database is tightened once, and another user can no longer read it${typeof other === "string" ? ` (skipped: ${other})` : ""}`,
    async () => {
      if (typeof other === "string") return;
      await using parent = await tempDir();
      chmodSync(parent.path, 0o755);
      const home = join(parent.path, "sue");
      const h = ["--home", home];
      expect((await runCli(["init", ...h, "--name", "sue", "--host", "127.0.0.1", "--port", "20001"])).exitCode).toBe(0);
      expect((await runCli(["contacts", "add", "bob", "127.0.0.1:9", ...h])).exitCode).toBe(0);
      expect((await runCli(["send", "bob", "sue's private text", "--no-wait", ...h])).exitCode).toBe(0);
      // As an older version, or a home made by hand, left it.
      chmodSync(home, 0o755);
      for (const name of readdirSync(home)) chmodSync(join(home, name), 0o644);
      const db = join(home, "p2pchat.db");
      const before = await other.run(["cat", db]);
      expect(before.exitCode).toBe(0); // the attack works on such a home

      const first = await runCli(["id", ...h]);
      expect(first.exitCode).toBe(0);
      expect(first.stderr).toBe(`p2pchat: tightened permissions of ${home} (was 0755): your key and messages are readable only by you now\n`);
      expect(modes(home)).toEqual([". 0700", "cert.pem 0600", "config.json 0600", "discovery.key 0600", "key.pem 0600", "node.lock 0600", "p2pchat.db 0600", "web-api-key 0600"]);
      const second = await runCli(["id", ...h]);
      expect([second.exitCode, second.stderr]).toEqual([0, ""]);

      const after = await other.run(["cat", db]);
      expect(after.exitCode).not.toBe(0);
      expect(after.stderr).toContain("Permission denied");
      expect(after.stdout).toBe("");
      // Even a file left readable inside cannot be reached through the home.
      chmodSync(db, 0o644);
      expect((await other.run(["cat", db])).exitCode).not.toBe(0);
    },
  );
});
