// Ctrl-C while `send` waits for an offline contact, or while `add` waits for
// the inviter's node, typed in a real terminal (tmux): each says what stays
// and exits 130; the message then goes by itself once bob is back, once.
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { cliCommand } from "../helpers/cli.ts";
import { introduce, makeUser } from "../helpers/serve.ts";
import { NO_TMUX, openPane, stopTmux, TMUX } from "../helpers/tmux.ts";
import { skipped } from "../helpers/platform.ts";
import { pollUntil } from "../helpers/wait.ts";

setDefaultTimeout(60_000);
afterAll(stopTmux);

const said = (rows: string[]) => rows.join(" ").replace(/\s+/g, " ");

describe.skipIf(!TMUX)(`Ctrl-C during a wait${skipped(NO_TMUX)}`, () => {
  test("send to an offline contact: Ctrl-C says the message is kept, exit 130; it is delivered once bob is back", async () => {
    await using alice = await makeUser("alice");
    await using bob = await makeUser("bob");
    await introduce(alice, bob);
    await using pane = openPane("sendint", cliCommand(["send", "bob", "see you at six", "--wait", "60", "--home", alice.home]), { cols: 200, rows: 10 });
    // The message is stored before the wait starts (another process's database: looked at again).
    await pollUntil(async () => JSON.parse((await alice.cli(["history", "bob", "--json"])).stdout).length, (n) => n === 1, "the message stored");
    pane.press("C-c");
    const code = await pane.exited();
    expect(code).toBe(130);
    expect(said(pane.screen())).toContain("p2pchat: interrupted: the message to bob is kept (pending) and it goes when bob is reachable and a node of yours runs (serve, chat or send)");
    // Kept: bob comes back, alice's serve delivers it without anything typed, and bob has it once.
    const bobServe = await bob.serve();
    await alice.serve();
    await bobServe.waitFor(/alice: see you at six$/);
    const h = JSON.parse((await bob.cli(["history", "alice", "--json"])).stdout) as { text: string }[];
    expect(h.map((e) => e.text)).toEqual(["see you at six"]);
  });

  test("add whose inviter does not answer: a spinner while it waits; Ctrl-C says bob is saved and the invite goes later, exit 130", async () => {
    await using alice = await makeUser("alice");
    await using bob = await makeUser("bob");
    const invite = (await bob.cli(["invite"])).stdout.trim(); // bob's node is not running
    await using pane = openPane("addint", cliCommand(["add", invite, "--wait", "60", "--home", alice.home]), { cols: 200, rows: 10 });
    await pane.until((r) => /[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] waiting for bob's node to answer \(up to 60 s\)/.test(said(r)), "the spinner");
    pane.press("C-c");
    expect(await pane.exited()).toBe(130);
    const text = said(pane.screen());
    expect(text).toContain("p2pchat: interrupted: bob is saved in your contacts; your node presents the invite when it reaches them (while serve, chat or send runs)");
    expect(text).not.toContain("waiting for bob's node");
    expect(JSON.parse((await alice.cli(["contacts", "--json"])).stdout).map((c: { name: string }) => c.name)).toEqual(["bob"]);
  });
});
