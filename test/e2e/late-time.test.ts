// A message that arrives hours after it was written shows the time it was
// written, in history, search and the chat's backlog, and stays where it
// arrived in the order; --json gives both times.
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { chmod, readdir } from "node:fs/promises";
import { join } from "node:path";
import type { PeerId } from "../../src/protocol/peer-id.ts";
import { SQLITE_FILE } from "../../src/home/home.ts";
import { openStore } from "../../src/store/open.ts";
import { cliCommand, runCli } from "../helpers/cli.ts";
import { freePort } from "../helpers/serve.ts";
import { tempDir } from "../helpers/tmp.ts";
import { NO_TMUX, openPane, stopTmux, TMUX } from "../helpers/tmux.ts";
import { skipped } from "../helpers/platform.ts";

setDefaultTimeout(60_000);
afterAll(stopTmux);

const BOB = "BOBBBBB-BOBBBBB-BOBBBBB-BOBBBBB-BOBBBBB-BOBBBBB-BOBBBBB-BOBBBBB" as PeerId;
const WRITTEN = new Date(2024, 4, 1, 10, 0, 0).getTime();
const ARRIVED = new Date(2024, 4, 1, 13, 0, 0).getTime();

/** alice's home: she wrote at 12:59 and 13:01; bob's 10:00 message arrived at 13:00, between them. */
async function home() {
  const dir = await tempDir();
  const init = await runCli(["init", "--name", "alice", "--home", dir.path]);
  if (init.exitCode !== 0) throw new Error(init.stderr);
  const store = await openStore({ dialect: "sqlite", filename: join(dir.path, SQLITE_FILE) });
  try {
    // Nobody listens there: the chat opens without a link.
    await store.addContact({ name: "bob", host: "127.0.0.1", port: await freePort(), peerId: BOB });
    const out = (body: string, at: number) => ({ id: Bun.randomUUIDv7("hex", at), peer: "bob", host: "127.0.0.1", port: 20001, body, created: at });
    await store.write({ outgoing: [out("before it came", ARRIVED - 60_000)], at: ARRIVED });
    await store.write({ incoming: [{ id: Bun.randomUUIDv7("hex", WRITTEN), peerId: BOB, peer: "bob", host: "127.0.0.1", port: 20001, body: "written at ten", created: WRITTEN, received: ARRIVED }], at: ARRIVED });
    await store.write({ outgoing: [out("after it came", ARRIVED + 60_000)], at: ARRIVED });
  } finally {
    await store.close();
  }
  // Owner-only, as p2pchat keeps its home (else the next command says it tightened them).
  for (const f of await readdir(dir.path)) await chmod(join(dir.path, f), 0o600);
  return dir;
}

describe("a message received late", () => {
  test("history and search show when it was written; --json has time and received", async () => {
    await using dir = await home();
    const h = ["--home", dir.path];
    const history = await runCli(["history", "bob", ...h]);
    expect(history).toEqual({
      stdout: [
        "[2024-05-01 12:59] alice: before it came  … pending",
        "[2024-05-01 10:00] bob: written at ten",
        "[2024-05-01 13:01] alice: after it came  … pending",
        "",
      ].join("\n"),
      stderr: "",
      exitCode: 0,
    });
    const json = JSON.parse((await runCli(["history", "bob", "--json", ...h])).stdout) as Record<string, unknown>[];
    expect(json.map((e) => [e.text, e.time, e.received])).toEqual([
      ["before it came", ARRIVED - 60_000, undefined],
      ["written at ten", WRITTEN, ARRIVED],
      ["after it came", ARRIVED + 60_000, undefined],
    ]);
    expect(await runCli(["search", "ten", ...h])).toEqual({ stdout: "[2024-05-01 10:00] bob: written at ten\n", stderr: "", exitCode: 0 });
    const found = JSON.parse((await runCli(["search", "ten", "--json", ...h])).stdout) as Record<string, unknown>[];
    expect(found.map((e) => [e.time, e.received])).toEqual([[WRITTEN, ARRIVED]]);
  });

  test.skipIf(!TMUX)(`the chat's backlog shows when it was written${skipped(NO_TMUX)}`, async () => {
    await using dir = await home();
    await using pane = openPane("backlog", cliCommand(["chat", "bob", "--no-hidden", "--quiet", "--home", dir.path]));
    const rows = await pane.until((r) => r.some((l) => l.includes("/help for commands")), "the chat to open");
    // In the order they came, each with when it was written.
    const messages = rows.filter((l) => /^\[\d\d:\d\d\] /.test(l)).map((l) => l.replace(/\s+… pending$/, ""));
    expect(messages).toEqual(["[12:59] alice: before it came", "[10:00] bob: written at ten", "[13:01] alice: after it came"]);
    pane.press("C-d");
    expect(await pane.exited()).toBe(0);
  });
});
