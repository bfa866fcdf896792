// The service files' text: systemd's quoting and escaping (checked by
// systemd-analyze itself where it is installed) and the launchd plist
// (read back by Python's plistlib where python3 is installed).
import { describe, expect, test } from "bun:test";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { launchdPlist, systemdUnit, systemdWord, type ServiceSpec } from "../../../src/cli/service/service-files.ts";
import { isWindows, skipped } from "../../helpers/platform.ts";
import { tempDir } from "../../helpers/tmp.ts";

const ANALYZE = Bun.which("systemd-analyze");
const PYTHON = Bun.which("python3");
if (!ANALYZE) console.warn("p2pchat: systemd-analyze verify skipped: systemd-analyze is not installed");
if (!PYTHON) console.warn("p2pchat: the plist read-back skipped: python3 is not installed");

function spec(root: string, db = "mysql://u:p%40ss$word@127.0.0.1:3306/chat"): ServiceSpec {
  const home = join(root, "my home", ".p2pchat");
  return {
    name: "p2pchat",
    argv: [join(root, "my bin", "p2pchat"), "serve", "--home", home, "--db", db, "--log", join(home, "serve.log")],
    home,
    logFile: join(home, "serve.log"),
    stderrFile: join(home, "serve.stderr.log"),
  };
}

/** `systemd-analyze --user verify` on `text`, with a runtime folder of its own (no user session needed). */
async function verify(root: string, text: string): Promise<{ exitCode: number; output: string }> {
  const unit = join(root, "p2pchat.service");
  writeFileSync(unit, text);
  const runtime = join(root, "runtime");
  mkdirSync(runtime, { recursive: true, mode: 0o700 });
  const p = Bun.spawn([ANALYZE!, "--user", "verify", unit], { env: { ...process.env, XDG_RUNTIME_DIR: runtime, SYSTEMD_LOG_COLOR: "0" }, stdout: "pipe", stderr: "pipe" });
  const [out, err, exitCode] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { exitCode, output: (out + err).trim() };
}

describe("systemd", () => {
  test("ExecStart words: plain ones bare; spaces, quotes and backslashes quoted; $ and % escaped", () => {
    expect(["/usr/bin/p2pchat", "serve", "--home", "/a b/c", 'say "hi"', "back\\slash", "$HOME", "100%", "", "semi;colon"].map(systemdWord)).toEqual([
      "/usr/bin/p2pchat",
      "serve",
      "--home",
      '"/a b/c"',
      '"say \\"hi\\""',
      '"back\\\\slash"',
      '"$$HOME"',
      "100%%",
      '""',
      '"semi;colon"',
    ]);
    expect(() => systemdWord("two\nlines")).toThrow(/control character/);
  });

  // systemd and launchd take POSIX paths: on Windows the temporary folder has none.
  const noPosixPaths = isWindows ? "systemd units and launchd agents hold POSIX paths (Linux's and macOS's)" : null;
  test.skipIf(isWindows)(`the unit: this executable's serve for the home, restarted on failure, started with the user's session${skipped(noPosixPaths)}`, async () => {
    await using dir = await tempDir();
    const s = spec(dir.path);
    const home = s.home;
    expect(systemdUnit(s).split("\n")).toEqual([
      "# Written by `p2pchat service install`; `p2pchat service uninstall` removes it.",
      `# serve logs to ${home}/serve.log (rotated) and to the journal: journalctl --user -u p2pchat -f`,
      "[Unit]",
      `Description=p2pchat node for ${home}`,
      "",
      "[Service]",
      "Type=simple",
      `ExecStart="${dir.path}/my bin/p2pchat" serve --home "${home}" --db "mysql://u:p%%40ss$$word@127.0.0.1:3306/chat" --log "${home}/serve.log"`,
      `WorkingDirectory=${home}`,
      "Restart=on-failure",
      "RestartSec=5",
      "",
      "[Install]",
      "WantedBy=default.target",
      "",
    ]);
    expect(() => systemdUnit({ ...s, argv: ["p2pchat", "serve"] })).toThrow(/absolute path/);
  });

  test.skipIf(!ANALYZE)("systemd-analyze verify accepts it, and would catch an unquoted path with spaces", async () => {
    await using dir = await tempDir();
    const s = spec(dir.path);
    mkdirSync(join(dir.path, "my bin"));
    mkdirSync(s.home, { recursive: true });
    writeFileSync(s.argv[0]!, "#!/bin/sh\n");
    chmodSync(s.argv[0]!, 0o755);
    expect(await verify(dir.path, systemdUnit(s))).toEqual({ exitCode: 0, output: "" });
    // the check is real: the same unit with the executable's quotes dropped fails
    const unquoted = systemdUnit(s).replace(`"${s.argv[0]}"`, s.argv[0]!);
    expect((await verify(dir.path, unquoted)).output).toContain(`Command ${dir.path}/my is not executable`);
  });
});

describe("launchd", () => {
  test.skipIf(!PYTHON || isWindows)(`the plist reads back (plistlib) as the agent: arguments, KeepAlive on failure, logs${skipped(isWindows ? "launchd agents hold POSIX paths (macOS's)" : null)}`, async () => {
    await using dir = await tempDir();
    const s = spec(join(dir.path, '<odd> & "name"'));
    const file = join(dir.path, "p2pchat.plist");
    writeFileSync(file, launchdPlist(s));
    const p = Bun.spawn([PYTHON!, "-c", "import json, plistlib, sys; print(json.dumps(plistlib.load(open(sys.argv[1], 'rb'))))", file], { stdout: "pipe", stderr: "pipe" });
    const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
    expect({ err, code }).toEqual({ err: "", code: 0 });
    expect(JSON.parse(out)).toEqual({
      Label: "p2pchat",
      ProgramArguments: s.argv,
      WorkingDirectory: s.home,
      RunAtLoad: true,
      KeepAlive: { SuccessfulExit: false },
      ThrottleInterval: 5,
      ProcessType: "Background",
      StandardOutPath: "/dev/null",
      StandardErrorPath: s.stderrFile,
    });
  });

  test("control characters are refused rather than written", () => {
    const s = spec("/tmp");
    expect(() => launchdPlist({ ...s, home: "/tmp/a\u0001b" })).toThrow(/control character/);
  });
});
