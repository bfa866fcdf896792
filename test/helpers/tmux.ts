// A command in a real pseudo-terminal, driven by keystrokes through tmux,
// read back from the screen as a person sees it.
import { cliEnv } from "./cli.ts";
import { pollUntil } from "./wait.ts";

/**
 * Why the terminal tests cannot run here, or null. They drive tmux, which CI
 * runs on Linux: Windows has no tmux, and CI's macOS runner runs the rest of
 * the suite without it (P2PCHAT_TEST_TMUX=1 runs them on a Mac that has it).
 */
export function tmuxUnavailable(platform: NodeJS.Platform = process.platform, env: Record<string, string | undefined> = process.env, which = Bun.which): string | null {
  if (platform === "win32") return "the terminal tests drive tmux, which Windows does not have";
  if (platform !== "linux" && env.P2PCHAT_TEST_TMUX !== "1") return `the terminal tests run on Linux in CI (on ${platform}, P2PCHAT_TEST_TMUX=1 runs them with tmux installed)`;
  if (!which("tmux")) return "tmux is not installed (.ci/run installs it)";
  return null;
}

export const NO_TMUX = tmuxUnavailable();
export const TMUX = NO_TMUX ? null : Bun.which("tmux");
if (NO_TMUX) console.warn(`p2pchat: terminal tests skipped: ${NO_TMUX}`);

/** One tmux server per test process, so parallel test files never meet. */
const socket = `p2pchat-tty-${process.pid}`;

function tmux(...args: string[]): string {
  const r = Bun.spawnSync([TMUX!, "-L", socket, ...args], { stdout: "pipe", stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`tmux ${args[0]}: ${r.stderr.toString()}`);
  return r.stdout.toString();
}

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export interface Pane extends AsyncDisposable {
  /** Types text as keys (no Enter). */
  type(text: string): void;
  /** tmux key names: Enter, C-c, C-d, ... */
  press(...keys: string[]): void;
  /** The visible rows, trailing spaces trimmed, empty rows at the end dropped. */
  screen(): string[];
  /** Waits until the screen satisfies `what`; fails with the screen after `ms`. */
  until(what: (rows: string[]) => boolean, label: string, ms?: number): Promise<string[]>;
  /** Makes the terminal `cols` x `rows` (the program gets SIGWINCH). */
  resize(cols: number, rows: number): void;
  /** Pastes `text` as a terminal does with bracketed paste on. */
  paste(text: string): void;
  /** Sends bytes to the program as a terminal would (a focus report, a mouse report). */
  sendBytes(bytes: string): void;
  /** Everything the program writes from now on is also appended to `file` (escape sequences and all). */
  recordOutput(file: string): void;
  /** Waits for the command to end; its exit code (the pane prints it). */
  exited(ms?: number): Promise<number>;
}

/** Runs `argv` in a new pane with a clean environment (no colour, discovery off) plus `env`. */
export function openPane(name: string, argv: readonly string[], opts: { env?: Record<string, string>; cols?: number; rows?: number } = {}): Pane {
  const env = cliEnv(opts.env);
  const vars = Object.entries(env)
    .filter(([k]) => k === "NO_COLOR" || k.startsWith("P2PCHAT_") || Object.hasOwn(opts.env ?? {}, k))
    .map(([k, v]) => shellQuote(`${k}=${v}`));
  // Inherited P2PCHAT_* settings are dropped, as cliEnv drops them for piped runs.
  const unset = Object.keys(process.env)
    .filter((k) => (k.startsWith("P2PCHAT_") && !(k in env)) || k === "FORCE_COLOR")
    .flatMap((k) => ["-u", k]);
  const cmd = ["env", ...unset, ...vars, ...argv.map(shellQuote)].join(" ");
  const session = `${name}-${Math.random().toString(36).slice(2, 8)}`;
  keepServer();
  tmux("new-session", "-d", "-s", session, "-x", String(opts.cols ?? 100), "-y", String(opts.rows ?? 30), `${cmd}; echo "EXIT=$?"; sleep 600`);
  const screen = () => {
    const rows = tmux("capture-pane", "-p", "-t", session)
      .split("\n")
      .map((l) => l.trimEnd());
    while (rows.length > 0 && rows.at(-1) === "") rows.pop();
    return rows;
  };
  // tmux says nothing when the screen changes: it is looked at again and again.
  const until = (what: (rows: string[]) => boolean, label: string, ms = 20_000) => pollUntil(screen, what, label, { timeoutMs: ms, everyMs: 50 });
  return {
    type: (text) => void tmux("send-keys", "-t", session, "-l", text),
    press: (...keys) => void tmux("send-keys", "-t", session, ...keys),
    resize: (cols, rows) => void tmux("resize-window", "-t", session, "-x", String(cols), "-y", String(rows)),
    sendBytes: (bytes) => void tmux("send-keys", "-t", session, "-H", ...[...Buffer.from(bytes)].map((b) => b.toString(16).padStart(2, "0"))),
    recordOutput: (file) => void tmux("pipe-pane", "-O", "-t", session, `cat >> ${shellQuote(file)}`),
    paste(text) {
      const buffer = `paste-${session}`;
      tmux("set-buffer", "-b", buffer, text);
      tmux("paste-buffer", "-p", "-d", "-b", buffer, "-t", session);
    },
    screen,
    until,
    async exited(ms) {
      const rows = await until((r) => r.some((l) => /^EXIT=\d+$/.test(l)), "the command to exit", ms);
      return Number(rows.find((l) => /^EXIT=\d+$/.test(l))!.slice(5));
    },
    async [Symbol.asyncDispose]() {
      Bun.spawnSync([TMUX!, "-L", socket, "kill-session", "-t", session], { stderr: "ignore" });
    },
  };
}

/**
 * A session that outlives the tests' own: tmux exits with its last session,
 * and a test opening a pane just as another closes the last one would find
 * the server gone ("server exited unexpectedly").
 */
function keepServer(): void {
  const has = Bun.spawnSync([TMUX!, "-L", socket, "has-session", "-t", "keep"], { stdout: "ignore", stderr: "ignore" });
  if (has.exitCode !== 0) Bun.spawnSync([TMUX!, "-L", socket, "new-session", "-d", "-s", "keep", "sleep 3600"], { stdout: "ignore", stderr: "ignore" });
}

/** Stops this process's tmux server (afterAll). */
export function stopTmux(): void {
  if (TMUX) Bun.spawnSync([TMUX, "-L", socket, "kill-server"], { stderr: "ignore" });
}
