// Input a user gets wrong, refused with exit 2 and a line that says what is
// wrong: bytes that are not UTF-8 (which byte), blank messages, a database
// URL we cannot use (never echoing its password); a damaged key file named
// as such; and `init --port 0` that picks a port to keep.
import { describe, expect, test, setDefaultTimeout } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cliCommand, cliEnv, runCli, type CliResult } from "../helpers/cli.ts";
import { makeUser, spawnServe } from "../helpers/serve.ts";
import { isWindows, skipped } from "../helpers/platform.ts";
import { tempDir } from "../helpers/tmp.ts";

setDefaultTimeout(60_000);

/** Runs the CLI with `args`, then the raw bytes of `printf FMT` as one more argument, then `after`. */
async function runWithRawArg(args: string[], fmt: string, after: string[]): Promise<CliResult> {
  const proc = Bun.spawn(["sh", "-c", 'B=$(printf "$FMT"); exec "$@" "$B" $AFTER', "sh", ...cliCommand(args)], {
    env: cliEnv({ FMT: fmt, AFTER: after.join(" ") }),
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, exitCode] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { stdout, stderr, exitCode };
}

const historyTexts = async (cli: (a: string[]) => Promise<CliResult>) => (JSON.parse((await cli(["history", "bob", "--json"])).stdout) as { text: string }[]).map((e) => e.text);

describe("message text", () => {
  // Windows hands a program its arguments as UTF-16: no byte that is not UTF-8 can reach them.
  const noRawArgs = isWindows ? "Windows passes arguments as UTF-16 text, and runWithRawArg needs sh" : null;
  test.skipIf(isWindows)(`invalid UTF-8 in send's words or in a piped line is refused with exit 2, naming the byte${skipped(noRawArgs)}`, async () => {
    await using alice = await makeUser("alice");
    expect((await alice.cli(["contacts", "add", "bob", "127.0.0.1:9"])).exitCode).toBe(0);
    const h = ["--home", alice.home];

    const bad = await runWithRawArg(["send", ...h, "bob", "menu:"], "caf\\351 au lait", ["--no-wait"]);
    expect(bad).toEqual({
      exitCode: 2,
      stdout: "",
      stderr: "p2pchat: error: the message is not valid UTF-8: byte 0xE9 at offset 9 (is it in another encoding, such as Latin-1?)\n",
    });
    // A replacement character typed on purpose is text like any other.
    const typed = await runWithRawArg(["send", ...h, "bob", "menu:"], "caf\\357\\277\\275", ["--no-wait"]);
    expect([typed.exitCode, typed.stderr]).toEqual([0, ""]);

    const piped = await alice.cli(["chat", "bob", "--wait", "0"], { stdin: Buffer.from("before\ncaf\xe9 au lait\nafter\n", "latin1") });
    expect(piped).toEqual({
      exitCode: 2,
      stdout: "",
      stderr: "p2pchat: error: line 2 is not valid UTF-8: byte 0xE9 at offset 3 (is it in another encoding, such as Latin-1?); nothing from this line on was sent\n",
    });
    // A truncated sequence, a lone continuation byte, an overlong form, a surrogate: each is named.
    for (const [bytes, at, value] of [
      [[0x61, 0xe2, 0x82], 1, "E2"],
      [[0x61, 0x62, 0x80], 2, "80"],
      [[0xc0, 0xaf], 0, "C0"],
      [[0x61, 0xed, 0xa0, 0x80], 1, "ED"],
    ] as const) {
      const r = await alice.cli(["chat", "bob", "--wait", "0"], { stdin: Uint8Array.from([...bytes, 0x0a]) });
      expect([r.exitCode, r.stderr]).toEqual([2, `p2pchat: error: line 1 is not valid UTF-8: byte 0x${value} at offset ${at} (is it in another encoding, such as Latin-1?); nothing from this line on was sent\n`]);
    }
    expect(await historyTexts(alice.cli)).toEqual(["menu: caf\uFFFD", "before"]);
  });

  test("a blank message is refused like an empty one; blank piped lines are skipped like empty ones", async () => {
    await using alice = await makeUser("alice");
    expect((await alice.cli(["contacts", "add", "bob", "127.0.0.1:9"])).exitCode).toBe(0);
    for (const text of ["", "   ", "\t \n", "\u200b\u200b", "\u3000", "\u3164"]) {
      const r = await alice.cli(["send", "bob", text, "--no-wait"]);
      expect([r.exitCode, r.stdout, r.stderr]).toEqual([2, "", expect.stringMatching(/^p2pchat: error: the message is (empty|blank \(only spaces or invisible characters\)): nothing to send\n$/)]);
    }
    const piped = await alice.cli(["chat", "bob", "--wait", "0"], { stdin: "one\n   \n\x00\n\ntwo\r\n" });
    expect(piped.exitCode).toBe(3); // pending: bob is not there
    expect(await historyTexts(alice.cli)).toEqual(["one", "two"]);
  });
});

describe("setup errors", () => {
  test("a database URL we cannot use exits 2 and never shows its password", async () => {
    await using home = await tempDir();
    const cases = [
      ["postgres://u:S3CRET-PW@db.example/chat", 'unsupported database "postgres" in "postgres://u:***@db.example/chat"'],
      ["mysql://u:S3CRET-PW@db.example", 'invalid database URL "mysql://u:***@db.example": no database name'],
      ["mysql://u:S3CRET-PW@db.example:99999/chat", 'invalid database URL "mysql://u:***@db.example:99999/chat": it does not parse'],
      ["u:S3CRET-PW@db.example", 'unsupported database "u" in "u:***@db.example"'],
    ] as const;
    for (const [url, said] of cases) {
      for (const cmd of [["init", "--name", "x"], ["history"]]) {
        const r = await runCli([...cmd, "--home", join(home.path, "h"), "--db", url]);
        expect([r.exitCode, r.stdout]).toEqual([2, ""]);
        expect(r.stderr).toContain(said);
        expect(r.stderr).not.toContain("S3CRET");
        // init refuses before it makes anything
        if (cmd[0] === "init") expect(existsSync(join(home.path, "h"))).toBe(false);
      }
      await Bun.$`rm -rf ${join(home.path, "h")}`;
    }
    // A URL that parses but leads nowhere: exit 1, and the password still hidden.
    const down = await runCli(["history", "--home", join(home.path, "h"), "--db", "mysql://u:S3CRET-PW@127.0.0.1:9/chat"]);
    expect(down.exitCode).toBe(1);
    expect(down.stderr).toContain("mysql://u:***@127.0.0.1:9/chat");
    expect(down.stderr).not.toContain("S3CRET");
  });

  test("a damaged key.pem or cert.pem is named, with its path, instead of an OpenSSL error", async () => {
    await using alice = await makeUser("alice");
    await using other = await makeUser("other");
    const key = join(alice.home, "key.pem");
    const cert = join(alice.home, "cert.pem");
    const good = { key: readFileSync(key, "utf8"), cert: readFileSync(cert, "utf8") };
    const cases = [
      [key, good.key.slice(0, good.key.length / 2), `the key file ${key} is damaged: it is not a readable private key`],
      [cert, good.cert.slice(0, good.cert.length - 30), `the certificate file ${cert} is damaged: it is not a readable certificate`],
      [key, readFileSync(join(other.home, "key.pem"), "utf8"), `the key file ${key} is damaged: it does not belong to the certificate ${cert}`],
    ] as const;
    for (const [file, text, said] of cases) {
      writeFileSync(file, text);
      for (const cmd of [["serve"], ["id"]]) {
        const r = await alice.cli(cmd);
        expect([r.exitCode, r.stdout]).toEqual([1, ""]);
        expect(r.stderr).toStartWith(`p2pchat: error: ${said}. It is half of your identity: restore it from a backup`);
        expect(r.stderr).not.toContain("PEM");
      }
      writeFileSync(key, good.key);
      writeFileSync(cert, good.cert);
    }
    expect((await alice.cli(["id"])).exitCode).toBe(0);
  });

  test("init --port 0 picks a free port and keeps it: id and serve use it", async () => {
    await using home = await tempDir();
    const h = ["--home", home.path];
    const init = await runCli(["init", ...h, "--name", "zed", "--host", "127.0.0.1", "--port", "0"]);
    expect(init.exitCode).toBe(0);
    const port = Number(/127\.0\.0\.1:(\d+)\n$/.exec(init.stdout)?.[1]);
    expect(port).toBeGreaterThan(0);
    expect(init.stderr).toContain(`port ${port} was free and is yours from now on`);
    expect((await Bun.file(join(home.path, "config.json")).json()).port).toBe(port);
    expect((await runCli(["id", ...h])).stdout).toBe(init.stdout);
    await using serve = await spawnServe(h);
    expect(serve.stdout()).toContain(`listening on 127.0.0.1:${port} `);
  });

  test("a relay on a port in use says so, exit 1", async () => {
    await using home = await tempDir();
    await using taken = { server: Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } }), async [Symbol.asyncDispose]() { this.server.stop(true); } };
    const r = await runCli(["relay", "--home", home.path, "--host", "127.0.0.1", "--port", String(taken.server.port)]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toStartWith(`p2pchat: error: cannot listen on 127.0.0.1:${taken.server.port}: the port is in use (another relay or program? pick another with --port)`);
  });
});
