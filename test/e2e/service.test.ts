// `p2pchat service install|uninstall|status` as a user runs it, with a HOME
// of its own (a space in it). systemctl and launchctl are stand-ins on PATH
// that record what they were asked, so no real service is ever started: one
// answers like a machine with no user session (as here), one like a desktop.
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cliCommand, runCli } from "../helpers/cli.ts";
import { isWindows, skipped } from "../helpers/platform.ts";
import { tempDir } from "../helpers/tmp.ts";

setDefaultTimeout(60_000);

const NO_SESSION = `#!/bin/sh
echo "$*" >> "$CALLS"
case "$1 $2" in
  "--user is-enabled") echo disabled; exit 1 ;;
esac
echo "Failed to connect to bus: No medium found" >&2
exit 1
`;
const DESKTOP = `#!/bin/sh
echo "$*" >> "$CALLS"
case "$1 $2" in
  "--user is-enabled") echo enabled ;;
  "--user is-active") echo active ;;
esac
exit 0
`;
const LAUNCHCTL = `#!/bin/sh
echo "$*" >> "$CALLS"
case "$1" in
  print) printf '%s = {\\n\\tstate = running\\n\\tpid = 42\\n}\\n' "$2" ;;
esac
exit 0
`;

interface World extends AsyncDisposable {
  home: string;
  /** p2pchat's home in it. */
  p2p: string;
  run(args: string[], env?: Record<string, string>): ReturnType<typeof runCli>;
  calls(): string[];
}

async function world(tools: Record<string, string>): Promise<World> {
  const dir = await tempDir("p2pchat-service-");
  const home = join(dir.path, "my home");
  const bin = join(dir.path, "fake bin");
  mkdirSync(home);
  mkdirSync(bin);
  for (const [name, script] of Object.entries(tools)) {
    writeFileSync(join(bin, name), script);
    chmodSync(join(bin, name), 0o755);
  }
  const calls = join(dir.path, "calls");
  // The systemd tests run on macOS too: the platform is named, not taken from the machine.
  const env = { HOME: home, PATH: `${bin}:${process.env.PATH}`, CALLS: calls, XDG_CONFIG_HOME: undefined, P2PCHAT_SERVICE_PLATFORM: "linux" };
  return {
    home,
    p2p: join(home, ".p2pchat"),
    run: (args, extra = {}) => runCli(args, { env: { ...env, ...extra } }),
    calls: () => (existsSync(calls) ? readFileSync(calls, "utf8").trimEnd().split("\n") : []),
    [Symbol.asyncDispose]: () => dir[Symbol.asyncDispose](),
  };
}

/** How the service starts this p2pchat: the binary under test, or bun and main.ts. */
const SELF = cliCommand([]);

/** The stand-ins are sh scripts, and the files name POSIX paths. */
const noServices = isWindows ? "p2pchat service knows systemd and launchd; Windows has neither (and the stand-ins are sh scripts)" : null;

