// The questions `p2pchat chat` asks, answered on a real terminal (tmux) as a
// person types: discoverable (a question before the chat opens), then who,
// and a new name's address (asked in the conversations view); then a message
// that is delivered. From source, or the compiled binary with P2PCHAT_BIN.
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { cliCommand } from "../helpers/cli.ts";
import { introduce, makeUser } from "../helpers/serve.ts";
import { NO_TMUX, openPane, stopTmux, TMUX } from "../helpers/tmux.ts";
import { skipped } from "../helpers/platform.ts";

// Processes and TLS links take time on a loaded machine (bun applies a
// preload's default timeout to the first file only, so each file sets it).
setDefaultTimeout(60_000);

afterAll(stopTmux);

const asking = (question: string) => (rows: string[]) => rows.at(-1)?.startsWith(`? ${question}`) ?? false;
/** The conversations view's question, on the last row. */
const who = (rows: string[]) => rows.at(-1)?.startsWith("Who do you want to talk to? ›") ?? false;

describe.skipIf(!TMUX)(`chat's questions on a terminal${skipped(NO_TMUX)}`, () => {
  test("discoverable, a known contact's name, then a message bob's serve receives", async () => {
    await using alice = await makeUser("alice");
    await using bob = await makeUser("bob");
    await introduce(alice, bob);
    const bobServe = await bob.serve();
    await using pane = openPane("known", cliCommand(["chat", "--quiet", "--home", alice.home]));

    await pane.until(asking("Do you want to be discovered? (Y/n) ›"), "the discoverable question");
    pane.type("y");
    pane.press("Enter");
    let rows = await pane.until(who, "who");
    expect(rows.some((l) => /^›1 bob\b/.test(l))).toBe(true);
    pane.type("bob");
    pane.press("Enter");
    rows = await pane.until((r) => r.some((l) => l.includes("/help for commands")), "the chat to open");
    expect(rows.some((l) => l.includes("undefined"))).toBe(false);

    pane.type("hello from a prompt");
    pane.press("Enter");
    await bobServe.waitFor(/alice: hello from a prompt/);
    await pane.until((r) => r.some((l) => /alice: hello from a prompt\s+✓✓ delivered/.test(l)), "the delivered mark");
    pane.type("/quit");
    pane.press("Enter");
    expect(await pane.exited()).toBe(0);
    // Back on the normal screen: the answered question, once.
    expect(pane.screen()).toEqual(["✔ Do you want to be discovered? (Y/n) › yes", "EXIT=0"]);
  });

  test("keys typed ahead of the discoverable answer, in one go, reach the view in order: the contact opens and the message is written", async () => {
    await using eve = await makeUser("eve");
    await using alice = await makeUser("alice");
    await introduce(eve, alice);
    await using pane = openPane("ahead", cliCommand(["chat", "--quiet", "--home", eve.home]));
    await pane.until(asking("Do you want to be discovered?"), "the discoverable question");
    pane.press("n", "Enter", "alice", "Enter", "typeahead msg", "Enter");
    const rows = await pane.until((r) => r.some((l) => /\] eve: typeahead msg\b/.test(l)), "the message in alice's conversation");
    expect(rows.at(-1)).toBe("alice>");
    pane.press("C-d");
    expect(await pane.exited()).toBe(0);
    const sent = JSON.parse((await eve.cli(["history", "alice", "--json"])).stdout) as { text: string; direction: string }[];
    expect(sent.map((e) => [e.direction, e.text])).toEqual([["out", "typeahead msg"]]);
  });

  test("a new name: its address typed in the view (the example and a typo refused first) is saved, and the message is delivered", async () => {
    await using alice = await makeUser("alice");
    await using carol = await makeUser("carol");
    // carol knows alice (a stranger's messages wait as a request); alice has only carol's address.
    expect((await carol.cli(["contacts", "add", "alice", alice.peerId, `127.0.0.1:${alice.port}`])).exitCode).toBe(0);
    const carolServe = await carol.serve();
    await using pane = openPane("new", cliCommand(["chat", "--quiet", "--home", alice.home]));

    await pane.until(asking("Do you want to be discovered?"), "the discoverable question");
    pane.press("Enter"); // the default: yes
    await pane.until(who, "who");
    pane.type("carol");
    pane.press("Enter");
    // The example is shown, not taken: Enter on it is refused.
    let rows = await pane.until((r) => r.at(-1) === "carol's address› 192.168.1.20:20001", "the address question");
    expect(rows.some((l) => l.includes("carol is not in your contacts. What is carol's address (HOST:PORT)?"))).toBe(true);
    pane.press("Enter");
    rows = await pane.until((r) => r.some((l) => l.startsWith("✖ invalid address")), "the empty address refused");
    pane.type(`127.0.0.1:${carol.port}x`);
    pane.press("Enter");
    rows = await pane.until((r) => r.some((l) => l.startsWith("✖ invalid port")), "the typo refused");
    expect(rows.at(-1)).toBe(`carol's address› 127.0.0.1:${carol.port}x`);
    pane.press("BSpace");
    pane.press("Enter");
    rows = await pane.until((r) => r.some((l) => l.includes("/help for commands")), "the chat to open");
    await pane.until((r) => r.some((l) => l.includes("saved carol to your contacts")), "saved");

    pane.type("hi carol");
    pane.press("Enter");
    await carolServe.waitFor(/alice: hi carol/);
    await pane.until((r) => r.some((l) => /alice: hi carol\s+✓✓ delivered/.test(l)), "the delivered mark");
    pane.type("/quit");
    pane.press("Enter");
    expect(await pane.exited()).toBe(0);
    const contacts = JSON.parse((await alice.cli(["contacts", "--json"])).stdout) as { name: string; address: string; peerId: string }[];
    expect(contacts).toEqual([expect.objectContaining({ name: "carol", address: `127.0.0.1:${carol.port}`, peerId: carol.peerId })]);
  });

  test("Ctrl-C at the discoverable question: exit 130; in the view it clears what is typed, and on an empty line leaves", async () => {
    await using alice = await makeUser("alice");
    await using first = openPane("ctrlc1", cliCommand(["chat", "--home", alice.home]));
    await first.until(asking("Do you want to be discovered?"), "the discoverable question");
    first.press("C-c");
    expect(await first.exited()).toBe(130);
    expect(first.screen()).toEqual(["? Do you want to be discovered? (Y/n) ›", "EXIT=130"]);

    // In the view our own node is up: it stops cleanly too.
    await using second = openPane("ctrlc2", cliCommand(["chat", "--no-hidden", "--home", alice.home]));
    await second.until(who, "who");
    second.type("half a na");
    await second.until((r) => r.at(-1) === "Who do you want to talk to? › half a na", "the typed text");
    second.press("C-c");
    await second.until((r) => r.at(-1) === "Who do you want to talk to? ›", "the line cleared");
    second.press("C-c");
    expect(await second.exited()).toBe(0);
    expect(second.screen()).toEqual(["EXIT=0"]);
  });

  test("Ctrl-D on an empty line in the view leaves, exit 0", async () => {
    await using alice = await makeUser("alice");
    await using pane = openPane("ctrld", cliCommand(["chat", "--no-hidden", "--home", alice.home]));
    await pane.until(who, "who");
    pane.press("C-d");
    expect(await pane.exited()).toBe(0);
    expect(pane.screen()).toEqual(["EXIT=0"]);
  });

  test("a serve started while the discoverable question waits: the chat attaches to it and says the answer does not apply", async () => {
    await using alice = await makeUser("alice");
    await using pane = openPane("meanwhile", cliCommand(["chat", "--quiet", "--home", alice.home]));
    await pane.until(asking("Do you want to be discovered?"), "the discoverable question");
    await alice.serve(); // another terminal takes the home
    pane.type("n");
    pane.press("Enter");
    await pane.until(who, "who");
    expect((await alice.cli(["status", "--json"])).stdout).toContain('"discoverable": true'); // the serve's node, untouched
    pane.press("C-d");
    expect(await pane.exited()).toBe(0);
    // Said before the full-screen view opened: on the normal screen once it closed.
    expect(pane.screen().join(" ")).toContain("p2pchat: a node started for this home meanwhile: attached to it, so your answer does not apply (use /discoverable on|off)");
  });
});
