// `p2pchat chat '#GROUP'` in a real pseudo-terminal (tmux): the simple view
// the terminal chat has, opened on a group. Each incoming line names its
// author; our line's mark reaches delivered once every other member has it.
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { cliCommand } from "../helpers/cli.ts";
import { cliUntilOk, introduce, makeUser } from "../helpers/serve.ts";
import { pollUntil } from "../helpers/wait.ts";
import { NO_TMUX, openPane, stopTmux, TMUX } from "../helpers/tmux.ts";
import { skipped } from "../helpers/platform.ts";

setDefaultTimeout(60_000);

const socket = `p2pchat-groups-${process.pid}`;

function tmux(...args: string[]): string {
  const r = Bun.spawnSync([TMUX!, "-L", socket, ...args], { stdout: "pipe", stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`tmux ${args[0]}: ${r.stderr.toString()}`);
  return r.stdout.toString();
}

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
const screen = (pane: string) => tmux("capture-pane", "-p", "-t", pane).split("\n").map((l) => l.trimEnd());

/** Polls the screen (tmux says nothing when it changes). */
const until = (pane: string, what: (rows: string[]) => boolean, label: string, ms = 20_000): Promise<string[]> => pollUntil(() => screen(pane), what, label, { timeoutMs: ms, everyMs: 100 });

afterAll(() => {
  if (TMUX) Bun.spawnSync([TMUX, "-L", socket, "kill-server"], { stderr: "ignore" });
  stopTmux();
});

describe.skipIf(!TMUX)(`a group on the terminal chat${skipped(NO_TMUX)}`, () => {
  test("incoming lines show their author; ours reach delivered to every member", async () => {
    await using alice = await makeUser("alice");
    await using bob = await makeUser("bob");
    await introduce(alice, bob);
    await alice.serve();
    const bobServe = await bob.serve();
    await cliUntilOk(alice, ["group", "create", "duo", "--with", "bob"], "alice to learn bob's key");
    await bobServe.waitFor(/you were added to #duo/);

    const pane = "alice-duo";
    const cmd = cliCommand(["chat", "#duo", "--home", alice.home]).map(shellQuote).join(" ");
    tmux("new-session", "-d", "-s", pane, "-x", "110", "-y", "30", `env NO_COLOR=1 ${cmd}; echo "EXIT=$?"; sleep 60`);
    let rows = await until(pane, (r) => r.some((l) => l.includes("/help for commands")), "the chat to open");
    expect(rows.some((l) => l.includes("* alice added bob"))).toBe(true); // the backlog shows the group's events
    expect(rows.some((l) => l.includes("group #duo: 2 members"))).toBe(true);

    bobServe.type("@#duo hi alice");
    rows = await until(pane, (r) => r.some((l) => /\] bob: hi alice$/.test(l)), "bob's line with his name");

    tmux("send-keys", "-t", pane, "-l", "hello bob");
    tmux("send-keys", "-t", pane, "Enter");
    await until(pane, (r) => r.some((l) => /alice: hello bob\s+✓✓ delivered/.test(l)), "delivered mark");
    tmux("send-keys", "-t", pane, "-l", "/cancel");
    tmux("send-keys", "-t", pane, "Enter");
    await until(pane, (r) => r.some((l) => l.includes("cannot be withdrawn")), "a group message is not withdrawn");
    await bobServe.waitFor(/#duo alice: hello bob$/);

    // A group opens by name like a contact: /switch with or without its #, and from the list with Tab.
    tmux("send-keys", "-t", pane, "/switch bob", "Enter");
    await until(pane, (r) => r[0]!.startsWith(" bob"), "/switch bob");
    tmux("send-keys", "-t", pane, "/switch duo", "Enter");
    await until(pane, (r) => r[0]!.startsWith(" #duo"), "/switch duo: the group");
    tmux("send-keys", "-t", pane, "/switch #nope", "Enter");
    rows = await until(pane, (r) => r.some((l) => l.includes("! you are in no group #nope (yours: #duo)")), "no such group");
    tmux("send-keys", "-t", pane, "Escape");
    await until(pane, (r) => r.some((l) => l.startsWith("Who do you want to talk to?")), "the list");
    tmux("send-keys", "-t", pane, "#nope", "Enter");
    rows = await until(pane, (r) => r.some((l) => l.includes("! you are in no group #nope")), "no such group, from the list");
    expect(rows.some((l) => l.includes("address"))).toBe(false);
    tmux("send-keys", "-t", pane, "#d", "Tab");
    await until(pane, (r) => r.includes("Who do you want to talk to? › #duo"), "Tab completes the group");
    tmux("send-keys", "-t", pane, "Enter");
    await until(pane, (r) => r[0]!.startsWith(" #duo") && r.includes("#duo>"), "the group opened from the list");
    tmux("send-keys", "-t", pane, "-l", "/quit");
    tmux("send-keys", "-t", pane, "Enter");
    await until(pane, (r) => r.some((l) => l === "EXIT=0"), "exit 0");
  });

  test("a group's unread count and its \"new since you last read\" line survive a restart, as a contact's do", async () => {
    await using alice = await makeUser("alice");
    await using bob = await makeUser("bob");
    await introduce(alice, bob);
    const aliceServe = await alice.serve();
    const bobServe = await bob.serve();
    await cliUntilOk(alice, ["group", "create", "friends", "--with", "bob"], "alice to learn bob's key");
    await bobServe.waitFor(/you were added to #friends/);
    const who = (rows: string[]) => rows.at(-1)?.startsWith("Who do you want to talk to? ›") ?? false;
    const row = (rows: string[]) => rows.find((l) => /#friends/.test(l)) ?? "";
    const chat = () => openPane("unread", cliCommand(["chat", "--quiet", "--home", alice.home]), { cols: 100, rows: 30 });

    // Read everything there is (the group's own events), then leave.
    {
      await using pane = chat();
      await pane.until(who, "the list");
      pane.type("#friends");
      pane.press("Enter");
      await pane.until((r) => r.some((l) => l.includes("group #friends:")), "the group open");
      pane.press("C-d");
      expect(await pane.exited()).toBe(0);
    }
    for (const text of ["one", "two"]) bobServe.type(`@#friends ${text}`);
    await aliceServe.waitFor(/#friends bob: two/);
    {
      await using pane = chat();
      const rows = await pane.until((r) => who(r) && /\(2\)/.test(row(r)), "#friends (2) in the list");
      expect(row(rows)).toMatch(/^ 2 #friends\s+\(2\)/);
      pane.type("#friends");
      pane.press("Enter");
      const open = await pane.until((r) => r.some((l) => l.includes("new since you last read")), "the read line");
      const at = open.findIndex((l) => l.includes("new since you last read"));
      expect(open.slice(at + 1).filter((l) => l.includes("bob:")).map((l) => l.replace(/^\[\d\d:\d\d\] /, ""))).toEqual(["bob: one", "bob: two"]);
      pane.press("C-d");
      expect(await pane.exited()).toBe(0);
    }
    // Read: nothing after a restart of the node itself; one more is one.
    expect(await aliceServe.stop()).toBe(0);
    {
      await using pane = chat();
      await pane.until((r) => r.at(-1)?.startsWith("? Do you want to be discovered?") ?? false, "the discoverable question");
      pane.press("n", "Enter");
      const rows = await pane.until((r) => who(r) && row(r) !== "", "the list");
      expect(row(rows)).not.toMatch(/\(\d+\)/);
      pane.press("C-d");
      expect(await pane.exited()).toBe(0);
    }
    const again = await alice.serve();
    bobServe.type("@#friends three");
    await again.waitFor(/#friends bob: three/);
    {
      await using pane = chat();
      const rows = await pane.until((r) => who(r) && /\(1\)/.test(row(r)), "#friends (1)");
      expect(row(rows)).toMatch(/#friends\s+\(1\)/);
      pane.press("C-d");
      expect(await pane.exited()).toBe(0);
    }
  });
});
