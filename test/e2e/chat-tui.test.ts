// The full-screen chat as a person uses it, in tmux, from source or the
// compiled binary (P2PCHAT_BIN): three contacts writing at once while you
// type in one conversation, unread counts after a restart, a pasted block
// sent as one message, Ctrl-C on a draft, marks at 40 columns and across
// resizes, and the conversations view with a request in it.
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { join } from "node:path";
import { cliCommand } from "../helpers/cli.ts";
import { tempDir } from "../helpers/tmp.ts";
import { introduce, makeUser, type User } from "../helpers/serve.ts";
import { NO_TMUX, openPane, stopTmux, TMUX } from "../helpers/tmux.ts";
import { skipped } from "../helpers/platform.ts";

setDefaultTimeout(90_000);

afterAll(stopTmux);

const opened = (rows: string[]) => rows.some((l) => l.includes("/help for commands"));
const who = (rows: string[]) => rows.at(-1)?.startsWith("Who do you want to talk to? ›") ?? false;
/** The status line: the row above the input. */
const statusLine = (rows: string[]) => rows.at(-2) ?? "";

async function history(user: User, peer: string): Promise<{ text: string; direction: string }[]> {
  const r = await user.cli(["history", peer, "--json", "--limit", "1000"]);
  expect(r.exitCode).toBe(0);
  return JSON.parse(r.stdout);
}

async function sendAll(from: User, to: string, texts: string[]): Promise<void> {
  for (const text of texts) {
    const r = await from.cli(["send", to, text]);
    expect(r.exitCode).toBe(0);
  }
}

