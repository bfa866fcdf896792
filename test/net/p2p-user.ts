// p2pchat users inside the testbed: a home made with `init`, `serve` run in
// a host's namespace (discovery on: inside a namespace it reaches only the
// testbed), and commands typed there too, as a person would. The CLI runs
// from source, or the compiled binary when P2PCHAT_BIN is set.
import { join } from "node:path";
import { cliCommand, cliEnv, runCli } from "../helpers/cli.ts";
import { tempDir, type TempDir } from "../helpers/tmp.ts";
import type { Host } from "./host.ts";
import { inNs, type RunResult } from "./netns.ts";
import type { NsProcess } from "./process.ts";

const ROOT = join(import.meta.dir, "..", "..");

/** The environment of a command run inside a namespace: clean (cliEnv), discovery on, plus `extra`. */
export function nsEnv(extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = {};
  // NsProcess starts from process.env: drop our own P2PCHAT_* settings there too.
  for (const k of Object.keys(process.env)) if (k.startsWith("P2PCHAT_")) env[k] = undefined;
  return { ...env, ...cliEnv({ P2PCHAT_DISCOVERY: "on", ...extra }) };
}

export class NetUser implements AsyncDisposable {
  /** The running `serve`, or null. */
  serving: NsProcess | null = null;

  private constructor(
    readonly name: string,
    /** Where its commands run (it may move: host.setAddress). */
    readonly host: Host,
    private readonly dir: TempDir,
    readonly peerId: string,
  ) {}

  get home(): string {
    return this.dir.path;
  }

  /** `p2pchat init --name NAME` in a fresh home (no network involved). */
  static async create(host: Host, name: string): Promise<NetUser> {
    const dir = await tempDir(`p2pchat-net-${name}-`);
    const init = await runCli(["init", "--name", name, "--home", dir.path, "--host", "0.0.0.0", "--port", "20001"]);
    if (init.exitCode !== 0) {
      await dir[Symbol.asyncDispose]();
      throw new Error(`init ${name} failed: ${init.stderr}`);
    }
    return new NetUser(name, host, dir, init.stdout.split(" ")[1]!);
  }

  /** One command in the host's namespace, to completion; `stdin`: what it reads (a piped chat). */
  async cli(args: string[], env: Record<string, string> = {}, stdin?: string): Promise<RunResult> {
    const proc = Bun.spawn(inNs(this.host.ns, cliCommand([...args, "--home", this.home])), {
      env: definedOnly(nsEnv(env)),
      cwd: ROOT,
      stdin: stdin === undefined ? "ignore" : new TextEncoder().encode(stdin),
      stdout: "pipe",
      stderr: "pipe",
    });
    const [stdout, stderr, exitCode] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
    return { stdout, stderr, exitCode };
  }

  /** A command that must succeed; its stdout. */
  async ok(args: string[], env: Record<string, string> = {}): Promise<string> {
    const r = await this.cli(args, env);
    if (r.exitCode !== 0) throw new Error(`${this.name}: p2pchat ${args.join(" ")}: exit ${r.exitCode}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
    return r.stdout;
  }

  /** A command with --json that must succeed, parsed. */
  async json<T>(args: string[]): Promise<T> {
    return JSON.parse(await this.ok([...args, "--json"])) as T;
  }

  /** `p2pchat serve --port PORT ...` in the host's namespace, awaited until its ready line. */
  async serve(port: number, args: string[] = [], env: Record<string, string> = {}): Promise<NsProcess> {
    if (this.serving?.running) throw new Error(`${this.name} is serving already`);
    // "::" takes IPv4 too (dual stack): reachable at every address its beacons come from.
    const argv = cliCommand(["serve", "--home", this.home, "--host", "::", "--port", String(port), ...args]);
    const p = this.host.spawn(argv, { env: nsEnv(env), cwd: ROOT });
    this.serving = p;
    await p.waitFor(/^ready: /, { timeoutMs: 20_000 });
    return p;
  }

  /** Stops its serve (SIGTERM: a clean stop, as Ctrl-C). */
  async stop(): Promise<void> {
    const p = this.serving;
    this.serving = null;
    if (p) await p.stop("SIGTERM");
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.serving?.stop("SIGKILL");
    await this.dir[Symbol.asyncDispose]();
  }
}

function definedOnly(env: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = v;
  return out;
}
