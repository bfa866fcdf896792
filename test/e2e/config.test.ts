// `p2pchat config`: an existing home's settings shown and changed, each value
// checked as it is typed (exit 2, nothing saved), the next serve listening
// where the config now says, and a running node following at once what it can.
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { freePort, makeUser } from "../helpers/serve.ts";

const config = (home: string) => JSON.parse(readFileSync(join(home, "config.json"), "utf8"));

describe("p2pchat config", () => {
  test("set port: the next serve listens there; get and --json read it back; bad values and keys change nothing, exit 2", async () => {
    await using alice = await makeUser("alice");
    const port = await freePort();
    const set = await alice.cli(["config", "set", "port", String(port)]);
    expect({ code: set.exitCode, out: set.stdout, err: set.stderr }).toEqual({
      code: 0,
      out: `port: ${port} (saved in ${alice.home})\nno node runs for this home: the next serve, chat or send starts with it\n`,
      err: "",
    });
    expect((await alice.cli(["config", "get", "port"])).stdout).toBe(`${port}\n`);
    expect(JSON.parse((await alice.cli(["config", "--json"])).stdout)).toMatchObject({ name: "alice", host: "127.0.0.1", port, discoverable: true, relays: [], "auto-accept": 100 });

    const before = readFileSync(join(alice.home, "config.json"), "utf8");
    const bad = [
      [["config", "set", "port", "abc"], 'port "abc": a port is a whole number from 1 to 65535'],
      [["config", "set", "name", "two  words"], `name "two  words": a name's words are apart by one space, with none at either end`],
      [["config", "set", "upnp", "maybe"], 'upnp "maybe": on or off'],
      [["config", "set", "db", "postgres://x/y"], "unsupported database"],
      [["config", "set", "prot", "1"], 'no setting "prot" (did you mean port?)'],
      [["config", "set", "port"], "config set port needs a VALUE"],
    ] as const;
    for (const [args, words] of bad) {
      const r = await alice.cli([...args]);
      expect({ args, code: r.exitCode, said: r.stderr.includes(words) }).toEqual({ args, code: 2, said: true });
    }
    expect(readFileSync(join(alice.home, "config.json"), "utf8")).toBe(before);

    const serve = await alice.serve();
    expect(await serve.waitFor(/^ready: /)).toContain(`listening on 127.0.0.1:${port}`);
  });

  test("with a node running: auto-accept and discoverable apply now; the port from the next start, said so; the database password never printed", async () => {
    await using alice = await makeUser("alice");
    await alice.serve();
    const accept = await alice.cli(["config", "set", "auto-accept", "5"]);
    expect(accept.stdout).toBe(`auto-accept: 5 (saved in ${alice.home})\nyour running node uses it now\n`);
    expect(JSON.parse((await alice.cli(["files", "settings", "--json"])).stdout)).toMatchObject({ autoAcceptMiB: 5 });
    const hide = await alice.cli(["config", "set", "discoverable", "off"]);
    expect(hide.stdout).toEndWith("your running node uses it now\n");
    expect(JSON.parse((await alice.cli(["status", "--json"])).stdout)).toMatchObject({ discoverable: false });
    const port = await alice.cli(["config", "set", "port", String(await freePort())]);
    expect(port.stdout).toContain("your running node (alice) uses it from its next start");
    await alice.cli(["config", "set", "db", "mysql://bob:s3cret@127.0.0.1:3306/chat"]);
    for (const args of [["config"], ["config", "--json"], ["config", "get", "db"], ["config", "get", "db", "--json"]]) {
      const out = (await alice.cli(args)).stdout;
      expect({ args, leaks: out.includes("s3cret"), redacted: out.includes("bob:***@") }).toEqual({ args, leaks: false, redacted: true });
    }
    expect(config(alice.home).db).toBe("mysql://bob:s3cret@127.0.0.1:3306/chat");
  });
});
