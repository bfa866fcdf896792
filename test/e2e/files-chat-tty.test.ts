// Files in the full-screen chat, in tmux, as a person does it (from source,
// or the compiled binary with P2PCHAT_BIN): /file with Tab completing the
// path, the file shown as a message going to ✓✓ delivered, a path pasted
// alone offered as /file, and on the other side an offer over the allowance
// taken with /accept, then shown where it was saved.
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cliCommand } from "../helpers/cli.ts";
import { introduce, makeUser } from "../helpers/serve.ts";
import { tempDir } from "../helpers/tmp.ts";
import { openPane, stopTmux, TMUX } from "../helpers/tmux.ts";

setDefaultTimeout(90_000);
if (!TMUX) console.warn("p2pchat: full-screen chat tests skipped: tmux is not installed (.ci/run installs it)");
afterAll(stopTmux);

const opened = (rows: string[]) => rows.some((l) => l.includes("/help for commands"));

describe.skipIf(!TMUX)("files in the full-screen chat", () => {
  test("/file with Tab, delivered; a pasted path becomes /file; the other side takes an offer with /accept", async () => {
    await using dir = await tempDir();
    await using alice = await makeUser("alice");
    await using bob = await makeUser("bob");
    await introduce(alice, bob);
    await bob.cli(["files", "settings", "--auto-accept", "0"]);
    await alice.serve();
    const docs = join(dir.path, "holiday docs");
    mkdirSync(docs);
    const report = new Uint8Array(700_000).map((_, i) => i & 0xff);
    writeFileSync(join(docs, "report-2024.pdf"), report);
    writeFileSync(join(docs, "photo.jpg"), new Uint8Array(1234).fill(9));

    await using bobPane = openPane("bob", cliCommand(["chat", "alice", "--no-hidden", "--home", bob.home]), { cols: 110, rows: 30 });
    await bobPane.until(opened, "bob's chat to open");
    await using alicePane = openPane("alice", cliCommand(["chat", "bob", "--home", alice.home]), { cols: 110, rows: 30 });
    await alicePane.until(opened, "alice's chat to open");

    // Tab completes the folder (its name has a space), then the file from what is typed.
    alicePane.type(`/file ${join(dir.path, "holi")}`);
    alicePane.press("Tab");
    await alicePane.until((r) => r.at(-1) === `bob> /file ${docs}/`, "the folder completed");
    alicePane.type("rep");
    alicePane.press("Tab");
    await alicePane.until((r) => r.at(-1) === `bob> /file ${docs}/report-2024.pdf`, "the file completed");
    alicePane.press("Enter");
    await alicePane.until((r) => r.some((l) => /^\[\d\d:\d\d\] alice: 📎 report-2024\.pdf \(684 KiB\)\s+… waiting for them to accept$/.test(l)), "the file as a message, waiting");

    // bob takes nothing unasked: the offer shows, /accept takes it.
    const offer = await bobPane.until((r) => r.some((l) => /alice: 📎 report-2024\.pdf \(684 KiB\)\s+offered: \/accept takes it/.test(l)), "the offer at bob");
    expect(offer.filter((l) => l.includes("report-2024.pdf"))).toHaveLength(1);
    bobPane.type("/accept");
    bobPane.press("Enter");
    const saved = join(bob.home, "downloads", "report-2024.pdf");
    await bobPane.until((r) => r.some((l) => l.includes(`alice: 📎 report-2024.pdf (684 KiB)  saved as ${saved}`)), "where it was saved");
    await alicePane.until((r) => r.some((l) => /alice: 📎 report-2024\.pdf \(684 KiB\)\s+✓✓ delivered$/.test(l)), "✓✓ delivered at alice");
    expect(Buffer.compare(readFileSync(saved), report)).toBe(0);

    // A path pasted alone (as a file dragged onto the terminal pastes it, quoted) is offered as /file.
    alicePane.paste(`'${docs}/photo.jpg'`);
    await alicePane.until((r) => r.at(-1) === `bob> /file ${docs}/photo.jpg`, "the paste turned into /file");
    expect(alicePane.screen().some((l) => l.includes("a file: Enter sends") && l.includes("(1.2 KiB) as a file"))).toBe(true);
    alicePane.press("Enter");
    await bobPane.until((r) => r.some((l) => /alice: 📎 photo\.jpg \(1\.2 KiB\)\s+offered/.test(l)), "the second offer at bob");
    bobPane.type("/reject");
    bobPane.press("Enter");
    await alicePane.until((r) => r.some((l) => /alice: 📎 photo\.jpg \(1\.2 KiB\)\s+✗ cancelled \(bob rejected it\)$/.test(l)), "the rejection at alice");
  });
});