describe.skipIf(!TMUX)(`the full-screen chat${skipped(NO_TMUX)}`, () => {
  test("three contacts write at once while you type: only the open one shows, the status line counts the rest, counts survive a restart", async () => {
    await using alice = await makeUser("alice");
    await using bob = await makeUser("bob");
    await using carol = await makeUser("carol");
    await using dave = await makeUser("dave");
    for (const u of [bob, carol, dave]) await introduce(alice, u);
    const serves = await Promise.all([bob.serve(), carol.serve(), dave.serve()]);
    const bobServe = serves[0];
    {
      await using pane = openPane("three", cliCommand(["chat", "bob", "--no-hidden", "--home", alice.home]), { cols: 100, rows: 30 });
      await pane.until(opened, "the chat to open");
      pane.type("a reply in progress");
      await pane.until((r) => r.at(-1) === "bob> a reply in progress", "the draft");

      await Promise.all([
        sendAll(bob, "alice", ["bob one", "bob two"]),
        sendAll(carol, "alice", ["carol one", "carol two", "carol three"]),
        sendAll(dave, "alice", ["dave one", "dave two"]),
      ]);
      const rows = await pane.until((r) => r.some((l) => l.includes("bob: bob two")) && statusLine(r).includes("carol (3)") && statusLine(r).includes("dave (2)"), "bob's lines and the counts");
      expect(statusLine(rows)).toContain("alice › bob │ carol (3) dave (2)");
      // Their lines never appear in bob's conversation; what was typed is intact.
      expect(rows.filter((l) => /carol|dave/.test(l))).toEqual([statusLine(rows)]);
      expect(rows.at(-1)).toBe("bob> a reply in progress");

      // Ctrl-C clears the draft (nothing sent); the conversation stays.
      pane.press("C-c");
      await pane.until((r) => r.at(-1) === "bob>", "the draft cleared");
      expect(pane.screen().some((l) => l.includes("bob: bob one"))).toBe(true);

      // A pasted block of five lines is one message, shown as one (continuation rows indented).
      pane.paste("first line\nsecond line\n    indented third\nfourth line\nfifth line");
      await pane.until((r) => r.at(-1)?.trim() === "fifth line", "the pasted draft");
      pane.press("Enter");
      const sent = await pane.until((r) => r.some((l) => /^ {8}fifth line\s+✓✓ delivered$/.test(l)), "the pasted message delivered");
      const at = sent.findIndex((l) => l.includes("alice: first line"));
      expect(sent.slice(at, at + 5)).toEqual([
        expect.stringMatching(/^\[\d\d:\d\d\] alice: first line$/),
        "        second line",
        "            indented third",
        "        fourth line",
        expect.stringMatching(/^ {8}fifth line\s+✓✓ delivered$/),
      ]);
      await bobServe.waitFor(/alice: first line/);

      // A second Ctrl-C on the empty line leaves.
      pane.press("C-c");
      expect(await pane.exited()).toBe(0);
    }
    const received = (await history(bob, "alice")).filter((e) => e.direction === "in").map((e) => e.text);
    expect(received).toEqual(["first line\nsecond line\n    indented third\nfourth line\nfifth line"]);

    // Restarted: the list, with what is still unread.
    {
      await using pane = openPane("again", cliCommand(["chat", "--no-hidden", "--home", alice.home]), { cols: 100, rows: 30 });
      let rows = await pane.until(who, "the conversations view");
      expect(rows.find((l) => /^.1 bob /.test(l))).not.toMatch(/\(\d+\)/);
      expect(rows.find((l) => / 2 carol /.test(l))).toMatch(/ 2 carol\s+\(3\)\s+\S+\s+\d\d:\d\d\s+carol three$/);
      expect(rows.find((l) => / 3 dave /.test(l))).toMatch(/ 3 dave\s+\(2\)/);
      // ↓ to carol, Enter: her messages below the read line, then back with Esc: read.
      pane.press("Down");
      pane.press("Enter");
      rows = await pane.until(opened, "carol's conversation");
      const line = rows.findIndex((l) => l.includes("new since you last read"));
      expect(line).toBeGreaterThan(0);
      expect(rows.slice(line + 1, line + 4).map((l) => l.replace(/^\[\d\d:\d\d\] /, ""))).toEqual(["carol: carol one", "carol: carol two", "carol: carol three"]);
      expect(statusLine(rows)).toContain("dave (2)");
      pane.press("Escape");
      rows = await pane.until((r) => who(r) && !r.some((l) => l.includes("carol (3)")), "carol read");
      pane.press("C-d");
      expect(await pane.exited()).toBe(0);
    }
    {
      await using pane = openPane("third", cliCommand(["chat", "--no-hidden", "--home", alice.home]), { cols: 100, rows: 30 });
      const rows = await pane.until(who, "the conversations view");
      expect(rows.find((l) => / 2 carol /.test(l))).not.toMatch(/\(\d+\)/);
      expect(rows.find((l) => / 3 dave /.test(l))).toMatch(/\(2\)/);
      pane.press("C-d");
      expect(await pane.exited()).toBe(0);
    }
  });

  test("at 40 columns and across resizes, long messages' marks reach delivered in place; no stray mark lines", async () => {
    await using alice = await makeUser("alice");
    await using bob = await makeUser("bob");
    await introduce(alice, bob);
    await bob.serve();
    await using pane = openPane("narrow", cliCommand(["chat", "bob", "--no-hidden", "--quiet", "--home", alice.home]), { cols: 40, rows: 40 });
    await pane.until(opened, "the chat to open");
    pane.type("/discoverable off");
    pane.press("Enter");
    await pane.until((r) => r.some((l) => l.includes("hidden: not listening")), "hidden");
    const long = (tag: string) => Array.from({ length: 22 }, (_, i) => `${tag}${String(i).padStart(2, "0")}`).join(" ");
    for (const tag of ["aa", "bb"]) {
      pane.type(long(tag));
      pane.press("Enter");
    }
    await pane.until((r) => r.filter((l) => l.includes("… pending")).length === 2, "two pending marks");

    const check = (rows: string[], mark: string, columns: number) => {
      expect(rows.filter((l) => Bun.stringWidth(l) > columns)).toEqual([]);
      // Every word once, and the mark once, in the message's last row.
      const words = ["aa", "bb"].flatMap((tag) => Array.from({ length: 22 }, (_, i) => `${tag}${String(i).padStart(2, "0")}`));
      const counts = words.map((w) => rows.filter((l) => l.split(" ").includes(w)).length);
      expect({ odd: words.filter((_, i) => counts[i] !== 1), rows }).toEqual({ odd: [], rows });
      expect(rows.filter((l) => /pending|sent|delivered/.test(l) && !l.includes("you are hidden"))).toEqual([expect.stringContaining(mark), expect.stringContaining(mark)]);
      expect(rows.some((l) => /delivered:|pending:|sent:/.test(l))).toBe(false);
    };
    check(pane.screen(), "… pending", 40);
    pane.resize(70, 30);
    await pane.until((r) => r.some((l) => l.length > 40), "the wider layout");
    check(pane.screen(), "… pending", 70);
    pane.resize(40, 40);
    // The terminal cuts the old rows at once; the status line ends in … once the chat has laid itself out again.
    await pane.until((r) => statusLine(r).endsWith("…"), "the narrow layout again");

    pane.type("/discoverable on");
    pane.press("Enter");
    const rows = await pane.until((r) => r.filter((l) => l.includes("✓✓ delivered")).length === 2, "both delivered");
    check(rows, "✓✓ delivered", 40);
    // Too small to lay out: said, not garbled; the chat comes back whole when the terminal grows.
    pane.resize(12, 5);
    const small = await pane.until((r) => r.join(" ").includes("terminal too small"), "the too-small screen");
    expect(small.join(" ").replace(/\s+/g, " ").trim()).toBe("terminal too small (12×5): make it at least 20×6");
    pane.resize(90, 30);
    await pane.until((r) => r.some((l) => l.length > 40), "the wide layout");
    check(pane.screen(), "✓✓ delivered", 90);
    pane.press("C-d");
    expect(await pane.exited()).toBe(0);
    expect((await history(bob, "alice")).map((e) => e.text)).toEqual([long("aa"), long("bb")]);
  });

  test("the conversations view lists contacts and requests; a request accepted there becomes a contact", async () => {
    await using alice = await makeUser("alice");
    await using bob = await makeUser("bob");
    await using stranger = await makeUser("mallory");
    await introduce(alice, bob);
    // The stranger knows alice; alice does not know it.
    expect((await stranger.cli(["contacts", "add", "alice", alice.peerId, `127.0.0.1:${alice.port}`])).exitCode).toBe(0);
    await using pane = openPane("requests", cliCommand(["chat", "--no-hidden", "--quiet", "--home", alice.home]), { cols: 110, rows: 30 });
    let rows = await pane.until(who, "the conversations view");
    expect(rows.some((l) => /^›1 bob\s+.*no messages yet$/.test(l.trimEnd()))).toBe(true);

    // The request arrives while bob's conversation is open: it says so there.
    pane.press("Enter");
    await pane.until((r) => r.at(-1)?.startsWith("bob>") ?? false, "bob's conversation");
    expect((await stranger.cli(["send", "alice", "hi, it is me"])).exitCode).toBe(0);
    await pane.until((r) => r.some((l) => l.includes('* request from "mallory"')), "the request line in bob's conversation");
    pane.press("Escape");
    rows = await pane.until((r) => r.some((l) => l.includes('"mallory" (unverified)') && l.includes("1 waiting")), "the request");
    expect(rows.some((l) => l.startsWith("Requests: not your contacts"))).toBe(true);
    expect(statusLine(rows)).toContain("1 request");
    // Its message is in no conversation.
    expect(rows.some((l) => l.includes("hi, it is me"))).toBe(false);

    pane.press("Down");
    await pane.until((r) => r.some((l) => l.startsWith('›? "mallory"')), "the request selected");
    pane.type("/accept mal");
    pane.press("Enter");
    rows = await pane.until((r) => r.some((l) => /^.2 mal\s+\(1\)/.test(l)), "mal in the list, its message unread");
    expect(rows.filter((l) => l.includes("mal is a contact now"))).toHaveLength(1);
    expect(rows.some((l) => l.startsWith("Requests:") || /^.\? /.test(l))).toBe(false);
    pane.type("ma");
    pane.press("Tab");
    await pane.until((r) => r.at(-1) === "Who do you want to talk to? › mal", "Tab completes");
    pane.press("Enter");
    rows = await pane.until((r) => r.some((l) => l.includes("mal: hi, it is me")), "the accepted message in its conversation");
    // Back in bob's conversation, the line that offered the request is gone: it is decided.
    pane.press("Escape");
    await pane.until(who, "the conversations view again");
    pane.type("bob");
    pane.press("Enter");
    rows = await pane.until((r) => r.at(-1)?.startsWith("bob>") ?? false, "bob's conversation again");
    expect(rows.filter((l) => l.includes("request from"))).toEqual([]);
    pane.press("C-d");
    expect(await pane.exited()).toBe(0);
  });
});

