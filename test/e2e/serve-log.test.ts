// `serve --log FILE`, as the service runs it: what serve prints still
// prints, and goes into FILE too, timestamped, owner-only, errors included.
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { noFileModes } from "../helpers/platform.ts";
import { makeUser } from "../helpers/serve.ts";

setDefaultTimeout(60_000);

const STAMPED = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z /;

describe("serve --log", () => {
  test("the ready line, a command's answer and the stop go to stdout/stderr and into the log, stamped", async () => {
    await using alice = await makeUser("alice");
    const log = join(alice.home, "serve.log");
    const serve = await alice.serve(["--log", log]);
    serve.type("/status");
    await serve.waitFor(/^alice /);
    expect(await serve.stop()).toBe(0);
    expect(serve.stderr()).toContain("p2pchat: stopped");
    const lines = readFileSync(log, "utf8").trimEnd().split("\n");
    expect(lines.every((l) => STAMPED.test(l))).toBe(true);
    const texts = lines.map((l) => l.replace(STAMPED, ""));
    // every line serve printed and nothing else (the two pipes may interleave differently)
    const printed = (serve.stdout() + serve.stderr()).trimEnd().split("\n");
    expect(texts.toSorted()).toEqual(printed.toSorted());
    expect(texts[0]).toMatch(/^ready: alice /);
    expect(texts.at(-1)).toBe("p2pchat: stopped");
    if (!noFileModes) expect(statSync(log).mode & 0o777).toBe(0o600);
  });

  test("a serve that fails to start leaves its error in the log", async () => {
    await using alice = await makeUser("alice");
    const log = join(alice.home, "serve.log");
    const first = await alice.serve();
    const second = await alice.cli(["serve", "--log", log]);
    expect(second.exitCode).not.toBe(0);
    const logged = readFileSync(log, "utf8");
    expect(second.stderr.trim()).not.toBe("");
    expect(logged.replace(/^\S+ /gm, "")).toBe(second.stderr);
    expect(await first.stop()).toBe(0);
  });

  test("a log that cannot be opened: one line, exit 2, nothing started", async () => {
    await using alice = await makeUser("alice");
    const notADir = join(alice.home, "file");
    writeFileSync(notADir, "");
    const r = await alice.cli(["serve", "--log", join(notADir, "serve.log")]);
    expect(r.exitCode).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/^p2pchat: cannot open the log .*file\/serve\.log: .*\(see `p2pchat serve --help`\)\n$/);
  });
});
