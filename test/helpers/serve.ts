// `p2pchat serve` as a child process, as a user runs it: its own home, a
// ready line to wait for, stdin to type into, signals to stop or kill it.
import type { Subprocess } from "bun";
import { cliCommand, cliEnv, runCli, type CliResult } from "./cli.ts";
import { freePort } from "./ports.ts";
import { tempDir, type TempDir } from "./tmp.ts";
import { pollUntil } from "./wait.ts";

export interface ServeProcess extends AsyncDisposable {
  proc: Subprocess<"pipe", "pipe", "pipe">;
  /** Everything printed so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves with the first stdout line matching `re`. */
  waitFor(re: RegExp, timeoutMs?: number): Promise<string>;
  /** The same on stderr (where serve says what it refused). */
  waitForStderr(re: RegExp, timeoutMs?: number): Promise<string>;
  /** Resolves with the `n`th stdout line matching `re` (1 is waitFor's). */
  waitForNth(re: RegExp, n: number, timeoutMs?: number): Promise<string>;
  type(line: string): void;
  /**
   * Stops it as its system's service manager would, and waits for the exit
   * code: SIGTERM; on Windows, which has no SIGTERM (a kill there ends the
   * process outright), `/quit` on its stdin.
   */
  stop(): Promise<number>;
}

export interface User extends AsyncDisposable {
  name: string;
  home: string;
  port: number;
  peerId: string;
  /** Runs a p2pchat command as this user. */
  cli(args: string[], opts?: { stdin?: string | Uint8Array; env?: Record<string, string> }): Promise<CliResult>;
  serve(args?: string[], env?: Record<string, string>): Promise<ServeProcess>;
}

export { freePort };

/** `home`: a path of the test's choosing (a space, an accent), left for the test to remove; else a temporary folder. */
export async function makeUser(name: string, opts: { db?: string; home?: string } = {}): Promise<User> {
  const dir: TempDir = opts.home ? { path: opts.home, [Symbol.asyncDispose]: async () => {} } : await tempDir(`p2pchat-${name}-`);
  const port = await freePort();
  const dbArgs = opts.db ? ["--db", opts.db] : [];
  const cli = (args: string[], o: { stdin?: string | Uint8Array; env?: Record<string, string> } = {}) => runCli([...args, "--home", dir.path, ...dbArgs], o);
  const init = await cli(["init", "--name", name, "--host", "127.0.0.1", "--port", String(port)]);
  if (init.exitCode !== 0) throw new Error(`init ${name} failed: ${init.stderr}`);
  // "NAME PEER-ID ADDRESS": a name may hold spaces, so the id is found by its shape.
  const peerId = /\b[A-Z2-7]{7}(?:-[A-Z2-7]{7}){7}\b/.exec(init.stdout)![0];
  const serves: ServeProcess[] = [];
  return {
    name,
    home: dir.path,
    port,
    peerId,
    cli,
    async serve(args = [], env = {}) {
      const s = await spawnServe([...args, "--home", dir.path, ...dbArgs], env);
      serves.push(s);
      return s;
    },
    async [Symbol.asyncDispose]() {
      for (const s of serves) await s[Symbol.asyncDispose]();
      await dir[Symbol.asyncDispose]();
    },
  };
}

/** Each knows the other, pinned. */
export async function introduce(a: User, b: User): Promise<void> {
  for (const [x, y] of [
    [a, b],
    [b, a],
  ] as const) {
    const r = await x.cli(["contacts", "add", y.name, `127.0.0.1:${y.port}`, "--id", y.peerId]);
    if (r.exitCode !== 0) throw new Error(r.stderr);
  }
}

export async function spawnServe(args: string[], env: Record<string, string | undefined> = {}): Promise<ServeProcess> {
  const proc = Bun.spawn(cliCommand(["serve", ...args]), { env: cliEnv(env), stdin: "pipe", stdout: "pipe", stderr: "pipe" });
  let out = "";
  let err = "";
  const listeners = new Set<() => void>();
  const pump = async (stream: ReadableStream<Uint8Array>, onText: (t: string) => void) => {
    const dec = new TextDecoder();
    for await (const chunk of stream) {
      onText(dec.decode(chunk, { stream: true }));
      for (const l of listeners) l();
    }
  };
  void pump(proc.stdout, (t) => (out += t));
  void pump(proc.stderr, (t) => (err += t));
  const nthLine = (stream: string, text: () => string, re: RegExp, n: number, timeoutMs = 20_000) =>
    new Promise<string>((resolve, reject) => {
      // Scans each printed line once: a stream of thousands of lines stays cheap to watch.
      let scanned = 0;
      let seen = 0;
      const check = () => {
        const t = text();
        let line: string | undefined;
        while (line === undefined) {
          const end = t.indexOf("\n", scanned);
          if (end < 0) break;
          const l = t.slice(scanned, end);
          scanned = end + 1;
          if (re.test(l) && ++seen === n) line = l;
        }
        if (line !== undefined) {
          listeners.delete(check);
          clearTimeout(timer);
          resolve(line);
        } else if (proc.exitCode !== null) {
          listeners.delete(check);
          clearTimeout(timer);
          reject(new Error(`serve exited (${proc.exitCode}) before ${n === 1 ? "" : `${n} lines of `}${re} on ${stream}: ${err}`));
        }
      };
      const timer = setTimeout(() => {
        listeners.delete(check);
        reject(new Error(`timed out waiting for ${n === 1 ? "" : `${n} lines of `}${re} on ${stream} (${seen} seen); stdout: ${out}; stderr: ${err}`));
      }, timeoutMs);
      listeners.add(check);
      check();
    });
  const handle: ServeProcess = {
    proc,
    stdout: () => out,
    stderr: () => err,
    waitFor: (re, timeoutMs) => nthLine("stdout", () => out, re, 1, timeoutMs),
    waitForStderr: (re, timeoutMs) => nthLine("stderr", () => err, re, 1, timeoutMs),
    waitForNth: (re, n, timeoutMs) => nthLine("stdout", () => out, re, n, timeoutMs),
    type(line) {
      proc.stdin.write(line + "\n");
      proc.stdin.flush();
    },
    async stop() {
      if (process.platform === "win32") handle.type("/quit");
      else proc.kill("SIGTERM");
      return proc.exited;
    },
    async [Symbol.asyncDispose]() {
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill("SIGKILL");
        await proc.exited;
      }
    },
  };
  await handle.waitFor(/^ready: /);
  return handle;
}

/** Runs `args` until it exits 0 (a condition with no event to wait on: the peers' keys arrive with their links). */
export async function cliUntilOk(user: User, args: string[], what: string, timeoutMs = 20_000): Promise<string> {
  const r = await pollUntil(() => user.cli(args), (r) => r.exitCode === 0, what, { timeoutMs, everyMs: 100 });
  return r.stdout;
}

/** Awaits `check`; when it fails, its message starts with `where` (where a kill landed, say): said only on failure. */
export async function said(where: string, check: Promise<void>): Promise<void> {
  try {
    await check;
  } catch (err) {
    if (err instanceof Error) err.message = `${where}: ${err.message}`;
    throw err;
  }
}
