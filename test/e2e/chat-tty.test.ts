// `p2pchat chat NAME` in a real pseudo-terminal, driven by keystrokes through
// tmux: an incoming message must not garble a half-typed line, and the
// marks of what we write must go from pending to delivered, hidden or not.
// From source, or the compiled binary with P2PCHAT_BIN.
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { cliCommand } from "../helpers/cli.ts";
import { introduce, makeUser } from "../helpers/serve.ts";
import { NO_TMUX, openPane, stopTmux, TMUX } from "../helpers/tmux.ts";
import { skipped } from "../helpers/platform.ts";

// Processes and TLS links take time on a loaded machine (bun applies a
// preload's default timeout to the first file only, so each file sets it).
setDefaultTimeout(60_000);

afterAll(stopTmux);

/** The input row: the last row of the screen. */
const inputRow = (rows: string[]) => rows.at(-1) ?? "";
const opened = (rows: string[]) => rows.some((l) => l.includes("/help for commands"));

describe.skipIf(!TMUX)(`chat on a terminal${skipped(NO_TMUX)}`, () => {
  test("incoming lines go above a half-typed line; marks go pending -> delivered in place, hidden or not", async () => {
    await using alice = await makeUser("alice");
    await using bob = await makeUser("bob");
    await introduce(alice, bob);
    const bobServe = await bob.serve();
    await using pane = openPane("alice", cliCommand(["chat", "bob", "--no-hidden", "--home", alice.home]), { cols: 110, rows: 40 });
    await pane.until(opened, "the chat to open");

    // Half a line typed, then bob writes.
    pane.type("half typed");
    await pane.until((r) => inputRow(r) === "bob> half typed", "the typed text");
    bobServe.type("@alice incoming while you type");
    let rows = await pane.until((r) => r.some((l) => l.includes("bob: incoming while you type")), "bob's message");
    // The message sits above the status line and the input, which still holds what was typed.
    expect(inputRow(rows)).toBe("bob> half typed");
    expect(rows.findIndex((l) => l.includes("bob: incoming while you type"))).toBeLessThan(rows.length - 2);
    expect(rows.filter((l) => l.includes("half typed"))).toHaveLength(1);

    // Finish the line: it goes, and its mark reaches delivered.
    pane.type(" line");
    pane.press("Enter");
    rows = await pane.until((r) => r.some((l) => /alice: half typed line\s+✓✓ delivered/.test(l)), "delivered mark");
    await bobServe.waitFor(/alice: half typed line/);

    // Hidden: what we write stays pending and bob gets nothing.
    pane.type("/discoverable off");
    pane.press("Enter");
    await pane.until((r) => r.some((l) => l.includes("hidden: not listening")), "hidden");
    pane.type("written while hidden");
    pane.press("Enter");
    await pane.until((r) => r.some((l) => /written while hidden\s+… pending/.test(l)), "pending mark");
    // The chat's node starts a send's dial before it shows the mark: asked now, it has no link, no dial, no error, one message waiting.
    const status = JSON.parse((await alice.cli(["status", "--json"])).stdout);
    const { state, address, lastError, pending } = status.contacts.find((c: { name: string }) => c.name === "bob");
    expect({ links: status.links, state, address, lastError, pending }).toEqual({ links: [], state: "hidden", address: null, lastError: null, pending: 1 });
    expect(bobServe.stdout()).not.toContain("written while hidden");
    expect(pane.screen().some((l) => /written while hidden\s+… pending/.test(l))).toBe(true);

    // Discoverable again: it is delivered, and the same row now says so.
    pane.type("/discoverable on");
    pane.press("Enter");
    rows = await pane.until((r) => r.some((l) => /written while hidden\s+✓✓ delivered/.test(l)), "pending -> delivered");
    expect(rows.filter((l) => l.includes("written while hidden"))).toHaveLength(1);
    await bobServe.waitFor(/alice: written while hidden/);

    // /quit leaves cleanly, and bob holds each message once.
    pane.type("/quit");
    pane.press("Enter");
    expect(await pane.exited()).toBe(0);
    const history = await bob.cli(["history", "alice", "--json"]);
    const texts = (JSON.parse(history.stdout) as { text: string; direction: string }[]).filter((e) => e.direction === "in").map((e) => e.text);
    expect(texts).toEqual(["half typed line", "written while hidden"]);
  });

  test("a chat whose port another program holds says so in its header and status line, and still delivers what it writes", async () => {
    await using alice = await makeUser("alice");
    await using bob = await makeUser("bob");
    await introduce(alice, bob);
    const bobServe = await bob.serve();
    // Another user's program on alice's port: her chat runs its own node, dialing out only.
    const taken = Bun.listen({ hostname: "127.0.0.1", port: alice.port, socket: { data() {} } });
    try {
      await using pane = openPane("dialonly", cliCommand(["chat", "--no-hidden", "--home", alice.home]), { cols: 120, rows: 20 });
      let rows = await pane.until((r) => r.at(-1)?.startsWith("Who do you want to talk to?") ?? false, "the conversations view");
      expect(rows[0]).toContain("discoverable, dialing out only, not listening: the port is in use (p2pchat config set port N)");
      expect(rows.at(-2)).toContain("not listening: peers cannot reach you");
      pane.type("bob");
      pane.press("Enter");
      rows = await pane.until(opened, "bob's conversation");
      expect(rows[0]).toContain("dialing out only, not listening");
      pane.type("from a chat that cannot listen");
      pane.press("Enter");
      await pane.until((r) => r.some((l) => /from a chat that cannot listen\s+✓✓ delivered/.test(l)), "delivered");
      await bobServe.waitFor(/alice: from a chat that cannot listen/);
      pane.press("C-d");
      expect(await pane.exited()).toBe(0);
    } finally {
      taken.stop(true);
    }
  });

  test("what a peer sends cannot drive the terminal: escape sequences are shown as symbols", async () => {
    await using alice = await makeUser("alice");
    await using bob = await makeUser("bob");
    await introduce(alice, bob);
    await bob.serve();
    await using pane = openPane("escapes", cliCommand(["chat", "bob", "--no-hidden", "--quiet", "--home", alice.home]), { cols: 110, rows: 30 });
    await pane.until(opened, "the chat to open");

    // \x1b[2J would clear the screen, \x1b[1A move the cursor up over the history.
    const sent = await bob.cli(["send", "alice", "before\x1b[2J\x1b[1Aafter"]);
    expect(sent.exitCode).toBe(0);
    const rows = await pane.until((r) => r.some((l) => l.includes("bob: before")), "the message");
    expect(rows.find((l) => l.includes("bob: before"))).toContain("before␛[2J␛[1Aafter");
    // The screen was not cleared: the opening line is still there.
    expect(rows.some((l) => l.includes("chatting with bob"))).toBe(true);
    pane.press("C-d");
    expect(await pane.exited()).toBe(0);
  });

  test("attached to a serve that stops: the chat says so, keeps the half-typed line on screen, exits 1", async () => {
    await using alice = await makeUser("alice");
    await using bob = await makeUser("bob");
    await introduce(alice, bob);
    const aliceServe = await alice.serve();
    await using pane = openPane("lost", cliCommand(["chat", "bob", "--no-hidden", "--quiet", "--home", alice.home]), { cols: 110, rows: 30 });
    await pane.until(opened, "the chat to open");
    pane.type("never sent");
    await pane.until((r) => inputRow(r).endsWith("never sent"), "the typed text");
    expect(await aliceServe.stop()).toBe(0);
    expect(await pane.exited()).toBe(1);
    const rows = pane.screen();
    expect(rows.some((l) => l.includes("the `p2pchat serve` that ran this node") && l.includes("stopped"))).toBe(true);
    expect(rows.some((l) => l.includes("not sent, as you typed it: never sent"))).toBe(true);
  });
});
