// Runs lan-fixture.ts inside a namespace of a Lan and collects its JSON
// lines; waits on them (never on time), and ends the process it started.
import { join } from "node:path";
import type { Lan } from "./lan-netns.ts";

const FIXTURE = join(import.meta.dir, "lan-fixture.ts");

export interface Event {
  event: string;
  t: number;
  [k: string]: unknown;
}

export interface BeaconProc extends AsyncDisposable {
  events: Event[];
  /** The first event (from `from` on) that matches; rejects after `timeoutMs` or when the process ends. */
  next(pred: (e: Event) => boolean, what: string, timeoutMs?: number, from?: number): Promise<Event>;
  /** Sends one stdin command and waits for its answer (list, stats, stop). */
  ask(cmd: "list" | "stats" | "stop" | "start"): Promise<Event>;
  exited: Promise<number>;
  stderr(): Promise<string>;
}

/** `ip netns exec NS env P2PCHAT_DISCOVERY=on bun lan-fixture.ts ARGS`, discovery on inside the namespace only. */
export function spawnBeacon(lan: Lan, node: string, args: string[]): BeaconProc {
  const proc = Bun.spawn(
    ["ip", "netns", "exec", lan.ns(node), "env", "P2PCHAT_DISCOVERY=on", `P2PCHAT_LAN_NETNS_PREFIX=${lan.prefix}-`, process.execPath, FIXTURE, ...args],
    { stdin: "pipe", stdout: "pipe", stderr: "pipe" },
  );
  const events: Event[] = [];
  const waiters = new Set<() => void>();
  let ended = false;
  const wake = () => {
    for (const w of [...waiters]) w();
  };
  void (async () => {
    let buf = "";
    const decoder = new TextDecoder();
    for await (const chunk of proc.stdout) {
      buf += decoder.decode(chunk, { stream: true });
      let i: number;
      while ((i = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        if (line.trim()) events.push(JSON.parse(line) as Event);
      }
      wake();
    }
    ended = true;
    wake();
  })();
  const stderrText = new Response(proc.stderr).text();

  const next: BeaconProc["next"] = (pred, what, timeoutMs = 5_000, from = 0) =>
    new Promise<Event>((resolve, reject) => {
      const check = () => {
        const hit = events.slice(from).find(pred);
        if (hit) return done(() => resolve(hit));
        if (ended) stderrText.then((err) => done(() => reject(new Error(`${node}: ended before ${what}: ${err.trim()}`))));
      };
      const timer = setTimeout(() => done(() => reject(new Error(`${node}: timed out waiting for ${what}`))), timeoutMs);
      const done = (f: () => void) => {
        clearTimeout(timer);
        waiters.delete(check);
        f();
      };
      waiters.add(check);
      check();
    });

  const answers: Record<string, string> = { list: "list", stats: "stats", stop: "stopped", start: "ready" };
  return {
    events,
    next,
    ask(cmd) {
      const from = events.length;
      proc.stdin.write(`${cmd}\n`);
      proc.stdin.flush();
      return next((e) => e.event === answers[cmd], `the answer to ${cmd}`, 5_000, from);
    },
    exited: proc.exited,
    stderr: () => stderrText,
    async [Symbol.asyncDispose]() {
      if (proc.exitCode === null) {
        try {
          proc.stdin.write("quit\n");
          proc.stdin.end();
        } catch {}
        // Two seconds' grace to quit, then it is killed (as NsProcess.stop does).
        const t = setTimeout(() => proc.exitCode === null && proc.kill("SIGKILL"), 2_000);
        await proc.exited;
        clearTimeout(t);
      }
      await proc.exited;
    },
  };
}
