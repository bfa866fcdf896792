// `p2pchat devices` as a person types it: add prints a line and waits, join
// makes another home a device of the same identity (own key, same id), the
// line works once, devices --json lists both, only an admin adds or revokes.
import { expect, setDefaultTimeout, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { cliCommand, cliEnv, runCli } from "../helpers/cli.ts";
import { freePort, makeUser } from "../helpers/serve.ts";
import { tempDir } from "../helpers/tmp.ts";
import { pollUntil } from "../helpers/wait.ts";

setDefaultTimeout(90_000);

type Device = { id: string; name: string; self: boolean; admin: boolean; lastSeen: number | null; linked: boolean; revoked: number | null };

test("devices add, join, list, revoke: one identity, two keys, a line used once", async () => {
  await using alice = await makeUser("alice");
  await using serverHome = await tempDir("p2pchat-alice-server-");
  await using thirdHome = await tempDir("p2pchat-alice-third-");
  const serverPort = await freePort();
  await alice.serve();

  // `devices add` attaches to alice's serve, prints the line, and waits.
  const add = Bun.spawn(cliCommand(["devices", "add", "--name", "server", "--home", alice.home]), { env: cliEnv(), stdout: "pipe", stderr: "pipe" });
  const reader = add.stdout.getReader();
  let out = "";
  while (!out.includes("\n")) out += new TextDecoder().decode((await reader.read()).value);
  const line = out.split("\n")[0]!;
  expect(line).toStartWith("p2pchat-device:");

  const joined = await runCli(["devices", "join", line, "--home", serverHome.path, "--port", String(serverPort)]);
  expect({ code: joined.exitCode, err: joined.stderr.includes("Error") }).toEqual({ code: 0, err: false });
  expect(joined.stdout).toContain(`joined alice's identity as device server: peer id ${alice.peerId}`);
  // The waiting add says so, and ends.
  for (;;) {
    const r = await reader.read();
    if (r.done) break;
    out += new TextDecoder().decode(r.value);
  }
  const rest = out.slice(line.length + 1);
  expect({ rest: rest.trim(), code: await add.exited }).toEqual({ rest: "server joined: it is a device of your identity now (it links to your other devices when its node runs)", code: 0 });

  // Its own key; the same peer id from `id` on both.
  expect(readFileSync(join(serverHome.path, "key.pem"), "utf8")).not.toBe(readFileSync(join(alice.home, "key.pem"), "utf8"));
  const ids = await Promise.all([alice.cli(["id"]), runCli(["id", "--home", serverHome.path])]);
  expect(ids.map((r) => r.stdout.split(" ")[1])).toEqual([alice.peerId, alice.peerId]);

  // The line is spent: a second use is refused, and a damaged copy is named as such.
  const again = await runCli(["devices", "join", line, "--home", thirdHome.path]);
  expect({ code: again.exitCode, stdout: again.stdout }).toEqual({ code: 1, stdout: "" });
  expect(again.stderr).toContain("was used already");
  const damaged = await runCli(["devices", "join", line.slice(0, -3) + (line.endsWith("A") ? "BBB" : "AAA"), "--home", thirdHome.path]);
  expect({ code: damaged.exitCode, checksum: damaged.stderr.includes("checksum mismatch") }).toEqual({ code: 2, checksum: true });

  // The server runs: both devices link, and `devices --json` on alice's says so.
  const serve = await runCli(["config", "set", "host", "127.0.0.1", "--home", serverHome.path]);
  expect(serve.exitCode).toBe(0);
  const server = await import("../helpers/serve.ts").then((m) => m.spawnServe(["--home", serverHome.path]));
  try {
    await server.waitFor(/^ready:/);
    const list = await pollUntil(
      async () => JSON.parse((await alice.cli(["devices", "--json"])).stdout) as Device[],
      (l) => l.some((d) => d.name === "server" && d.linked),
      "alice's devices list the server, linked",
    );
    expect(list.map((d) => ({ name: d.name, self: d.self, admin: d.admin, linked: d.linked, revoked: d.revoked }))).toEqual([
      { name: list[0]!.name, self: true, admin: true, linked: false, revoked: null },
      { name: "server", self: false, admin: false, linked: true, revoked: null },
    ]);
    expect(list[1]!.id).not.toBe(alice.peerId);

    // The server is no admin: it may not add devices.
    const notAdmin = await runCli(["devices", "add", "--no-wait", "--home", serverHome.path]);
    expect({ code: notAdmin.exitCode, said: notAdmin.stderr.includes("only an admin device") }).toEqual({ code: 1, said: true });

    // Revoked from alice's: listed as revoked; the server's link is refused.
    const revoked = await alice.cli(["devices", "revoke", "server"]);
    expect({ code: revoked.exitCode, out: revoked.stdout.trim() }).toEqual({ code: 0, out: `revoked server (${list[1]!.id}): refused by your devices and contacts from now on` });
    const after = JSON.parse((await alice.cli(["devices", "--json"])).stdout) as Device[];
    expect(after.find((d) => d.name === "server")).toMatchObject({ linked: false, revoked: expect.any(Number) });
  } finally {
    await server[Symbol.asyncDispose]();
  }
});

test("devices add with no node running starts one for the while, and ends once the device joined", async () => {
  await using alice = await makeUser("alice");
  await using serverHome = await tempDir("p2pchat-alice-server-");
  const add = Bun.spawn(cliCommand(["devices", "add", "--name", "server", "--home", alice.home]), { env: cliEnv(), stdout: "pipe", stderr: "pipe" });
  const reader = add.stdout.getReader();
  let out = "";
  while (!out.includes("\n")) out += new TextDecoder().decode((await reader.read()).value);
  const joined = await runCli(["devices", "join", out.split("\n")[0]!, "--home", serverHome.path]);
  expect(joined.exitCode).toBe(0);
  for (;;) {
    const r = await reader.read();
    if (r.done) break;
    out += new TextDecoder().decode(r.value);
  }
  expect({ out: out.split("\n").slice(1).join("\n").trim(), code: await add.exited }).toEqual({ out: "server joined: it is a device of your identity now (it links to your other devices when its node runs)", code: 0 });
  // The home was taken: a join there again is refused before any line is spent.
  const again = await runCli(["devices", "join", out.split("\n")[0]!, "--home", serverHome.path]);
  expect({ code: again.exitCode, said: again.stderr.includes("already holds an identity") }).toEqual({ code: 1, said: true });
});
