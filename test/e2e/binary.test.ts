// The compiled executable stands alone: copied into an empty folder, with no
// Bun on PATH and a hostile bunfig.toml and .env beside it, it runs every
// command. P2PCHAT_BIN names a binary already built (CI builds one);
// otherwise this builds one into a temporary folder first.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { copyFile, mkdir } from "node:fs/promises";
import { existsSync } from "node:fs";
import { join } from "node:path";
import pkg from "../../package.json" with { type: "json" };
import { isWindows } from "../helpers/platform.ts";
import { freePort } from "../helpers/serve.ts";
import { tempDir, type TempDir } from "../helpers/tmp.ts";
import { gitCommit } from "../../src/version.ts";

// Building the executable takes a few seconds on a loaded machine.
setDefaultTimeout(120_000);

const ROOT = join(import.meta.dir, "..", "..");
/** Windows runs only files named .exe. */
const EXE = isWindows ? ".exe" : "";
let dir: TempDir;
let work: string;
let bin: string;
let env: Record<string, string>;
let buildStarted: number;

beforeAll(async () => {
  buildStarted = Math.floor(Date.now() / 1000) * 1000;
  dir = await tempDir("p2pchat-binary-");
  let built = process.env.P2PCHAT_BIN;
  if (!built) {
    built = join(dir.path, "built", `p2pchat${EXE}`);
    const b = Bun.spawnSync([process.execPath, join(ROOT, "build.ts"), "--outfile", built], { cwd: ROOT, stdout: "pipe", stderr: "pipe" });
    if (b.exitCode !== 0) throw new Error(`build failed: ${b.stderr.toString()}`);
  }
  // An empty folder holding the executable and files a stray Bun would obey.
  work = join(dir.path, "work");
  const emptyPath = join(dir.path, "no-bun-here");
  await mkdir(work, { recursive: true });
  await mkdir(emptyPath);
  bin = join(work, `p2pchat${EXE}`);
  await copyFile(built, bin);
  await Bun.write(join(work, "bunfig.toml"), '[run]\npreload = ["./evil.ts"]\n[test]\npreload = ["./evil.ts"]\n');
  await Bun.write(join(work, "evil.ts"), 'console.log("EVIL PRELOAD RAN"); process.exit(42);\n');
  await Bun.write(join(work, ".env"), `P2PCHAT_HOME=${join(work, "home-from-dotenv")}\nP2PCHAT_DB=mysql://nobody@127.0.0.1:1/none\n`);
  // Nothing leaves the machine: no LAN beacons, port mapping or public DHT from the serve below.
  env = { PATH: emptyPath, HOME: work, NO_COLOR: "1", TMPDIR: dir.path, P2PCHAT_DISCOVERY: "off" };
  // Windows: its home is in %USERPROFILE% and %APPDATA%, and a process without
  // SystemRoot cannot start its sockets.
  if (isWindows) Object.assign(env, { SystemRoot: process.env.SystemRoot ?? "C:\\Windows", USERPROFILE: work, APPDATA: join(work, "AppData", "Roaming"), TEMP: dir.path, TMP: dir.path });
});

afterAll(async () => {
  await dir?.[Symbol.asyncDispose]();
});

function run(args: string[], stdin?: string) {
  const r = Bun.spawnSync([bin, ...args], { cwd: work, env, stdin: stdin === undefined ? "ignore" : new TextEncoder().encode(stdin), stdout: "pipe", stderr: "pipe" });
  return { stdout: r.stdout.toString(), stderr: r.stderr.toString(), exitCode: r.exitCode };
}

