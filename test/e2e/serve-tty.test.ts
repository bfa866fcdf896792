// `serve` on a terminal: what you type there (`@bob text`) gets a pending
// line at once and a delivered line when bob's ack comes, matched by the
// message's id, even when bob comes online later.
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { cliCommand } from "../helpers/cli.ts";
import { introduce, makeUser } from "../helpers/serve.ts";
import { NO_TMUX, openPane, stopTmux, TMUX } from "../helpers/tmux.ts";
import { skipped } from "../helpers/platform.ts";

setDefaultTimeout(60_000);
afterAll(stopTmux);

describe.skipIf(!TMUX)(`serve on a terminal${skipped(NO_TMUX)}`, () => {
  test("@bob text: pending at once, delivered when it is; the line a friend pastes is shown at start", async () => {
    await using alice = await makeUser("alice");
    await using bob = await makeUser("bob");
    await introduce(alice, bob);
    await using pane = openPane("serve", cliCommand(["serve", "--home", alice.home]), { cols: 160 });
    let rows = await pane.until((r) => r.some((l) => l.startsWith("a friend adds you with:")), "serve to be ready");
    expect(rows.find((l) => l.startsWith("a friend adds you with:"))).toBe(`a friend adds you with: p2pchat contacts add alice ${alice.peerId} 127.0.0.1:${alice.port}`);

    // bob is not running: it waits.
    pane.type("@bob written while you were away");
    pane.press("Enter");
    rows = await pane.until((r) => r.some((l) => l === "→ bob: written while you were away  … pending"), "the pending line");
    expect(rows.some((l) => l.includes("(queued for"))).toBe(false);

    // bob comes: the same message, by its id, is delivered.
    const bobServe = await bob.serve();
    await bobServe.waitFor(/alice: written while you were away/);
    await pane.until((r) => r.some((l) => l === "→ bob: written while you were away  ✓✓ delivered"), "the delivered line");

    // Linked now: a long message's line is cut short, both times.
    const long = "a message long enough that its line is cut short when its mark is printed";
    pane.type(`@bob ${long}`);
    pane.press("Enter");
    await bobServe.waitFor(/alice: a message long enough/);
    rows = await pane.until((r) => r.filter((l) => l.startsWith("→ bob: a message long")).length === 2, "pending and delivered lines");
    expect(rows.filter((l) => l.startsWith("→ bob: a message long"))).toEqual(["→ bob: a message long enough that its line is…  … pending", "→ bob: a message long enough that its line is…  ✓✓ delivered"]);
    pane.press("C-c");
    expect(await pane.exited()).toBe(0);
  });
});
