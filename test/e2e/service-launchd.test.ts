// `p2pchat service` against the real launchd, on macOS: install writes the
// agent and bootstraps it into the user's GUI domain (launchctl bootstrap
// gui/UID PLIST), launchd starts serve and the control socket answers;
// status reads launchd; uninstall boots it out and serve stops. The agent's
// HOME is a temporary folder, so the user's own ~/Library/LaunchAgents is
// never touched, and its config turns LAN, port mapping and the DHT off: the
// serve launchd starts talks to no one. service.test.ts checks the same
// commands against stand-ins on every system.
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { serviceName } from "../../src/cli/service/service-files.ts";
import { runCli } from "../helpers/cli.ts";
import { skipped } from "../helpers/platform.ts";
import { freePort } from "../helpers/serve.ts";
import { tempDir } from "../helpers/tmp.ts";
import { pollUntil } from "../helpers/wait.ts";

setDefaultTimeout(90_000);

const noLaunchd = process.platform === "darwin" ? null : `launchd is macOS's (this is ${process.platform}); service.test.ts checks the agent against a stand-in`;

interface ServiceStatus {
  installed: boolean;
  enabled: string;
  running: string;
  runningDetail: string;
  serveAnswering: boolean;
}

describe.skipIf(noLaunchd !== null)(`service with the real launchd${skipped(noLaunchd)}`, () => {
  test("install bootstraps the agent and serve answers; status reads launchd; uninstall boots it out and serve stops", async () => {
    await using dir = await tempDir("p2pchat-launchd-");
    const userHome = join(dir.path, "user home");
    const home = join(dir.path, "p2p home");
    const env = { HOME: userHome };
    const run = (args: string[]) => runCli([...args, "--home", home], { env });
    expect((await run(["init", "--name", "alice", "--host", "127.0.0.1", "--port", String(await freePort())])).exitCode).toBe(0);
    // launchd gives the agent its own environment, without the tests' P2PCHAT_DISCOVERY=off: the config says it.
    const configPath = join(home, "config.json");
    writeFileSync(configPath, JSON.stringify({ ...JSON.parse(readFileSync(configPath, "utf8")), lan: false, upnp: false, dht: false }, null, 2));

    const uid = process.getuid!();
    const label = serviceName(home, join(userHome, ".p2pchat"));
    const target = `gui/${uid}/${label}`;
    const plist = join(userHome, "Library", "LaunchAgents", `${label}.plist`);
    try {
      const installed = await run(["service", "install"]);
      expect({ exitCode: installed.exitCode, stderr: installed.stderr }).toEqual({ exitCode: 0, stderr: "" });
      expect(installed.stdout).toContain(`wrote ${plist}\n`);
      expect(installed.stdout).toContain(`loaded and started: launchctl print ${target}\n`);

      // launchd starts it on its own time: what status says is the only way to know.
      const status = async () => JSON.parse((await run(["service", "status", "--json"])).stdout) as ServiceStatus;
      const up = await pollUntil(status, (s) => s.running === "yes" && s.serveAnswering, "launchd to start serve", { timeoutMs: 60_000, everyMs: 250 });
      expect(up).toMatchObject({ installed: true, enabled: "yes", running: "yes", runningDetail: "launchd: state = running", serveAnswering: true });
      // The process launchd runs is the node that holds the home.
      const printed = Bun.spawnSync(["launchctl", "print", target], { stdout: "pipe" }).stdout.toString();
      const pid = Number(/^\s*pid = (\d+)$/m.exec(printed)?.[1]);
      expect(JSON.parse(readFileSync(join(home, "node.lock"), "utf8")).pid).toBe(pid);

      const removed = await run(["service", "uninstall"]);
      expect({ exitCode: removed.exitCode, stdout: removed.stdout }).toEqual({ exitCode: 0, stdout: `stopped and unloaded\nremoved ${plist}\n` });
      expect(existsSync(plist)).toBe(false);
      expect(Bun.spawnSync(["launchctl", "print", target], { stdout: "ignore", stderr: "ignore" }).exitCode).not.toBe(0);
      const down = await pollUntil(status, (s) => !s.serveAnswering, "serve to stop with its agent", { timeoutMs: 30_000, everyMs: 250 });
      expect(down).toMatchObject({ installed: false, running: "no", serveAnswering: false });
    } finally {
      Bun.spawnSync(["launchctl", "bootout", target], { stdout: "ignore", stderr: "ignore" });
    }
  });
});
