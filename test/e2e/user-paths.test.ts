// Homes where people's homes are: a folder name with spaces and an accent
// (C:\Users\Zoé Martin\..., /Users/zoé martin/...), and the default home of
// each system when nothing names one (~/.p2pchat; %APPDATA%\p2pchat on
// Windows). The whole way, on every system CI runs: init, a serve, its
// control socket (a named pipe on Windows), a message, history.
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { runCli } from "../helpers/cli.ts";
import { isWindows } from "../helpers/platform.ts";
import { introduce, makeUser } from "../helpers/serve.ts";
import { tempDir } from "../helpers/tmp.ts";

setDefaultTimeout(60_000);

describe("homes in folders people have", () => {
  test("two homes under a folder with spaces and an é: a serve, a command attached to it, a message delivered, history", async () => {
    await using base = await tempDir();
    const folder = join(base.path, "Zoé Martin", "my chats");
    mkdirSync(folder, { recursive: true });
    await using alice = await makeUser("alice", { home: join(folder, "alice é") });
    await using bob = await makeUser("bob", { home: join(folder, "bob b") });
    await introduce(alice, bob);
    const bobServe = await bob.serve();
    // A command for bob's home finds his serve through the control socket in (or named in) that folder.
    const status = await bob.cli(["status", "--json"]);
    expect([status.exitCode, JSON.parse(status.stdout).running]).toEqual([0, true]);

    const sent = await alice.cli(["send", "bob", "déjà vu, in a folder with spaces"]);
    expect({ exitCode: sent.exitCode, stderr: sent.stderr }).toEqual({ exitCode: 0, stderr: "" });
    await bobServe.waitFor(/alice: déjà vu, in a folder with spaces$/);
    const got = JSON.parse((await bob.cli(["history", "alice", "--json"])).stdout) as { direction: string; text: string }[];
    expect(got.map((e) => [e.direction, e.text])).toEqual([["in", "déjà vu, in a folder with spaces"]]);
    expect(await bobServe.stop()).toBe(0);
  });

  test("no --home and no P2PCHAT_HOME: the system's own place for it, in a profile folder with a space and an é", async () => {
    await using base = await tempDir();
    const profile = join(base.path, "Zoé Martin");
    const appData = join(profile, "AppData", "Roaming");
    mkdirSync(appData, { recursive: true });
    // HOME is the profile on Linux and macOS, USERPROFILE and APPDATA on Windows.
    const env = { HOME: profile, USERPROFILE: profile, APPDATA: appData, P2PCHAT_HOME: undefined };
    const init = await runCli(["init", "--name", "zoe", "--host", "127.0.0.1", "--port", "20555"], { env });
    const home = isWindows ? join(appData, "p2pchat") : join(profile, ".p2pchat");
    expect({ exitCode: init.exitCode, stderr: init.stderr }).toEqual({ exitCode: 0, stderr: `p2pchat: identity created in ${home}\n` });
    expect(existsSync(join(home, "config.json"))).toBe(true);
    expect((await runCli(["id"], { env })).stdout).toBe(init.stdout);
  });
});
