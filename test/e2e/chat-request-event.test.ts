// A stranger's request while the full-screen chat runs shows at once: the
// "* request from" line, the status line's count and the message waiting,
// from the node's event alone. The chat's poll is an hour here, so nothing
// else can show them.
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { cliCommand } from "../helpers/cli.ts";
import { makeUser } from "../helpers/serve.ts";
import { NO_TMUX, openPane, stopTmux, TMUX } from "../helpers/tmux.ts";
import { skipped } from "../helpers/platform.ts";

setDefaultTimeout(60_000);
afterAll(stopTmux);

const who = (rows: string[]) => rows.at(-1)?.startsWith("Who do you want to talk to? ›") ?? false;
const statusLine = (rows: string[]) => rows.at(-2) ?? "";

describe.skipIf(!TMUX)(`a request in the chat${skipped(NO_TMUX)}`, () => {
  test("a stranger's request shows in the chat as it arrives: its line, the status count and its waiting message, with no poll", async () => {
    await using alice = await makeUser("alice");
    await using stranger = await makeUser("mallory");
    expect((await stranger.cli(["contacts", "add", "alice", alice.peerId, `127.0.0.1:${alice.port}`])).exitCode).toBe(0);
    await using pane = openPane("request-event", cliCommand(["chat", "--no-hidden", "--quiet", "--home", alice.home]), {
      cols: 110,
      rows: 30,
      env: { P2PCHAT_CHAT_REFRESH_MS: String(3_600_000) },
    });
    await pane.until(who, "the conversations view");
    expect((await stranger.cli(["send", "alice", "hi, it is me"])).exitCode).toBe(0);
    const rows = await pane.until(
      (r) => r.some((l) => l.includes('"mallory" (unverified)') && l.includes("1 waiting")) && statusLine(r).includes("1 request"),
      "the request with its message waiting, and the count",
      10_000,
    );
    expect(rows.some((l) => l.includes('* request from "mallory" (unverified)'))).toBe(true);
    pane.press("C-d");
    expect(await pane.exited()).toBe(0);
  });
});
