// `p2pchat chat` in a real pseudo-terminal, driven by keystrokes through
// tmux: an incoming message must not garble a half-typed line, and the
// marks of what we write must go from pending to delivered, hidden or not.
import { afterAll, describe, expect, test, setDefaultTimeout } from "bun:test";
import { cliCommand } from "../helpers/cli.ts";
import { introduce, makeUser } from "../helpers/serve.ts";

// Processes and TLS links take time on a loaded machine (bun applies a
// preload's default timeout to the first file only, so each file sets it).
setDefaultTimeout(60_000);

const TMUX = Bun.which("tmux");
if (!TMUX) console.warn("p2pchat: terminal chat tests skipped: tmux is not installed (.ci/run installs it)");

const socket = `p2pchat-test-${process.pid}`;

function tmux(...args: string[]): string {
  const r = Bun.spawnSync([TMUX!, "-L", socket, ...args], { stdout: "pipe", stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`tmux ${args[0]}: ${r.stderr.toString()}`);
  return r.stdout.toString();
}

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** The visible screen, rows trimmed of trailing spaces. */
function screen(pane: string): string[] {
  return tmux("capture-pane", "-p", "-t", pane)
    .split("\n")
    .map((l) => l.trimEnd());
}

async function until(pane: string, what: (rows: string[]) => boolean, label: string, ms = 20_000): Promise<string[]> {
  const deadline = Date.now() + ms;
  let rows = screen(pane);
  while (!what(rows)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${label}; the screen:\n${rows.join("\n")}`);
    await Bun.sleep(100);
    rows = screen(pane);
  }
  return rows;
}

/** The prompt row: the last row that is not empty. */
const promptRow = (rows: string[]) => rows.filter((r) => r.length > 0).at(-1) ?? "";

afterAll(() => {
  if (TMUX) Bun.spawnSync([TMUX, "-L", socket, "kill-server"], { stderr: "ignore" });
});

describe.skipIf(!TMUX)("chat on a terminal", () => {
  test("incoming lines go above a half-typed line; marks go pending -> delivered in place, hidden or not", async () => {
    await using alice = await makeUser("alice");
    await using bob = await makeUser("bob");
    await introduce(alice, bob);
    const bobServe = await bob.serve();

    const pane = "alice";
    const cmd = cliCommand(["chat", "bob", "--no-hidden", "--home", alice.home]).map(shellQuote).join(" ");
    tmux("new-session", "-d", "-s", pane, "-x", "110", "-y", "40", `env NO_COLOR=1 ${cmd}; echo "EXIT=$?"; sleep 60`);

    await until(pane, (r) => r.some((l) => l.includes("/help for commands")), "the chat to open");

    // Half a line typed, then bob writes.
    tmux("send-keys", "-t", pane, "-l", "half typed");
    await until(pane, (r) => promptRow(r).endsWith("half typed"), "the typed text");
    bobServe.type("@alice incoming while you type");
    let rows = await until(pane, (r) => r.some((l) => l.includes("bob: incoming while you type")), "bob's message");
    // The message sits above the prompt, and the prompt still holds what was typed.
    expect(promptRow(rows)).toMatch(/alice → bob> half typed$/);
    const incomingAt = rows.findIndex((l) => l.includes("bob: incoming while you type"));
    expect(incomingAt).toBeLessThan(rows.indexOf(promptRow(rows)));
    expect(rows.filter((l) => l.includes("half typed"))).toHaveLength(1);

    // Finish the line: it goes, and its mark reaches delivered.
    tmux("send-keys", "-t", pane, "-l", " line");
    tmux("send-keys", "-t", pane, "Enter");
    rows = await until(pane, (r) => r.some((l) => /alice: half typed line\s+✓✓ delivered/.test(l)), "delivered mark");
    await bobServe.waitFor(/alice: half typed line/);

    // Hidden: what we write stays pending and bob gets nothing.
    tmux("send-keys", "-t", pane, "-l", "/discoverable off");
    tmux("send-keys", "-t", pane, "Enter");
    await until(pane, (r) => r.some((l) => l.includes("hidden: not listening")), "hidden");
    tmux("send-keys", "-t", pane, "-l", "written while hidden");
    tmux("send-keys", "-t", pane, "Enter");
    rows = await until(pane, (r) => r.some((l) => /written while hidden\s+… pending/.test(l)), "pending mark");
    await Bun.sleep(1000);
    expect(bobServe.stdout()).not.toContain("written while hidden");
    expect(screen(pane).some((l) => /written while hidden\s+… pending/.test(l))).toBe(true);

    // Discoverable again: it is delivered, and the same row now says so.
    tmux("send-keys", "-t", pane, "-l", "/discoverable on");
    tmux("send-keys", "-t", pane, "Enter");
    rows = await until(pane, (r) => r.some((l) => /written while hidden\s+✓✓ delivered/.test(l)), "pending -> delivered");
    expect(rows.filter((l) => l.includes("written while hidden"))).toHaveLength(1);
    await bobServe.waitFor(/alice: written while hidden/);

    // /quit leaves cleanly, and bob holds each message once.
    tmux("send-keys", "-t", pane, "-l", "/quit");
    tmux("send-keys", "-t", pane, "Enter");
    await until(pane, (r) => r.some((l) => l.includes("EXIT=")), "chat to exit");
    expect(screen(pane).find((l) => l.includes("EXIT="))).toBe("EXIT=0");

    const history = await bob.cli(["history", "alice", "--json"]);
    const texts = (JSON.parse(history.stdout) as { text: string; direction: string }[]).filter((e) => e.direction === "in").map((e) => e.text);
    expect(texts).toEqual(["half typed line", "written while hidden"]);
    tmux("kill-session", "-t", pane);
  });

  test("what a peer sends cannot drive the terminal: escape sequences are shown as symbols", async () => {
    await using alice = await makeUser("alice");
    await using bob = await makeUser("bob");
    await introduce(alice, bob);
    await bob.serve();

    const pane = "escapes";
    const cmd = cliCommand(["chat", "bob", "--no-hidden", "--quiet", "--home", alice.home]).map(shellQuote).join(" ");
    tmux("new-session", "-d", "-s", pane, "-x", "110", "-y", "30", `env NO_COLOR=1 ${cmd}; echo "EXIT=$?"; sleep 60`);
    await until(pane, (r) => r.some((l) => l.includes("/help for commands")), "the chat to open");

    // \x1b[2J would clear the screen, \x1b[1A move the cursor up over the history.
    const sent = await bob.cli(["send", "alice", "before\x1b[2J\x1b[1Aafter"]);
    expect(sent.exitCode).toBe(0);
    const rows = await until(pane, (r) => r.some((l) => l.includes("bob: before")), "the message");
    expect(rows.find((l) => l.includes("bob: before"))).toContain("before␛[2J␛[1Aafter");
    // The screen was not cleared: the opening line is still there.
    expect(rows.some((l) => l.includes("chatting with bob"))).toBe(true);
    tmux("send-keys", "-t", pane, "C-d");
    await until(pane, (r) => r.some((l) => l.includes("EXIT=")), "chat to exit");
    expect(screen(pane).find((l) => l.includes("EXIT="))).toBe("EXIT=0");
    tmux("kill-session", "-t", pane);
  });

  test("attached to a serve that stops: the chat says so, keeps the half-typed line on screen, exits 1", async () => {
    await using alice = await makeUser("alice");
    await using bob = await makeUser("bob");
    await introduce(alice, bob);
    const aliceServe = await alice.serve();

    const pane = "lost";
    const cmd = cliCommand(["chat", "bob", "--no-hidden", "--quiet", "--home", alice.home]).map(shellQuote).join(" ");
    tmux("new-session", "-d", "-s", pane, "-x", "110", "-y", "30", `env NO_COLOR=1 ${cmd}; echo "EXIT=$?"; sleep 60`);
    await until(pane, (r) => r.some((l) => l.includes("/help for commands")), "the chat to open");
    tmux("send-keys", "-t", pane, "-l", "never sent");
    await until(pane, (r) => promptRow(r).endsWith("never sent"), "the typed text");
    expect(await aliceServe.stop()).toBe(0);
    const rows = await until(pane, (r) => r.some((l) => l.includes("EXIT=")), "chat to exit");
    expect(rows.some((l) => l.includes("the `p2pchat serve` that ran this node") && l.includes("stopped"))).toBe(true);
    expect(rows.some((l) => l.includes("not sent, as you typed it: never sent"))).toBe(true);
    expect(rows.find((l) => l.includes("EXIT="))).toBe("EXIT=1");
    tmux("kill-session", "-t", pane);
  });
});
