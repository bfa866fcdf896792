// Talking to a child process over JSON lines: the benchmark runs each node
// in a process of its own (two cores, two nodes), and drives it from here.
import type { Subprocess } from "bun";
import { join } from "node:path";

export interface Fixture extends AsyncDisposable {
  proc: Subprocess<"pipe", "pipe", "inherit">;
  call<T = Record<string, unknown>>(op: string, args?: Record<string, unknown>): Promise<T>;
}

/** Spawns `bench/<script>` and returns a client for its `{ rpc, op, args }` lines. */
export function spawnFixture(script: string, env: Record<string, string> = {}): Fixture {
  // P2PCHAT_BENCH_PROFILE=DIR writes a markdown CPU profile of each fixture there.
  const prof = process.env.P2PCHAT_BENCH_PROFILE ? ["--cpu-prof-md", `--cpu-prof-dir=${process.env.P2PCHAT_BENCH_PROFILE}`] : [];
  const proc = Bun.spawn([process.execPath, ...prof, join(import.meta.dir, script)], {
    stdin: "pipe",
    stdout: "pipe",
    stderr: "inherit",
    env: { ...process.env, NO_COLOR: "1", ...env },
  });
  const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let next = 1;
  void (async () => {
    let buf = "";
    const dec = new TextDecoder();
    for await (const chunk of proc.stdout) {
      buf += dec.decode(chunk, { stream: true });
      let nl: number;
      while ((nl = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (!line.startsWith("{")) continue;
        const msg = JSON.parse(line) as { rpc: number; ok: boolean; result?: unknown; error?: string };
        const w = waiting.get(msg.rpc);
        if (!w) continue;
        waiting.delete(msg.rpc);
        if (msg.ok) w.resolve(msg.result);
        else w.reject(new Error(`${script}: ${msg.error}`));
      }
    }
    for (const w of waiting.values()) w.reject(new Error(`${script} exited (${await proc.exited})`));
  })();
  return {
    proc,
    call(op, args = {}) {
      const id = next++;
      return new Promise((resolve, reject) => {
        waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
        proc.stdin.write(JSON.stringify({ rpc: id, op, args }) + "\n");
        proc.stdin.flush();
      });
    },
    async [Symbol.asyncDispose]() {
      // End of input ends the fixture (and writes its profile); kill it if it lingers.
      proc.stdin.end();
      const t = setTimeout(() => proc.kill("SIGKILL"), 5_000);
      await proc.exited;
      clearTimeout(t);
    },
  };
}

/** The child side: reads requests, runs `handlers[op]`, answers. */
export function serveFixture(handlers: Record<string, (args: Record<string, unknown>) => Promise<unknown> | unknown>): void {
  void (async () => {
    for await (const line of console) {
      if (!line.trim()) continue;
      const req = JSON.parse(line) as { rpc: number; op: string; args: Record<string, unknown> };
      const h = handlers[req.op];
      Promise.resolve()
        .then(() => {
          if (!h) throw new Error(`unknown op ${req.op}`);
          return h(req.args ?? {});
        })
        .then(
          (result) => process.stdout.write(JSON.stringify({ rpc: req.rpc, ok: true, result: result ?? null }) + "\n"),
          (err: Error) => process.stdout.write(JSON.stringify({ rpc: req.rpc, ok: false, error: err?.stack ?? String(err) }) + "\n"),
        );
    }
    process.exit(0);
  })();
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

export function median(values: readonly number[]): number {
  return percentile([...values].sort((a, b) => a - b), 50);
}

/**
 * This process's memory once it has settled: the idle checkpoint and the
 * allocator's delayed returns move RSS by megabytes for a second after a
 * burst, which read once swamps what 500 links hold (a per-link figure once
 * came out negative). Collects and waits until two readings 250 ms apart
 * differ by less than 64 KiB (at most 5 s).
 */
export async function settledMemory(): Promise<NodeJS.MemoryUsage> {
  let m = process.memoryUsage();
  for (let i = 0; i < 20; i++) {
    Bun.gc(true);
    await Bun.sleep(250);
    const next = process.memoryUsage();
    const settled = Math.abs(next.rss - m.rss) < 64 * 1024;
    m = next;
    if (settled && i > 0) break;
  }
  return m;
}
