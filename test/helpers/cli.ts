// Runs the p2pchat CLI as a separate process, the way a person would.
// From source by default; P2PCHAT_BIN=path runs a compiled binary instead.
import { join } from "node:path";

const ROOT = join(import.meta.dir, "..", "..");
export const BIN = process.env.P2PCHAT_BIN;

export function cliCommand(args: readonly string[]): string[] {
  return BIN ? [BIN, ...args] : [process.execPath, join(ROOT, "src", "main.ts"), ...args];
}

export interface CliResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

export interface CliOptions {
  env?: Record<string, string | undefined>;
  /** Text, or raw bytes (input that is not UTF-8). */
  stdin?: string | Uint8Array;
  cwd?: string;
}

/** A clean environment: no colour, no inherited P2PCHAT_* settings. */
export function cliEnv(extra: Record<string, string | undefined> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith("P2PCHAT_") && k !== "FORCE_COLOR") env[k] = v;
  env.NO_COLOR = "1";
  // Nothing leaves the machine: no LAN beacons, port mapping or public DHT (a test that builds its own network says otherwise).
  env.P2PCHAT_DISCOVERY = "off";
  for (const [k, v] of Object.entries(extra)) if (v === undefined) delete env[k];
  else env[k] = v;
  return env;
}

export async function runCli(args: readonly string[], opts: CliOptions = {}): Promise<CliResult> {
  const proc = Bun.spawn(cliCommand(args), {
    env: cliEnv(opts.env),
    cwd: opts.cwd ?? ROOT,
    stdin: typeof opts.stdin === "string" ? new TextEncoder().encode(opts.stdin) : (opts.stdin ?? "ignore"),
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, exitCode] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { stdout, stderr, exitCode };
}