describe("the compiled executable", () => {
  test("no Bun on its PATH, and --version prints the package's version, the commit and the build date stamped in", () => {
    expect(Bun.which("bun", { PATH: env.PATH })).toBeNull();
    const r = run(["--version"]);
    expect({ stderr: r.stderr, exitCode: r.exitCode }).toEqual({ stderr: "", exitCode: 0 });
    const m = /^p2pchat (\S+) \((?:commit ([0-9a-f]{12})(?:-dirty)?|dev), built (\S+)\)\n$/.exec(r.stdout);
    expect(m).not.toBeNull();
    expect(m![1]).toBe(pkg.version);
    expect(m![2] ?? null).toBe(gitCommit(ROOT)?.replace(/-dirty$/, "") ?? null);
    const built = Date.parse(m![3]!);
    // built by this test: between its start and now; built before (P2PCHAT_BIN): a date in the past
    if (!process.env.P2PCHAT_BIN) expect(built).toBeGreaterThanOrEqual(buildStarted);
    expect(built).toBeLessThanOrEqual(Date.now());
  });

  test("a bunfig.toml and .env in the working folder change nothing", () => {
    // `contacts` opens the database, so it would meet the .env's MySQL URL if it obeyed it
    const id = run(["contacts"]);
    expect(id.stdout + id.stderr).not.toContain("EVIL");
    expect(id.exitCode).toBe(0);
    // the default home (%APPDATA%\p2pchat on Windows), not the one .env names, and SQLite, not the .env's database
    expect(existsSync(join(isWindows ? env.APPDATA! : work, isWindows ? "p2pchat" : ".p2pchat", "p2pchat.db"))).toBe(true);
    expect(existsSync(join(work, "home-from-dotenv"))).toBe(false);
  });

  test("every command, two users, a message delivered: the SQL and everything else is inside", async () => {
    const [pa, pb] = [await freePort(), await freePort()];
    const a = join(work, "alice");
    const b = join(work, "bob");
    const ida = run(["init", "--home", a, "--name", "alice", "--host", "127.0.0.1", "--port", String(pa)]);
    const idb = run(["init", "--home", b, "--name", "bob", "--host", "127.0.0.1", "--port", String(pb)]);
    expect([ida.exitCode, idb.exitCode]).toEqual([0, 0]);
    const [alicePeer, bobPeer] = [ida.stdout.split(" ")[1]!, idb.stdout.split(" ")[1]!];
    expect(run(["contacts", "add", "bob", `127.0.0.1:${pb}`, "--id", bobPeer, "--home", a]).exitCode).toBe(0);
    expect(run(["contacts", "add", "alice", `127.0.0.1:${pa}`, "--id", alicePeer, "--home", b]).exitCode).toBe(0);
    expect(run(["db", "migrate", "--home", a]).exitCode).toBe(0);
    expect(run(["contacts", "--home", a]).stdout).toContain(bobPeer);

    const serve = Bun.spawn([bin, "serve", "--home", b], { cwd: work, env, stdin: "pipe", stdout: "pipe", stderr: "pipe" });
    try {
      const reader = serve.stdout.getReader();
      let out = "";
      const waitFor = async (re: RegExp) => {
        const deadline = Date.now() + 20_000;
        while (!re.test(out)) {
          if (Date.now() > deadline) throw new Error(`timed out waiting for ${re}: ${out}`);
          const { value, done } = await reader.read();
          if (done) throw new Error(`serve ended: ${out}`);
          out += new TextDecoder().decode(value);
        }
      };
      await waitFor(/ready: /);
      const sent = Bun.spawnSync([bin, "send", "bob", "hello from the binary", "--home", a], { cwd: work, env, stdout: "pipe", stderr: "pipe" });
      expect(sent.exitCode).toBe(0);
      await waitFor(/alice: hello from the binary/);

      const status = run(["status", "--json", "--home", b]);
      expect(status.exitCode).toBe(0);
      expect(JSON.parse(status.stdout).discoverable).toBe(true);
      expect(run(["discoverable", "off", "--home", b]).exitCode).toBe(0);
      expect(run(["discoverable", "on", "--home", b]).exitCode).toBe(0);
    } finally {
      // Windows has no SIGTERM: there serve is told on its stdin.
      if (isWindows) {
        serve.stdin.write("/quit\n");
        serve.stdin.flush();
      } else serve.kill("SIGTERM");
      expect(await serve.exited).toBe(0);
    }

    const history = JSON.parse(run(["history", "bob", "--json", "--home", a]).stdout);
    expect(history).toHaveLength(1);
    expect(history[0]).toMatchObject({ direction: "out", peer: "bob", text: "hello from the binary", status: "delivered" });
    const found = JSON.parse(run(["search", "binary", "--json", "--home", b]).stdout);
    expect(found.map((e: { text: string }) => e.text)).toEqual(["hello from the binary"]);
  });

  test("bad input still gets one clear line and exit 2", () => {
    const r = run(["contacts", "add", "eve", "no-port-here"]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(run(["--help"]).stdout).toContain("chat");
  });
});
