// Output far over a pipe's buffer reaches a reader that is slow to start
// (`p2pchat history --json | (sleep 0.5; cat)`): a command exits only once
// everything it printed is out, never with its output cut at 64 KiB.
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { cliCommand, cliEnv } from "../helpers/cli.ts";
import { noPosixShell, skipped } from "../helpers/platform.ts";
import { makeUser } from "../helpers/serve.ts";

setDefaultTimeout(60_000);

describe("large output", () => {
  test.skipIf(noPosixShell !== null)(`history --json of 3,000 messages arrives whole through a pipe whose reader starts late${skipped(noPosixShell)}`, async () => {
    await using alice = await makeUser("alice");
    const add = await alice.cli(["contacts", "add", "bob", "127.0.0.1:1"]);
    expect(add.exitCode).toBe(0);
    const texts = Array.from({ length: 3000 }, (_, i) => `message ${i} ${"padding ".repeat(20)}`);
    const stored = await alice.cli(["chat", "bob", "--hidden", "--wait", "0"], { stdin: texts.join("\n") + "\n" });
    expect(stored.exitCode).toBe(3); // stored, pending: bob is nowhere
    const cmd = cliCommand(["history", "bob", "--json", "--limit", "5000", "--home", alice.home]).map((a) => `'${a}'`).join(" ");
    // The reader starts late on purpose: what is under test is a slow consumer, not a wait for an event.
    const proc = Bun.spawn(["sh", "-c", `${cmd} | (sleep 0.5; cat)`], { env: cliEnv(), stdout: "pipe", stderr: "pipe" });
    const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
    expect({ code, err }).toEqual({ code: 0, err: "" });
    expect(out.length).toBeGreaterThan(256 * 1024);
    expect((JSON.parse(out) as { text: string }[]).map((e) => e.text)).toEqual(texts);
  });
});
