// A second local user, for the tests where another person on the same
// machine is the attacker (reading our files, squatting our socket). Needs
// root and useradd; elsewhere `otherUser` says why it cannot, and the test
// skips with that reason.
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface OtherUser extends AsyncDisposable {
  name: string;
  uid: number;
  gid: number;
  /** Runs `cmd` as this user; resolves with what it printed. */
  run(cmd: string[], opts?: { env?: Record<string, string> }): Promise<{ exitCode: number; stdout: string; stderr: string }>;
  /** Starts `cmd` as this user and resolves once it prints `ready`; stopped on dispose. */
  start(cmd: string[]): Promise<Background>;
  /** A folder everyone may enter and write to (sticky, like /tmp), removed on dispose. */
  sharedDir(): string;
}

export interface Background extends AsyncDisposable {
  /** Everything printed on stdout so far. */
  output(): string;
}

/** The user, or why there cannot be one here. `name` must be unique per test file. */
export async function otherUser(name: string): Promise<OtherUser | string> {
  if (process.platform !== "linux") return "needs Linux";
  if (process.getuid?.() !== 0) return "needs root to add a second local user";
  let created = false;
  if ((await Bun.$`id -u ${name}`.nothrow().quiet()).exitCode !== 0) {
    const add = await Bun.$`useradd --system --no-create-home --shell /usr/sbin/nologin ${name}`.nothrow().quiet();
    if (add.exitCode !== 0) return `useradd failed: ${add.stderr.toString().trim()}`;
    created = true;
  }
  const uid = Number((await Bun.$`id -u ${name}`.text()).trim());
  const gid = Number((await Bun.$`id -g ${name}`.text()).trim());
  const dirs: string[] = [];
  const env = () => ({ PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: "/nonexistent", BUN_RUNTIME_TRANSPILER_CACHE_PATH: "0" });
  return {
    name,
    uid,
    gid,
    async run(cmd, opts = {}) {
      const proc = Bun.spawn(cmd, { uid, gid, env: { ...env(), ...opts.env }, stdout: "pipe", stderr: "pipe", stdin: "ignore" });
      const [stdout, stderr, exitCode] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
      return { exitCode, stdout, stderr };
    },
    async start(cmd) {
      const proc = Bun.spawn(cmd, { uid, gid, env: env(), stdout: "pipe", stderr: "pipe", stdin: "ignore" });
      let out = "";
      const ready = Promise.withResolvers<void>();
      void (async () => {
        const dec = new TextDecoder();
        for await (const chunk of proc.stdout) {
          out += dec.decode(chunk, { stream: true });
          if (out.includes("ready\n")) ready.resolve();
        }
        ready.reject(new Error(`${cmd.join(" ")} exited before it was ready: ${await new Response(proc.stderr).text()}`));
      })();
      await ready.promise;
      return {
        output: () => out,
        async [Symbol.asyncDispose]() {
          proc.kill("SIGKILL");
          await proc.exited;
        },
      };
    },
    sharedDir() {
      const dir = mkdtempSync(join(tmpdir(), "p2pchat-shared-"));
      chmodSync(dir, 0o1777);
      dirs.push(dir);
      return dir;
    },
    async [Symbol.asyncDispose]() {
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
      if (created) await Bun.$`userdel ${name}`.nothrow().quiet();
    },
  };
}
