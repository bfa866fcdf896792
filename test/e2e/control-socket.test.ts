// The control socket carries messages and contacts between our commands and
// our serve: no other user of the machine may sit in its place. When the home
// path is too long for a unix socket, the socket goes to a folder only we can
// write; a socket we did not make, or one open to others, is refused.
import { afterAll, describe, expect, test, setDefaultTimeout } from "bun:test";
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { runCli } from "../helpers/cli.ts";
import { otherUser, type Background } from "../helpers/other-user.ts";
import { freePort, spawnServe } from "../helpers/serve.ts";
import { noUnixSockets, skipped } from "../helpers/platform.ts";
import { tempDir } from "../helpers/tmp.ts";

setDefaultTimeout(60_000);

const other = await otherUser("p2pchat-h1-ctl");
afterAll(async () => {
  if (typeof other !== "string") await other[Symbol.asyncDispose]();
});
const needsOther = test.skipIf(typeof other === "string");
const skipNote = typeof other === "string" ? ` (skipped: ${other})` : "";

const FIXTURE = join(import.meta.dir, "squat-fixture.ts");
const uid = process.getuid?.() ?? -1;
const tagOf = (home: string) => new Bun.CryptoHasher("sha256").update(home).digest("hex").slice(0, 16);
const mode = (p: string) => lstatSync(p).mode & 0o777;

/** A home whose control.sock would not fit in a unix socket path, with a contact to write to. */
async function longHome(base: string, env: Record<string, string | undefined>): Promise<string> {
  const home = join(base, "h".repeat(100));
  const port = String(await freePort());
  expect((await runCli(["init", "--home", home, "--name", "alice", "--host", "127.0.0.1", "--port", port], { env })).exitCode).toBe(0);
  expect((await runCli(["contacts", "add", "bob", "127.0.0.1:9", "--home", home], { env })).exitCode).toBe(0);
  return home;
}

