// Ctrl-C and Ctrl-Break at serve's console on Windows: each stops the node
// cleanly (the pending work kept, the home free), as Ctrl-C does on Linux
// and macOS (serve.test.ts, serve-tty.test.ts). Without a handler, Windows
// ends a process on Ctrl-Break with STATUS_CONTROL_C_EXIT, mid-write.
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { join } from "node:path";
import { cliCommand, cliEnv } from "../helpers/cli.ts";
import { isWindows, skipped } from "../helpers/platform.ts";
import { makeUser } from "../helpers/serve.ts";

setDefaultTimeout(60_000);

const FIXTURE = join(import.meta.dir, "console-ctrl-fixture.ts");
const noConsole = isWindows ? null : `console control events are Windows' (this is ${process.platform}); SIGINT and SIGTERM are tested in serve.test.ts`;

describe.skipIf(noConsole !== null)(`serve at a Windows console${skipped(noConsole)}`, () => {
  for (const [key, press] of [
    ["c", "Ctrl-C"],
    ["break", "Ctrl-Break"],
  ] as const) {
    test(`${press} stops the node cleanly: exit 0, "stopped", and the next command finds no node running`, async () => {
      await using alice = await makeUser("alice");
      const proc = Bun.spawn([process.execPath, FIXTURE, key, ...cliCommand(["serve", "--home", alice.home])], { env: cliEnv(), stdout: "pipe", stderr: "pipe" });
      const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
      expect({ code, err }).toEqual({ code: 0, err: "" });
      const r = JSON.parse(out.trim().split("\n").at(-1)!) as { exitCode: number | null; stdout: string; stderr: string };
      expect({ exitCode: r.exitCode, stopped: r.stderr.endsWith("p2pchat: stopped\n") }).toEqual({ exitCode: 0, stopped: true });
      const status = await alice.cli(["status", "--json"]);
      expect(JSON.parse(status.stdout).running).toBe(false);
    });
  }
});