describe.skipIf(noServices !== null)(`service on Linux (systemd user unit)${skipped(noServices)}`, () => {
  test("no user manager reachable: the unit is written all the same, with the commands to run later; status and uninstall say so too", async () => {
    await using w = await world({ systemctl: NO_SESSION });
    const unit = join(w.home, ".config", "systemd", "user", "p2pchat.service");
    const r = await w.run(["service", "install"]);
    expect({ exitCode: r.exitCode, calls: w.calls() }).toEqual({ exitCode: 0, calls: ["--user daemon-reload"] });
    expect(r.stdout.split("\n")).toEqual([
      `wrote ${unit}`,
      `  runs ${SELF.join(" ")} serve --home '${w.p2p}' --log '${w.p2p}/serve.log'`,
      "not enabled: systemd's user manager: Failed to connect to bus: No medium found",
      "to enable and start it, run in your login session:",
      "  systemctl --user daemon-reload",
      "  systemctl --user enable --now p2pchat",
      "follow the log: journalctl --user -u p2pchat -f",
      `  or: tail -f '${w.p2p}/serve.log'`,
      "",
    ]);
    const text = readFileSync(unit, "utf8");
    expect(text).toContain(`\nExecStart=${SELF.join(" ")} serve --home "${w.p2p}" --log "${w.p2p}/serve.log"\n`);
    expect(text).toContain(`\nWorkingDirectory=${w.p2p}\n`);
    expect(text).toContain("\nRestart=on-failure\n");
    expect(statSync(unit).mode & 0o777).toBe(0o600);
    // the home is made now, so the service's first start does not create an identity
    expect(existsSync(join(w.p2p, "config.json"))).toBe(true);

    const s = await w.run(["service", "status", "--json"]);
    expect(JSON.parse(s.stdout)).toEqual({
      installed: true,
      file: unit,
      enabled: "no",
      enabledDetail: "systemd: disabled",
      running: "unknown",
      runningDetail: "systemd's user manager: Failed to connect to bus: No medium found",
      home: w.p2p,
      serveAnswering: false,
    });

    const u = await w.run(["service", "uninstall"]);
    expect(u.exitCode).toBe(0);
    expect(u.stdout).toContain("could not stop it: systemd's user manager: Failed to connect to bus: No medium found\n");
    expect(u.stdout).toEndWith(`removed ${unit}\n`);
    expect(existsSync(unit)).toBe(false);
    expect((await w.run(["service", "uninstall"])).stdout).toBe(`no service installed (nothing at ${unit})\n`);
    expect((await w.run(["service", "status"])).stdout).toBe(`service: not installed (p2pchat service install writes ${unit})\nserve:   not running for ${w.p2p}\n`);
  });

  test("a user session: enabled and (re)started through systemctl --user; status reads it back; uninstall disables first", async () => {
    await using w = await world({ systemctl: DESKTOP });
    const home = join(w.home, "chat home");
    const db = "mysql://me:p%40ss$1@127.0.0.1:3306/chat";
    const r = await w.run(["service", "install", "--home", home], { XDG_CONFIG_HOME: join(w.home, "xdg"), P2PCHAT_DB: db });
    expect(r.exitCode).toBe(0);
    // Another home than the default gets a unit of its own, named after its path.
    const name = `p2pchat-${new Bun.CryptoHasher("sha256").update(home).digest("hex").slice(0, 8)}`;
    expect(r.stdout).toContain(`\nenabled and started: systemctl --user status ${name}\n`);
    expect(r.stdout).toContain(" --db 'mysql://me:***@127.0.0.1:3306/chat' "); // printed without its password
    expect(r.stdout).not.toContain("p%40ss");
    const unit = join(w.home, "xdg", "systemd", "user", `${name}.service`);
    // --home and the database from the environment, written into the unit, $ and % escaped
    expect(readFileSync(unit, "utf8")).toContain(`\nExecStart=${SELF.join(" ")} serve --home "${home}" --db "mysql://me:p%%40ss$$1@127.0.0.1:3306/chat" --log "${home}/serve.log"\n`);
    const status = await w.run(["service", "status", "--home", home], { XDG_CONFIG_HOME: join(w.home, "xdg") });
    expect(status.stdout.split("\n").slice(1, 3)).toEqual(["enabled: yes (systemd: enabled)", "running: yes (systemd: active)"]);
    // The default home's service is another one: installing it leaves this one be, and the other way round.
    expect((await w.run(["service", "install"], { XDG_CONFIG_HOME: join(w.home, "xdg") })).exitCode).toBe(0);
    const defaultUnit = join(w.home, "xdg", "systemd", "user", "p2pchat.service");
    expect(readFileSync(defaultUnit, "utf8")).toContain(`--home "${w.p2p}"`);
    expect(readFileSync(unit, "utf8")).toContain(`--home "${home}"`);
    const u = await w.run(["service", "uninstall", "--home", home], { XDG_CONFIG_HOME: join(w.home, "xdg") });
    expect(u.stdout).toBe(`stopped and disabled\nremoved ${unit}\n`);
    expect(existsSync(defaultUnit)).toBe(true);
    expect(w.calls()).toEqual([
      "--user daemon-reload",
      `--user enable ${name}.service`,
      `--user restart ${name}.service`,
      `--user is-enabled ${name}.service`,
      `--user is-active ${name}.service`,
      "--user daemon-reload",
      "--user enable p2pchat.service",
      "--user restart p2pchat.service",
      `--user disable --now ${name}.service`,
      "--user daemon-reload",
    ]);
  });

  test.skipIf(!Bun.which("systemd-analyze"))("the unit written passes systemd-analyze --user verify", async () => {
    await using w = await world({ systemctl: NO_SESSION });
    const home = join(w.home, "odd $home 100%");
    expect((await w.run(["service", "install", "--home", home, "--db", "mysql://a:b%20c@127.0.0.1/x"])).exitCode).toBe(0);
    const runtime = join(w.home, "runtime");
    mkdirSync(runtime, { mode: 0o700 });
    const name = `p2pchat-${new Bun.CryptoHasher("sha256").update(home).digest("hex").slice(0, 8)}.service`;
    const v = Bun.spawnSync(["systemd-analyze", "--user", "verify", join(w.home, ".config", "systemd", "user", name)], {
      env: { ...process.env, XDG_RUNTIME_DIR: runtime, HOME: w.home },
      stdout: "pipe",
      stderr: "pipe",
    });
    expect({ exitCode: v.exitCode, output: (v.stdout.toString() + v.stderr.toString()).trim() }).toEqual({ exitCode: 0, output: "" });
  });
});

describe.skipIf(noServices !== null)(`service on macOS (launchd agent)${skipped(noServices)}`, () => {
  test("install writes the plist and bootstraps it; status reads launchd; uninstall boots it out", async () => {
    await using w = await world({ launchctl: LAUNCHCTL });
    const env = { P2PCHAT_SERVICE_PLATFORM: "darwin" };
    const plist = join(w.home, "Library", "LaunchAgents", "p2pchat.plist");
    const uid = process.getuid!();
    const r = await w.run(["service", "install"], env);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain(`\nloaded and started: launchctl print gui/${uid}/p2pchat\nfollow the log: tail -f '${w.p2p}/serve.log'\n`);
    const text = readFileSync(plist, "utf8");
    for (const arg of [...SELF, "serve", "--home", w.p2p, "--log", `${w.p2p}/serve.log`]) expect(text).toContain(`<string>${arg}</string>`);
    const status = await w.run(["service", "status", "--json"], env);
    expect(JSON.parse(status.stdout)).toMatchObject({ installed: true, enabled: "yes", running: "yes", runningDetail: "launchd: state = running" });
    expect((await w.run(["service", "uninstall"], env)).stdout).toBe(`stopped and unloaded\nremoved ${plist}\n`);
    expect(existsSync(plist)).toBe(false);
    expect(w.calls()).toEqual([`bootout gui/${uid}/p2pchat`, `bootstrap gui/${uid} ${plist}`, `print gui/${uid}/p2pchat`, `bootout gui/${uid}/p2pchat`]);
  });
});
