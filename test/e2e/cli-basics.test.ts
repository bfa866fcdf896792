// The CLI shell as a user meets it: init, id, contacts, bad input, errors.
import { describe, expect, test, setDefaultTimeout } from "bun:test";
import { join } from "node:path";
import { statSync } from "node:fs";
import { userInfo } from "node:os";
import { BIN, runCli } from "../helpers/cli.ts";
import { isWindows, noFileModes } from "../helpers/platform.ts";
import { tempDir } from "../helpers/tmp.ts";
import { createOriginalTables, createTestDb, dialects } from "../helpers/databases.ts";
import pkg from "../../package.json" with { type: "json" };
import { gitCommit } from "../../src/version.ts";

// Processes and TLS links take time on a loaded machine (bun applies a
// preload's default timeout to the first file only, so each file sets it).
setDefaultTimeout(60_000);

const ID = /^[A-Z2-7]{7}(-[A-Z2-7]{7}){7}$/;

describe("cli", () => {
  test.concurrent("--version prints the package version, the commit, and the build date (a binary) or `from source`", async () => {
    const r = await runCli(["--version"]);
    expect({ stderr: r.stderr, exitCode: r.exitCode }).toEqual({ stderr: "", exitCode: 0 });
    const m = /^p2pchat (\S+) \((?:commit ([0-9a-f]{12})(?:-dirty)?|dev), (built \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ|from source)\)\n$/.exec(r.stdout);
    expect(m).not.toBeNull();
    expect(m![1]).toBe(pkg.version);
    expect(m![3]!.startsWith("built")).toBe(Boolean(BIN));
    // this checkout's commit (a clone without git says "dev")
    expect(m![2] ?? null).toBe(gitCommit(import.meta.dir)?.replace(/-dirty$/, "") ?? null);
  });

  test.concurrent("init creates an identity once; id prints NAME PEER-ID HOST:PORT", async () => {
    await using home = await tempDir();
    const init = await runCli(["init", "--home", home.path, "--name", "alice", "--host", "127.0.0.1", "--port", "20555"]);
    expect(init.exitCode).toBe(0);
    const id = await runCli(["id", "--home", home.path]);
    expect(id.exitCode).toBe(0);
    const [name, peerId, address, ...rest] = id.stdout.trim().split(" ");
    expect([name, address, rest]).toEqual(["alice", "127.0.0.1:20555", []]);
    expect(peerId).toMatch(ID);
    expect(init.stdout).toBe(id.stdout);
    if (!noFileModes) expect(statSync(join(home.path, "key.pem")).mode & 0o777).toBe(0o600);
    const config = await Bun.file(join(home.path, "config.json")).json();
    expect(config).toEqual({ name: "alice", host: "127.0.0.1", port: 20555, discoverable: true, db: null, lan: true, upnp: true, dht: true, dhtBootstrap: [], relays: [], relayForContacts: true, relayForContactsSessions: 16, relayForContactsRate: 128, downloads: null, autoAcceptMiB: 100, web: "127.0.0.1:20080" });

    const again = await runCli(["init", "--home", home.path, "--name", "mallory"]);
    expect(again.exitCode).toBe(1);
    expect(again.stderr).toContain("never overwrites");
    expect((await runCli(["id", "--home", home.path])).stdout).toBe(id.stdout);
  });

  test.concurrent("any command on a fresh home initialises it with defaults first", async () => {
    await using home = await tempDir();
    const fresh = join(home.path, "new-user");
    const r = await runCli(["contacts"], { env: { P2PCHAT_HOME: fresh } });
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toContain(`new identity created in ${fresh}`);
    // The name it took is said, with where it came from and how to change it.
    const name = (await runCli(["config", "get", "name"], { env: { P2PCHAT_HOME: fresh } })).stdout.trim();
    expect(r.stderr).toContain(`Peers see the name ${JSON.stringify(name)} (your OS user's): \`p2pchat config set name NAME\` changes it`);
    const id = await runCli(["id"], { env: { P2PCHAT_HOME: fresh } });
    expect(id.stdout).toMatch(/^\S+ [A-Z2-7-]{63} \S+:20001\n$/);
  });

  test.concurrent("the default name is the OS user's, even with no $USER (cron, env -i)", async () => {
    await using home = await tempDir();
    // Windows has no `id`: the account name Windows gives (USERNAME unset below, so not from there).
    const me = isWindows ? userInfo().username : (await Bun.$`id -un`.text()).trim();
    const r = await runCli(["id", "--home", home.path], { env: { USER: undefined, LOGNAME: undefined, USERNAME: undefined } });
    expect(r.exitCode).toBe(0);
    expect(r.stdout.split(" ")[0]).toBe(me);
  });

  test.concurrent("contacts: add, list, block, unblock, rm", async () => {
    await using home = await tempDir();
    const h = ["--home", home.path];
    expect((await runCli(["contacts", "add", "bob", "192.168.1.20:20001", ...h])).exitCode).toBe(0);
    const carolId = (await runCli(["id", "--home", join(home.path, "carol")])).stdout.split(" ")[1]!;
    expect((await runCli(["contacts", "add", "carol", "[::1]:20002", "--id", carolId.toLowerCase(), ...h])).exitCode).toBe(0);
    expect((await runCli(["contacts", "add", "dave", "dave.example.org:7000", ...h])).exitCode).toBe(0);
    expect((await runCli(["contacts", "block", "bob", ...h])).stdout).toBe("blocked bob\n");
    const list = await runCli(["contacts", "--json", ...h]);
    const typed = (address: string) => [expect.objectContaining({ address, source: "typed", lastWorked: null })];
    expect(JSON.parse(list.stdout)).toEqual([
      { name: "bob", host: "192.168.1.20", port: 20001, address: "192.168.1.20:20001", peerId: null, blocked: true, legacy: false, addresses: typed("192.168.1.20:20001"), discoveryKey: null, relays: [] },
      { name: "carol", host: "::1", port: 20002, address: "[::1]:20002", peerId: carolId, blocked: false, legacy: false, addresses: typed("[::1]:20002"), discoveryKey: null, relays: [] },
      { name: "dave", host: "dave.example.org", port: 7000, address: "dave.example.org:7000", peerId: null, blocked: false, legacy: false, addresses: typed("dave.example.org:7000"), discoveryKey: null, relays: [] },
    ]);
    const table = await runCli(["contacts", ...h]);
    expect(table.stdout.split("\n")[1]).toMatch(/^bob\s+192\.168\.1\.20:20001\s+not pinned yet\s+blocked$/);
    expect((await runCli(["contacts", "unblock", "bob", ...h])).exitCode).toBe(0);
    expect((await runCli(["contacts", "rm", "dave", ...h])).stdout).toBe("removed dave\n");
    const after = JSON.parse((await runCli(["contacts", "list", "--json", ...h])).stdout);
    expect(after.map((c: { name: string; blocked: boolean }) => [c.name, c.blocked])).toEqual([
      ["bob", false],
      ["carol", false],
    ]);
  });

  const bad: [string, string[], RegExp][] = [
    ["a name with a space", ["contacts", "add", "bad name", "1.2.3.4:5"], /^p2pchat: error: invalid name "bad name": a contact's name is typed in commands, so it has no spaces: "bad-name" would do\n$/],
    ["a name over 40 characters", ["contacts", "add", "x".repeat(41), "1.2.3.4:5"], /at most 40 characters/],
    ["a port out of range", ["contacts", "add", "bob", "1.2.3.4:70000"], /invalid port "70000"/],
    ["port zero", ["contacts", "add", "bob", "1.2.3.4:0"], /invalid port "0"/],
    ["no port", ["contacts", "add", "bob", "1.2.3.4"], /expected HOST:PORT/],
    ["an unbracketed IPv6 address", ["contacts", "add", "bob", "::1:20001"], /put an IPv6 address in brackets/],
    ["a bad IPv4 address", ["contacts", "add", "bob", "300.1.2.3:20001"], /invalid address "300\.1\.2\.3"/],
    ["a bad host name", ["contacts", "add", "bob", "under_score.example:20001"], /invalid address/],
    ["a bad peer id", ["contacts", "add", "bob", "1.2.3.4:5", "--id", "NOT-AN-ID"], /invalid peer id "NOT-AN-ID"/],
    ["a name that is not a contact", ["contacts", "block", "nobody"], /"nobody" is not in your contacts/],
    ["rm of a name that is not a contact", ["contacts", "rm", "nobody"], /"nobody" is not in your contacts/],
    ["an unknown command", ["frobnicate"], /^p2pchat: unknown command "frobnicate" for `p2pchat` \(one of: .*\) \(see `p2pchat --help`\)\n$/],
    ["an unknown subcommand", ["contacts", "frob"], /unknown command "frob" for `p2pchat contacts`/],
    ["an unknown flag", ["contacts", "add", "bob", "1.2.3.4:5", "--colour"], /^p2pchat: unknown option --colour for `p2pchat contacts add` \(see `p2pchat contacts add --help`\)\n$/],
    ["a missing argument", ["contacts", "add", "bob"], /where is bob\? p2pchat contacts add NAME HOST:PORT/],
    ["an extra argument", ["contacts", "rm", "bob", "carol"], /unexpected argument "carol"/],
    ["a bad --limit", ["history", "--limit", "many"], /--limit must be a whole number/],
    ["a --home without a value", ["contacts", "--home"], /--home needs a value/],
    ["a --home followed by another flag", ["status", "--home", "--debug"], /--home needs a value/],
  ];
  for (const [what, args, message] of bad) {
    test.concurrent(`${what}: one clear line on stderr, exit 2, nothing changed`, async () => {
      await using home = await tempDir();
      const h = ["--home", home.path];
      await runCli(["contacts", "add", "bob", "10.0.0.1:20001", ...h]);
      const r = await runCli(args.includes("--home") ? args : [...args, ...h]);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.exitCode).toBe(2);
      expect(r.stdout).toBe("");
      if (!args.includes("--home")) {
        const after = JSON.parse((await runCli(["contacts", "--json", ...h])).stdout);
        expect(after.map((c: { name: string; blocked: boolean }) => [c.name, c.blocked])).toEqual([["bob", false]]);
      }
    });
  }

  test.concurrent("a database that is down: one line naming it, exit 1, no stack trace", async () => {
    await using home = await tempDir();
    const r = await runCli(["contacts", "--home", home.path, "--db", "mysql://root@127.0.0.1:1/nope"]);
    expect(r.stderr).toEndWith("p2pchat: error: cannot reach the database at mysql://root@127.0.0.1:1/nope: connection refused (is the server running?)\n");
    expect(r.stderr).not.toContain("    at ");
    expect(r.exitCode).toBe(1);
    const debug = await runCli(["contacts", "--home", home.path, "--db", "mysql://root@127.0.0.1:1/nope", "--debug"]);
    expect(debug.stderr).toContain("    at ");
  });

  test.concurrent("--help on every command, without colour when piped", async () => {
    for (const args of [[], ["init"], ["id"], ["contacts"], ["contacts", "add"], ["history"], ["db", "migrate"]]) {
      const r = await runCli([...args, "--help"]);
      expect(r.exitCode).toBe(0);
      expect(r.stdout).toContain(`USAGE p2pchat${args.length ? " " + args.join(" ") : ""}`);
      expect(r.stdout).not.toContain("\x1b[");
    }
  });
});

