// Adding a friend from what they send you: the line `p2pchat id` prints (and
// `serve` shows on start), pasted after `contacts add` as it is.
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { join } from "node:path";
import { runCli } from "../helpers/cli.ts";
import { freePort, makeUser, spawnServe } from "../helpers/serve.ts";
import { tempDir } from "../helpers/tmp.ts";

setDefaultTimeout(60_000);

async function idOf(home: string, name: string, port: number): Promise<[string, string, string]> {
  const r = await runCli(["init", "--home", home, "--name", name, "--host", "10.0.0.7", "--port", String(port)]);
  if (r.exitCode !== 0) throw new Error(r.stderr);
  return r.stdout.trim().split(" ") as [string, string, string];
}

describe("contacts add with what `p2pchat id` prints", () => {
  test.concurrent("NAME PEER-ID HOST:PORT as printed, or the address first; --id as before", async () => {
    await using dir = await tempDir();
    const h = ["--home", join(dir.path, "me")];
    const bob = await idOf(join(dir.path, "bob"), "bob", 20002);
    const carol = await idOf(join(dir.path, "carol"), "carol", 20003);
    const dave = await idOf(join(dir.path, "dave"), "dave", 20004);
    expect(await runCli(["contacts", "add", ...bob, ...h])).toEqual({ stdout: `added bob at 10.0.0.7:20002, pinned to ${bob[1]}\n`, stderr: expect.any(String), exitCode: 0 });
    expect((await runCli(["contacts", "add", carol[0], carol[2], carol[1].toLowerCase(), ...h])).exitCode).toBe(0);
    expect((await runCli(["contacts", "add", dave[0], dave[2], "--id", dave[1], ...h])).exitCode).toBe(0);
    const list = JSON.parse((await runCli(["contacts", "--json", ...h])).stdout) as { name: string; address: string; peerId: string }[];
    expect(list.map((c) => [c.name, c.address, c.peerId])).toEqual([
      ["bob", "10.0.0.7:20002", bob[1]],
      ["carol", "10.0.0.7:20003", carol[1]],
      ["dave", "10.0.0.7:20004", dave[1]],
    ]);
  });

  test.concurrent("what cannot be read: one line, exit 2, nothing added", async () => {
    await using dir = await tempDir();
    const h = ["--home", join(dir.path, "me")];
    const [, id] = await idOf(join(dir.path, "bob"), "bob", 20002);
    const [, other] = await idOf(join(dir.path, "carol"), "carol", 20003);
    const typo = id.slice(0, -1) + (id.endsWith("A") ? "B" : "A");
    const cases: [string[], RegExp][] = [
      [["bob", id], /^p2pchat: also give bob's address: p2pchat contacts add bob PEER-ID HOST:PORT/],
      [["bob", "1.2.3.4:5", "2.3.4.5:6"], /two addresses, "1\.2\.3\.4:5" and "2\.3\.4\.5:6"/],
      [["bob", id, "1.2.3.4:5", "--id", other], /two different peer ids/],
      [["bob", typo, "1.2.3.4:5"], /invalid peer id .*: check character mismatch/],
      [["bob", "1.2.3.4:5", id, "extra"], /unexpected argument "extra"/],
    ];
    for (const [args, message] of cases) {
      const r = await runCli(["contacts", "add", ...args, ...h]);
      expect({ args, stderr: r.stderr.split("\n").filter((l) => !l.includes("new identity")).join("\n") }).toEqual({ args, stderr: expect.stringMatching(message) });
      expect([r.stdout, r.exitCode]).toEqual(["", 2]);
    }
    expect(JSON.parse((await runCli(["contacts", "--json", ...h])).stdout)).toEqual([]);
  });

  test("serve says how a friend adds you, and that line, run by the friend, works", async () => {
    await using alice = await makeUser("alice");
    await using bob = await makeUser("bob");
    // Each adds the other from the line the other gave: bob pastes what alice's `p2pchat id` printed.
    const aliceLine = (await alice.cli(["id"])).stdout.trim().split(" ");
    expect((await bob.cli(["contacts", "add", ...aliceLine])).exitCode).toBe(0);
    const serve = await bob.serve();
    const line = await serve.waitFor(/^a friend adds you with: /);
    expect(line).toBe(`a friend adds you with: p2pchat contacts add bob ${bob.peerId} 127.0.0.1:${bob.port}`);
    const words = line.replace(/^a friend adds you with: p2pchat /, "").split(" ");
    expect((await alice.cli(words)).exitCode).toBe(0);
    const sent = await alice.cli(["send", "bob", "added from the serve's line"]);
    expect(sent.exitCode).toBe(0);
    await serve.waitFor(/alice: added from the serve's line/);
  });

  test("serve --host 127.0.0.1 on a home that listens everywhere: its lines give 127.0.0.1, where it listens, not another interface", async () => {
    await using dir = await tempDir();
    const port = await freePort();
    const h = ["--home", dir.path];
    const init = await runCli(["init", "--name", "carol", "--host", "0.0.0.0", "--port", String(port), ...h]);
    const id = init.stdout.split(" ")[1]!;
    await using serve = await spawnServe(["--host", "127.0.0.1", ...h]);
    const at = `127.0.0.1:${port}`;
    expect(serve.stdout().split("\n")[0]).toBe(`ready: carol ${id} listening on ${at} (peers dial ${at})`);
    expect(await serve.waitFor(/^a friend adds you with: /)).toBe(`a friend adds you with: p2pchat contacts add carol ${id} ${at}`);
    expect(serve.stdout()).toContain(`\nonly this machine can reach you: listening on ${at} (--host 0.0.0.0 listens on your network too)\n`);
    expect((await runCli(["id", ...h])).stdout).toBe(`carol ${id} ${at}\n`);
  });

  test("id while a node runs on another port than the config's: the port it listens on", async () => {
    await using dave = await makeUser("dave");
    const other = await freePort();
    await using serve = await dave.serve(["--port", String(other)]);
    expect(serve.stdout()).toStartWith(`ready: dave ${dave.peerId} listening on 127.0.0.1:${other} `);
    expect(await dave.cli(["id"])).toEqual({ stdout: `dave ${dave.peerId} 127.0.0.1:${other}\n`, stderr: "", exitCode: 0 });
    // Stopped, the config's port is where it will listen again.
    await serve.stop();
    expect((await dave.cli(["id"])).stdout).toBe(`dave ${dave.peerId} 127.0.0.1:${dave.port}\n`);
  });
});
