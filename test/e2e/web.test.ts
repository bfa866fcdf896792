// The page from the command line, as people run it: serve says where it is,
// `p2pchat web` hands out a login link (and, for scripts, the API key),
// says plainly when there is no page to open, and a page beyond this
// machine needs a password. Run on the compiled binary too (P2PCHAT_BIN).
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { chmodSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { noFileModes } from "../helpers/platform.ts";
import { makeUser } from "../helpers/serve.ts";
import { tempDir } from "../helpers/tmp.ts";
import { pollUntil } from "../helpers/wait.ts";

setDefaultTimeout(60_000);

const NO_OPEN = ["--no-open"];

describe("p2pchat web", () => {
  test("serve says where the page is; web --json gives a login link that opens a session once, and the API key", async () => {
    await using alice = await makeUser("alice");
    const serve = await alice.serve(["--web", "127.0.0.1:0"]);
    const line = await serve.waitFor(/^web: /);
    const origin = /^web: (http:\/\/127\.0\.0\.1:\d+)\/ \(`p2pchat web` opens it signed in\)$/.exec(line)?.[1];
    expect(origin).toBeDefined();
    // Said among the first lines: right after the ready line.
    expect(serve.stdout().split("\n")[1]).toBe(line);
    const r = await alice.cli(["web", "--json", ...NO_OPEN]);
    expect([r.exitCode, r.stderr]).toEqual([0, ""]);
    const { url, apiKey } = JSON.parse(r.stdout) as { url: string; apiKey: string };
    expect(url).toMatch(new RegExp(`^${origin}/login\\?token=[\\w-]{43}$`));
    if (noFileModes === null) expect(statSync(join(alice.home, "web-api-key")).mode & 0o777).toBe(0o600);
    const first = await fetch(url, { redirect: "manual" });
    expect([first.status, first.headers.get("location"), first.headers.get("set-cookie")?.includes("HttpOnly; SameSite=Strict")]).toEqual([303, "/", true]);
    const second = await fetch(url, { redirect: "manual" });
    expect(second.headers.get("location")).toBe("/login?spent");
    const status = await fetch(`${origin}/api/op/status`, { method: "POST", headers: { "X-API-Key": apiKey } });
    expect(((await status.json()) as { result: { name: string } }).result.name).toBe("alice");
    // The plain form: the link and what it is.
    const plain = await alice.cli(["web", ...NO_OPEN]);
    expect(plain.stdout).toMatch(new RegExp(`^${origin}/login\\?token=[\\w-]{43}\\n\\(the link opens the page signed in, once, within 2 minutes\\)\\n$`));
    expect(await serve.stop()).toBe(0);
  });

  test.skipIf(process.platform !== "linux")("web opens the link with the desktop's opener (xdg-open), or says it could not and prints it anyway", async () => {
    await using alice = await makeUser("alice");
    const serve = await alice.serve(["--web", "127.0.0.1:0"]);
    await serve.waitFor(/^web: /);
    await using bin = await tempDir("p2pchat-opener-");
    const opened = join(bin.path, "opened");
    // A stand-in for the desktop's xdg-open: it writes down what it was asked to open.
    writeFileSync(join(bin.path, "xdg-open"), `#!/bin/sh\nprintf '%s' "$1" > '${opened}'\n`);
    chmodSync(join(bin.path, "xdg-open"), 0o755);
    const r = await alice.cli(["web"], { env: { PATH: `${bin.path}:/usr/bin:/bin` } });
    expect([r.exitCode, r.stderr]).toEqual([0, ""]);
    const link = r.stdout.split("\n")[0]!;
    // The opener runs on its own (web does not wait for a browser): its file is looked at until it is there.
    expect(await pollUntil(async () => ((await Bun.file(opened).exists()) ? Bun.file(opened).text() : ""), (t) => t !== "", "the opener to run")).toBe(link);
    const none = await alice.cli(["web"], { env: { PATH: join(bin.path, "nothing-here") } });
    expect(none.exitCode).toBe(0);
    expect(none.stdout).toStartWith("http://127.0.0.1:");
    expect(none.stderr).toStartWith("p2pchat: could not open a browser (xdg-open: ");
    expect(none.stderr).toEndWith("): open the link above yourself\n");
  });

  test("no node running, or one serving no page: web says which, and what to do (exit 1)", async () => {
    await using alice = await makeUser("alice");
    const none = await alice.cli(["web", ...NO_OPEN]);
    expect([none.exitCode, none.stdout]).toEqual([1, ""]);
    expect(none.stderr).toBe(`p2pchat: error: no node is running for ${alice.home}: start one with \`p2pchat serve\` (it serves the page), then run \`p2pchat web\` again\n`);
    const serve = await alice.serve(["--no-web"]);
    expect(serve.stdout()).not.toContain("web: ");
    const off = await alice.cli(["web", ...NO_OPEN]);
    expect(off.exitCode).toBe(1);
    expect(off.stderr).toContain(`the node running for ${alice.home} serves no page (it was started with --no-web, or config.json says "web": "off")`);
    await serve.stop();
    // A serve that was killed leaves web.json behind: its process is gone, so web says no node runs.
    const again = await alice.serve(["--web", "127.0.0.1:0"]);
    await again.waitFor(/^web: /);
    again.proc.kill("SIGKILL");
    await again.proc.exited;
    const stale = await alice.cli(["web", ...NO_OPEN]);
    expect(stale.stderr).toContain("no node is running for");
  });

  test("beyond loopback only with a password: refused before the node starts, then served and signed into with it", async () => {
    await using alice = await makeUser("alice");
    const refused = await alice.cli(["serve", "--web", "0.0.0.0:0"]);
    expect([refused.exitCode, refused.stdout]).toEqual([2, ""]);
    expect(refused.stderr).toBe(
      "p2pchat: error: not serving the page on 0.0.0.0: anyone who reaches that address could read and send your messages. Set a password first (p2pchat web --password), or keep the page on 127.0.0.1\n",
    );
    const short = await alice.cli(["web", "--password"], { stdin: "short\n" });
    expect([short.exitCode, short.stderr]).toEqual([2, "p2pchat: the password must have at least 8 characters (see `p2pchat web --help`)\n"]);
    const set = await alice.cli(["web", "--password"], { stdin: "correct horse battery\n" });
    expect([set.exitCode, set.stderr]).toEqual([0, ""]);
    const config = JSON.parse(await Bun.file(join(alice.home, "config.json")).text()) as { webPassword: string };
    expect(config.webPassword).toStartWith("$argon2id$");
    const serve = await alice.serve(["--web", "0.0.0.0:0"]);
    const line = await serve.waitFor(/^web: /);
    expect(line).toMatch(/^web: http:\/\/0\.0\.0\.0:\d+\/ for other machines too: they must give the password \(plain HTTP: use it only on a network you trust\)$/);
    const port = /:(\d+)\//.exec(line)![1];
    const login = (password: string) =>
      fetch(`http://127.0.0.1:${port}/login`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ password }) });
    const wrong = await login("not it at all");
    expect(wrong.status).toBe(403);
    const right = await login("correct horse battery");
    expect(right.status).toBe(200);
    const cookie = right.headers.get("set-cookie")!.split(";")[0]!;
    expect((await fetch(`http://127.0.0.1:${port}/api/roster`, { headers: { cookie } })).status).toBe(200);
    // Another machine would come by an address, never by a name that could be pointed elsewhere.
    expect((await fetch(`http://127.0.0.1:${port}/api/roster`, { headers: { cookie, Host: `mybox.example:${port}` } })).status).toBe(403);
    await serve.stop();
    const removed = await alice.cli(["web", "--no-password"]);
    expect(removed.exitCode).toBe(0);
    expect(JSON.parse(await Bun.file(join(alice.home, "config.json")).text())).not.toHaveProperty("webPassword");
  });

  test("the default port taken: the page moves to the next free one and says where", async () => {
    await using alice = await makeUser("alice");
    await using bob = await makeUser("bob");
    const first = await alice.serve();
    const a = /^web: http:\/\/127\.0\.0\.1:(\d+)\//.exec(await first.waitFor(/^web: /))![1];
    const second = await bob.serve();
    const b = /^web: http:\/\/127\.0\.0\.1:(\d+)\//.exec(await second.waitFor(/^web: /))![1];
    expect(Number(a)).toBeGreaterThanOrEqual(20080);
    expect(b).not.toBe(a);
    // Each home's link opens its own page.
    const bobLink = JSON.parse((await bob.cli(["web", "--json", ...NO_OPEN])).stdout).url as string;
    expect(bobLink).toStartWith(`http://127.0.0.1:${b}/login?token=`);
  });
});