describe.skipIf(noUnixSockets !== null)(`control socket${skipped(noUnixSockets)}`, () => {
  needsOther(`another user squatting the predictable paths captures nothing; send and serve refuse their folder${skipNote}`, async () => {
    if (typeof other === "string") return;
    await using base = await tempDir();
    const shared = other.sharedDir(); // our temp folder, and theirs
    const env = { TMPDIR: shared, XDG_RUNTIME_DIR: undefined };
    const home = await longHome(base.path, env);
    const tag = tagOf(home);
    // The old fallback name, and the per-user folder, made first by them.
    const oldPath = join(shared, `p2pchat-${tag}.sock`);
    const ourDir = join(shared, `p2pchat-${uid}`);
    await using squatter: Background = await other.start(["bun", FIXTURE, `listen:${oldPath}`, `mkdir:${join(ourDir, `${tag}.sock`)}`]);

    const send = await runCli(["send", "bob", "TOP SECRET launch code 0000", "--no-wait", "--home", home], { env });
    const refusal = `refusing the control folder ${ourDir}: it belongs to uid ${other.uid}, not to you (uid ${uid})`;
    expect(send.stderr).toContain(refusal);
    expect([send.exitCode, send.stdout]).toEqual([1, ""]);
    const serve = await runCli(["serve", "--home", home], { env });
    expect(serve.stderr).toContain(refusal);
    expect(serve.exitCode).toBe(1);
    expect(squatter.output()).toBe("ready\n");
  });

  needsOther(`with the old name squatted, our serve and commands meet in a private folder of ours${skipNote}`, async () => {
    if (typeof other === "string") return;
    await using base = await tempDir();
    const shared = other.sharedDir();
    const env = { TMPDIR: shared, XDG_RUNTIME_DIR: undefined };
    const home = await longHome(base.path, env);
    const tag = tagOf(home);
    await using squatter = await other.start(["bun", FIXTURE, `listen:${join(shared, `p2pchat-${tag}.sock`)}`]);
    await using serve = await spawnServe(["--home", home], env);
    const dir = join(shared, `p2pchat-${uid}`);
    expect([mode(dir), mode(join(dir, `${tag}.sock`))]).toEqual([0o700, 0o600]);
    const send = await runCli(["send", "bob", "TOP SECRET launch code 0000", "--no-wait", "--home", home], { env });
    expect(send).toEqual({ exitCode: 0, stdout: expect.stringContaining("queued for bob"), stderr: "" });
    const status = await runCli(["status", "--json", "--home", home], { env });
    expect(JSON.parse(status.stdout)).toMatchObject({ running: true, pending: [{ peer: "bob", pending: 1 }] });
    expect(squatter.output()).toBe("ready\n");
    expect(await serve.stop()).toBe(0);
    expect(existsSync(join(dir, `${tag}.sock`))).toBe(false);
  });

  test("a per-user folder that is a symlink or open to others is refused; $XDG_RUNTIME_DIR is used only when private", async () => {
    await using base = await tempDir();
    const tmp = join(base.path, "tmp");
    mkdirSync(tmp);
    const env = { TMPDIR: tmp, XDG_RUNTIME_DIR: undefined };
    const home = await longHome(base.path, env);
    const tag = tagOf(home);
    const ourDir = join(tmp, `p2pchat-${uid}`);

    const elsewhere = join(base.path, "elsewhere");
    mkdirSync(elsewhere, { mode: 0o700 });
    symlinkSync(elsewhere, ourDir);
    const viaLink = await runCli(["status", "--home", home], { env });
    expect([viaLink.exitCode, viaLink.stderr]).toEqual([1, expect.stringContaining(`refusing the control folder ${ourDir}: it is a symbolic link`)]);

    await Bun.$`rm ${ourDir}`;
    mkdirSync(ourDir, { mode: 0o700 });
    chmodSync(ourDir, 0o755);
    const open = await runCli(["status", "--home", home], { env });
    expect([open.exitCode, open.stderr]).toEqual([1, expect.stringContaining(`refusing the control folder ${ourDir}: its mode is 0755, not 0700`)]);

    // A private runtime folder wins over the temp folder...
    const runtime = join(base.path, "run");
    mkdirSync(runtime, { mode: 0o700 });
    chmodSync(runtime, 0o700);
    await using serve = await spawnServe(["--home", home], { ...env, XDG_RUNTIME_DIR: runtime });
    expect(mode(join(runtime, `p2pchat-${tag}.sock`))).toBe(0o600);
    const attached = await runCli(["status", "--json", "--home", home], { env: { ...env, XDG_RUNTIME_DIR: runtime } });
    expect(JSON.parse(attached.stdout).running).toBe(true);
    await serve.stop();
    // ...but one open to others is not used: back to the temp folder (still refused as it is 0755).
    chmodSync(runtime, 0o755);
    const notPrivate = await runCli(["status", "--home", home], { env: { ...env, XDG_RUNTIME_DIR: runtime } });
    expect([notPrivate.exitCode, notPrivate.stderr]).toEqual([1, expect.stringContaining(`refusing the control folder ${ourDir}`)]);
  });

  test("a socket open to others, or another user's, is refused; a reply of the wrong shape is an error, not 'delivered to undefined'", async () => {
    await using home = await tempDir();
    const h = ["--home", home.path];
    expect((await runCli(["init", ...h, "--name", "alice", "--host", "127.0.0.1", "--port", String(await freePort())])).exitCode).toBe(0);
    expect((await runCli(["contacts", "add", "bob", "127.0.0.1:9", ...h])).exitCode).toBe(0);
    const path = join(home.path, "control.sock");
    // Something that answers like a serve, but is not one.
    const fake = Bun.spawn([process.execPath, FIXTURE, `listen:${path}`], { stdout: "pipe", stderr: "pipe" });
    try {
      const reader = fake.stdout.getReader();
      let out = "";
      while (!out.includes("ready\n")) out += new TextDecoder().decode((await reader.read()).value);
      reader.releaseLock();

      expect(mode(path)).toBe(0o777);
      const open = await runCli(["status", ...h]);
      expect(open).toEqual({ exitCode: 1, stdout: "", stderr: expect.stringContaining(`refusing to talk to the control socket ${path}: its mode is 0777`) });

      chmodSync(path, 0o600);
      if (typeof other !== "string") {
        chownSync(path, other.uid, other.gid);
        const theirs = await runCli(["status", ...h]);
        expect(theirs).toEqual({ exitCode: 1, stdout: "", stderr: expect.stringContaining(`: it belongs to uid ${other.uid}, not to you (uid ${uid})`) });
        chownSync(path, uid, process.getgid!());
      }

      const send = await runCli(["send", "bob", "hello", ...h]);
      expect(send.stdout).toBe("");
      expect(send.stderr).toContain(`the serve's reply to "send" is not what a serve answers ("id" is not a string)`);
      expect(send.exitCode).toBe(1);
    } finally {
      fake.kill("SIGKILL");
      await fake.exited;
    }
  });
});
