// The echo server and the one-shot dialer, run inside testbed namespaces.
import { join } from "node:path";
import type { Machine } from "./host.ts";
import type { NsProcess } from "./process.ts";

const HERE = import.meta.dir;
export const ECHO_FIXTURE = join(HERE, "echo-fixture.ts");
export const DIAL_FIXTURE = join(HERE, "dial-fixture.ts");

export interface Echo {
  proc: NsProcess;
  port: number;
  /** The TLS certificate's SHA-256 fingerprint (with --tls). */
  fingerprint?: string;
}

/** Starts echo-fixture.ts on `m` (port 0: any) and waits until it listens. */
export async function startEcho(m: Machine, opts: { port?: number; host?: string; tls?: boolean } = {}): Promise<Echo> {
  const argv = [process.execPath, ECHO_FIXTURE, "--port", String(opts.port ?? 0), "--host", opts.host ?? "0.0.0.0"];
  if (opts.tls) argv.push("--tls");
  const proc = m.spawn(argv);
  const line = await proc.waitFor(/^ready /);
  const [, port, fingerprint] = line.split(" ");
  return { proc, port: Number(port), fingerprint };
}

export interface DialResult {
  ok: boolean;
  hello?: string;
  fingerprint?: string;
  error?: string;
}

/** Dials host:port from `m` once (dial-fixture.ts) and says how it went. */
export async function dialFrom(m: Machine, host: string, port: number, opts: { tls?: string; timeoutMs?: number } = {}): Promise<DialResult> {
  const argv = [process.execPath, DIAL_FIXTURE, host, String(port), "--timeout", String(opts.timeoutMs ?? 3000)];
  if (opts.tls) argv.push("--tls", opts.tls);
  const r = await m.exec(argv);
  const line = r.stdout.trim().split("\n").pop() ?? "";
  try {
    return JSON.parse(line) as DialResult;
  } catch {
    throw new Error(`dial-fixture printed no result (exit ${r.exitCode}): ${r.stdout}${r.stderr}`);
  }
}
