// A MariaDB URL naming a database that does not exist yet: p2pchat makes it
// (utf8mb4) when the account may, and says so once; an account that may not
// gets the exact statement to have run. `init --db` says it saved the URL.
import { expect, test } from "bun:test";
import { SQL } from "bun";
import { MYSQL_URL } from "../helpers/databases.ts";
import { runCli } from "../helpers/cli.ts";
import { tempDir } from "../helpers/tmp.ts";

if (!MYSQL_URL) console.warn("p2pchat: MariaDB new-database tests skipped: set P2PCHAT_TEST_MYSQL");

const withDatabase = (name: string, user?: string) => {
  const u = new URL(MYSQL_URL);
  u.pathname = `/${name}`;
  if (user) {
    u.username = user;
    u.password = "";
  }
  return u.toString();
};

test.skipIf(!MYSQL_URL)("a database that does not exist is created once, in utf8mb4, and said so; the home works on it", async () => {
  const name = `p2pchat_new_${process.pid}_${Date.now().toString(36)}`;
  const root = new SQL(MYSQL_URL, { max: 1 });
  await using home = await tempDir();
  try {
    const db = withDatabase(name);
    const init = await runCli(["init", "--home", home.path, "--name", "alice", "--db", db]);
    expect(init.exitCode).toBe(0);
    expect(init.stderr).toContain(`database ${db} saved in ${home.path}'s config`);
    const first = await runCli(["contacts", "add", "bob", "127.0.0.1:20999", "--home", home.path]);
    expect(first.exitCode).toBe(0);
    expect(first.stderr).toContain(`created the database "${name}" on ${new URL(MYSQL_URL).host} (utf8mb4)`);
    const [row] = await root`SELECT DEFAULT_CHARACTER_SET_NAME AS cs FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ${name}`;
    expect(row.cs).toBe("utf8mb4");
    // Made once: the next command says nothing of it, and finds bob there.
    const again = await runCli(["contacts", "--json", "--home", home.path]);
    expect(again.exitCode).toBe(0);
    expect(again.stderr).not.toContain("created the database");
    expect(JSON.parse(again.stdout).map((c: { name: string }) => c.name)).toEqual(["bob"]);
  } finally {
    await root.unsafe(`DROP DATABASE IF EXISTS \`${name}\``);
    await root.close();
  }
});

test.skipIf(!MYSQL_URL)("an account that may not create databases gets the statement to have run, exit 1, and nothing is made", async () => {
  const name = `p2pchat_new_${process.pid}_${Date.now().toString(36)}_x`;
  const user = `p2pc_lim_${process.pid}`;
  const root = new SQL(MYSQL_URL, { max: 1 });
  await using home = await tempDir();
  await root.unsafe(`CREATE USER IF NOT EXISTS '${user}'@'%'`);
  await root.unsafe(`CREATE USER IF NOT EXISTS '${user}'@'localhost'`);
  try {
    const r = await runCli(["status", "--home", home.path, "--db", withDatabase(name, user)]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain(`the database "${name}" on ${new URL(MYSQL_URL).host} does not exist or is not open to this account, and this account may not create it`);
    expect(r.stderr).toContain(`CREATE DATABASE IF NOT EXISTS \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci; GRANT ALL ON \`${name}\`.* TO '${user}'@'%';`);
    const rows = await root`SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ${name}`;
    expect(rows.length).toBe(0);
  } finally {
    await root.unsafe(`DROP USER IF EXISTS '${user}'@'%'`);
    await root.unsafe(`DROP USER IF EXISTS '${user}'@'localhost'`);
    await root.close();
  }
});