for (const dialect of dialects) {
  test(`history shows rows the original program wrote (${dialect})`, async () => {
    await using home = await tempDir();
    await using db = await createTestDb(dialect);
    const user = await createOriginalTables(db);
    await db.admin.unsafe(`INSERT INTO ${user} VALUES ('bob', '192.168.1.20', '20001')`);
    await db.admin.unsafe(`INSERT INTO sender VALUES ('192.168.1.20', '20001', 'bob', 'hi bob', 'sent', '2023/05/01 10:00:00')`);
    await db.admin.unsafe(`INSERT INTO receiver VALUES ('192.168.1.20', '20001', 'bob', 'hello alice', 'received', '2023/05/01 10:01:00')`);
    const r = await runCli(["history", "bob", "--json", "--home", home.path, "--db", db.url]);
    expect(r.exitCode).toBe(0);
    const rows = JSON.parse(r.stdout);
    expect(rows.map((e: Record<string, unknown>) => [e.direction, e.peer, e.text, e.status, e.time])).toEqual([
      ["out", "bob", "hi bob", "sent", new Date(2023, 4, 1, 10, 0, 0).getTime()],
      ["in", "bob", "hello alice", "received", new Date(2023, 4, 1, 10, 1, 0).getTime()],
    ]);
    const text = await runCli(["history", "bob", "--home", home.path, "--db", db.url]);
    expect(text.stdout).toContain("hi bob");
    expect(text.stdout).toContain("bob: hello alice");
  });
}
