// The full-screen chat finds a contact as every command does: its name in
// another case opens it, a name only alike to the eye asks "did you mean".
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { cliCommand } from "../helpers/cli.ts";
import { makeUser } from "../helpers/serve.ts";
import { NO_TMUX, openPane, stopTmux, TMUX } from "../helpers/tmux.ts";
import { skipped } from "../helpers/platform.ts";

setDefaultTimeout(60_000);
afterAll(stopTmux);

describe.skipIf(!TMUX)(`names in the chat${skipped(NO_TMUX)}`, () => {
  test("chat josé-ñandú opens José-Ñandú; jose-nandu typed in the list asks 'did you mean', not for an address", async () => {
    await using carol = await makeUser("carol");
    expect((await carol.cli(["contacts", "add", "José-Ñandú", "127.0.0.1:9"])).exitCode).toBe(0);
    await using pane = openPane("chat-names", cliCommand(["chat", "josé-ñandú", "--hidden", "--quiet", "--home", carol.home]), { cols: 100, rows: 24 });
    await pane.until((r) => r.at(-1)?.startsWith("José-Ñandú>") ?? false, "José-Ñandú's conversation");
    pane.press("Escape");
    await pane.until((r) => r.at(-1)?.startsWith("Who do you want to talk to? ›") ?? false, "the conversations view");
    pane.type("jose-nandu");
    pane.press("Enter");
    const rows = await pane.until((r) => r.some((l) => l.includes("did you mean")), "the question");
    expect(rows.some((l) => l.includes('! "jose-nandu" is not in your contacts: did you mean José-Ñandú?'))).toBe(true);
    expect(rows.some((l) => l.includes("What is jose-nandu's address"))).toBe(false);
    pane.press("C-d");
    expect(await pane.exited()).toBe(0);
  });
});