describe.skipIf(!TMUX)(`moving around the full-screen chat${skipped(NO_TMUX)}`, () => {
  test("keys typed in a burst with opening or switching are applied in order; the header sits above the backlog; notes show whole and clear on the next action", async () => {
    await using alice = await makeUser("alice");
    await using bob = await makeUser("bob");
    await using carol = await makeUser("carol");
    await using dave = await makeUser("dave");
    for (const u of [bob, carol, dave]) await introduce(alice, u);
    const [bobServe] = await Promise.all([bob.serve(), dave.serve()]);
    await using pane = openPane("burst", cliCommand(["chat", "--no-hidden", "--quiet", "--home", alice.home]), { cols: 100, rows: 30 });
    await pane.until(who, "the conversations view");

    // /help in the list: every line of it, not its last four.
    pane.type("/help");
    pane.press("Enter");
    let rows = await pane.until((r) => r.some((l) => l.startsWith("/quit")), "the list's help");
    for (const start of ["NAME, Enter", "↑/↓, Enter", "/accept [NAME]", "/reject, /block", "/discoverable on|off", "/status"]) expect(rows.some((l) => l.startsWith(start))).toBe(true);
    // The next thing done clears it: a name not in the contacts, its question, then Esc.
    pane.type("erin");
    pane.press("Enter");
    rows = await pane.until((r) => r.some((l) => l.includes("erin is not in your contacts")), "the address question");
    expect(rows.some((l) => l.startsWith("/quit"))).toBe(false);
    pane.press("Enter");
    await pane.until((r) => r.some((l) => l.includes("✖")), "the empty address refused");
    pane.press("Escape");
    rows = await pane.until((r) => who(r) && !r.some((l) => l.includes("erin") || l.includes("✖")), "the notes cleared");

    // A name, Enter and a message typed at once: the message goes to that conversation.
    pane.press("bob", "Enter", "hello typed fast", "Enter");
    rows = await pane.until((r) => r.some((l) => /alice: hello typed fast\s+\S/.test(l)), "the message typed with the open");
    expect(rows.at(-1)).toBe("bob>");
    await bobServe.waitFor(/alice: hello typed fast/);
    // Alt-2 and text at once: the text is carol's draft.
    pane.press("M-2", "abc");
    await pane.until((r) => r[0]!.startsWith(" carol") && r.at(-1) === "carol> abc", "Alt-2 then abc in carol's input");
    // Ctrl-N twice: carol, dave, bob.
    pane.press("C-n", "C-n");
    await pane.until((r) => r[0]!.startsWith(" bob") && r.at(-1) === "bob>", "two moves: bob");

    // dave writes twice; opened, his conversation starts with who he is, then the backlog.
    expect((await dave.cli(["send", "alice", "dave one"])).exitCode).toBe(0);
    expect((await dave.cli(["send", "alice", "dave two"])).exitCode).toBe(0);
    await pane.until((r) => statusLine(r).includes("dave (2)"), "dave counted");
    pane.press("M-a");
    rows = await pane.until((r) => r[0]!.startsWith(" dave") && r.some((l) => l.includes("dave: dave two")), "dave's conversation");
    const at = (text: string) => rows.findIndex((l) => l.includes(text));
    expect(at("chatting with dave")).toBeGreaterThan(0);
    expect(at("/help for commands")).toBe(at("chatting with dave") + 1);
    expect(at("new since you last read")).toBeGreaterThan(at("/help for commands"));
    expect(at("dave: dave one")).toBeGreaterThan(at("new since you last read"));
    pane.press("C-d");
    expect(await pane.exited()).toBe(0);
  });

  test("scrollback reaches the first of 250 messages through the database; PgDn, the wheel; Alt-A, Alt-1, Ctrl-N/P and /switch move between conversations", async () => {
    await using alice = await makeUser("alice");
    await using bob = await makeUser("bob");
    await using carol = await makeUser("carol");
    await introduce(alice, bob);
    await introduce(alice, carol);
    const lines = Array.from({ length: 250 }, (_, i) => `msg ${String(i).padStart(3, "0")}`);
    const piped = await alice.cli(["chat", "bob", "--hidden", "--wait", "0"], { stdin: lines.join("\n") + "\n" });
    expect(piped.stderr).toContain("250 of 250 messages to bob still pending");
    await carol.serve();
    await using pane = openPane("scroll", cliCommand(["chat", "bob", "--no-hidden", "--quiet", "--home", alice.home]), { cols: 80, rows: 20 });
    await pane.until((r) => r.some((l) => l.includes("alice: msg 249")), "the newest messages");
    expect(pane.screen().some((l) => l.includes("msg 000"))).toBe(false);

    // 50 PgUp at once go 50 pages up, past the first message: older pages come from the database on the way, one after another.
    pane.press(...Array<string>(50).fill("PageUp"));
    let rows = await pane.until((r) => r.some((l) => l.includes("alice: msg 000")), "the first message, after a burst of PgUp");
    // Above it, who this is, then the day.
    expect(rows[1]).toStartWith("chatting with bob");
    const help = rows.findIndex((l) => l.startsWith("/help for commands"));
    expect(rows[help + 1]).toMatch(/^── Today, /);
    expect(rows[help + 2]).toContain("alice: msg 000");
    expect(statusLine(rows)).toContain("more below");
    // The wheel scrolls down a few rows; PgDn all the way back.
    pane.sendBytes("\x1b[<65;10;5M");
    await pane.until((r) => !r.some((l) => l.startsWith("chatting with bob")), "the wheel");
    for (let i = 0; i < 40 && !rows.some((l) => l.includes("alice: msg 249")); i++) {
      pane.press("PageDown");
      rows = await pane.until((r) => r.join("\n") !== rows.join("\n"), "the page to move");
    }
    rows = await pane.until((r) => !statusLine(r).includes("more below"), "the bottom");
    expect(rows.filter((l) => l.includes("alice: msg 249"))).toHaveLength(1);

    // carol writes: counted, not shown; Alt-A goes to her.
    expect((await carol.cli(["send", "alice", "carol here"])).exitCode).toBe(0);
    await pane.until((r) => statusLine(r).includes("carol (1)"), "carol counted");
    pane.press("M-a");
    rows = await pane.until((r) => r[0]!.startsWith(" carol") && r.some((l) => l.includes("carol: carol here")), "carol's conversation");
    expect(statusLine(rows)).not.toContain("carol (1)");
    pane.press("M-1");
    await pane.until((r) => r[0]!.startsWith(" bob"), "Alt-1: bob");
    pane.press("C-n");
    await pane.until((r) => r[0]!.startsWith(" carol"), "Ctrl-N: carol");
    pane.press("C-p");
    await pane.until((r) => r[0]!.startsWith(" bob"), "Ctrl-P: bob");
    pane.type("/switch ca");
    pane.press("Tab");
    await pane.until((r) => r.at(-1) === "bob> /switch carol", "Tab completes the name");
    pane.press("Enter");
    await pane.until((r) => r[0]!.startsWith(" carol"), "/switch carol");

    // Alt-Enter: a message of two lines.
    pane.type("first");
    pane.press("M-Enter");
    pane.type("second");
    await pane.until((r) => r.at(-2) === "carol> first" && r.at(-1) === "       second", "a draft of two lines");
    pane.press("Enter");
    await pane.until((r) => r.some((l) => /^ {8}second\s+✓✓ delivered$/.test(l)), "delivered");
    // A pasted block that ends in a newline: sent without it, the mark where it goes for any message.
    pane.paste("p1\np2\n");
    await pane.until((r) => r.includes("carol> p1") && r.includes("       p2"), "the pasted draft");
    pane.press("Enter");
    rows = await pane.until((r) => r.some((l) => /^ {8}p2\s+✓✓ delivered$/.test(l)), "the paste delivered");
    expect(rows.filter((l) => l.includes("✓✓ delivered"))).toEqual([expect.stringMatching(/^ {8}second\s+✓✓ delivered$/), expect.stringMatching(/^ {8}p2\s+✓✓ delivered$/)]);
    expect((await history(carol, "alice")).filter((e) => e.direction === "in").map((e) => e.text)).toEqual(["first\nsecond", "p1\np2"]);
    pane.press("Escape");
    await pane.until(who, "the list");
    pane.press("C-d");
    expect(await pane.exited()).toBe(0);
  });

  test("Esc typed fast before a name goes back to the list and opens it; /switch to a new name asks its address in the list", async () => {
    await using alice = await makeUser("alice");
    await using bob = await makeUser("bob");
    await using dave = await makeUser("dave");
    for (const u of [bob, dave]) await introduce(alice, u);
    await using pane = openPane("escfast", cliCommand(["chat", "bob", "--hidden", "--quiet", "--home", alice.home]), { cols: 100, rows: 20 });
    await pane.until((r) => (r[0] ?? "").startsWith(" bob") && opened(r), "bob's conversation");
    // One send-keys each: Esc and the name arrive in one read, as Alt-d would.
    pane.press("Escape", "dave", "Enter");
    await pane.until((r) => r[0]!.startsWith(" dave") && r.at(-1) === "dave>", "dave's conversation");
    // b and a are Alt keys too (word left, next unread): with a name behind them they are Esc and the name.
    pane.press("Escape", "bob", "Enter");
    await pane.until((r) => r[0]!.startsWith(" bob") && r.at(-1) === "bob>", "bob's conversation again");
    pane.press("Escape", "#friends", "Enter");
    await pane.until((r) => r.some((l) => l.includes("! you are in no group #friends")), "no such group, from the list");
    expect((await history(alice, "bob")).concat(await history(alice, "dave"))).toEqual([]);

    // /switch to a name that is no contact: the list, asking its address, as typing the name there does.
    pane.press("Escape");
    await pane.until(who, "the list");
    pane.press("dave", "Enter");
    await pane.until((r) => r[0]!.startsWith(" dave"), "dave again");
    pane.press("/switch gina", "Enter");
    let rows = await pane.until((r) => r.at(-1) === "gina's address› 192.168.1.20:20001", "gina's address asked");
    expect(rows.some((l) => l.includes("gina is not in your contacts. What is gina's address (HOST:PORT)?"))).toBe(true);
    pane.press("Escape");
    rows = await pane.until(who, "the list again");
    expect(rows.some((l) => l.includes("gina"))).toBe(false);
    pane.press("C-d");
    expect(await pane.exited()).toBe(0);
  });

  test("in a small terminal, /help's notes never hide conversations silently: the list says how many more there are", async () => {
    await using alice = await makeUser("alice");
    const names = ["ann", "ben", "cal", "dot", "eli", "fay"];
    for (const [i, name] of names.entries()) expect((await alice.cli(["contacts", "add", name, `127.0.0.1:${20101 + i}`])).exitCode).toBe(0);
    await using pane = openPane("small", cliCommand(["chat", "--hidden", "--quiet", "--home", alice.home]), { cols: 100, rows: 30 });
    await pane.until((r) => who(r) && r.some((l) => / 6 fay /.test(l)), "the list of six");
    pane.resize(60, 16);
    pane.press("/help", "Enter");
    let rows = await pane.until((r) => r.some((l) => l.startsWith("NAME, Enter")), "the list's help");
    const shown = names.filter((n) => rows.some((l) => new RegExp(`^.\\d ${n} `).test(l)));
    const more = rows.find((l) => /^ {2}↓ \d+ more/.test(l));
    expect(more).toBe(`  ↓ ${names.length - shown.length} more · Esc hides the notes`);
    // Down to the last: it shows, and the rows above it are counted.
    pane.press(...Array<string>(5).fill("Down"));
    rows = await pane.until((r) => r.some((l) => /^›6 fay /.test(l)), "fay selected");
    expect(rows.some((l) => /^ {2}↑ \d+ more/.test(l))).toBe(true);
    pane.press("Escape");
    rows = await pane.until((r) => !r.some((l) => l.startsWith("NAME, Enter")), "the notes gone");
    expect(names.every((n) => rows.some((l) => new RegExp(`^.\\d ${n} `).test(l)))).toBe(true);
    pane.press("C-d");
    expect(await pane.exited()).toBe(0);
  });

  test("unfocused, a message rings the bell and asks for a desktop notification; --quiet does neither; `p2pchat` alone opens the list", async () => {
    await using alice = await makeUser("alice");
    await using carol = await makeUser("carol");
    await introduce(alice, carol);
    await carol.serve();
    await using dir = await tempDir("p2pchat-tty-out-");
    for (const quiet of [false, true]) {
      const file = join(dir.path, `out-${quiet}`);
      const args = quiet ? ["--quiet", "--no-hidden"] : ["--no-hidden"];
      await using pane = openPane("notify", cliCommand(["chat", ...args, "--home", alice.home]), { cols: 100, rows: 20 });
      await pane.until(who, "the list");
      pane.recordOutput(file);
      pane.sendBytes("\x1b[O"); // the terminal lost focus
      const text = `away ${quiet}\x1b[2J`;
      expect((await carol.cli(["send", "alice", text])).exitCode).toBe(0);
      await pane.until((r) => r.some((l) => l.includes(`away ${quiet}␛[2J`)), "the message in the list");
      await pane.until(() => Bun.file(file).size > 0, "output recorded");
      const out = await Bun.file(file).text();
      if (quiet) {
        expect(out).not.toContain("\x07");
      } else {
        // Inside tmux the request is wrapped for passthrough; carol's escape is not in it.
        expect(out).toContain(`\x1bPtmux;\x1b\x1b]9;p2pchat: carol: away false [2J\x07\x1b\\`);
        expect(out.replace(/\x1bPtmux;[^]*?\x1b\\/g, "")).toContain("\x07");
      }
      pane.press("C-d");
      expect(await pane.exited()).toBe(0);
    }
    // `p2pchat` alone on a terminal, with an identity: the discoverable question, then the list.
    await using pane = openPane("alone", cliCommand(["--home", alice.home]), { cols: 100, rows: 20 });
    await pane.until((r) => r.at(-1)?.startsWith("? Do you want to be discovered?") ?? false, "the discoverable question");
    pane.press("Enter");
    const rows = await pane.until(who, "the list");
    expect(rows.some((l) => /^›1 carol\s/.test(l))).toBe(true);
    pane.press("C-d");
    expect(await pane.exited()).toBe(0);
  });
});
