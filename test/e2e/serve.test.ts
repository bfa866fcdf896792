// serve, send, chat, status and discoverable as separate processes, the way
// people run them: commands attach to the serve running for their home.
import { describe, expect, test, setDefaultTimeout } from "bun:test";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PIPE_FILE } from "../../src/control/pipe-name.ts";
import { isWindows } from "../helpers/platform.ts";
import { introduce, makeUser } from "../helpers/serve.ts";
import { eventually } from "../helpers/wait.ts";

// Processes and TLS links take time on a loaded machine (bun applies a
// preload's default timeout to the first file only, so each file sets it).
setDefaultTimeout(60_000);

describe("serve", () => {
  test("send attaches to the running serve: delivered, exit 0; the peer's serve prints it", async () => {
    await using alice = await makeUser("alice");
    await using bob = await makeUser("bob");
    await introduce(alice, bob);
    const aliceServe = await alice.serve();
    const bobServe = await bob.serve();
    const r = await alice.cli(["send", "bob", "hello", "from", "alice"]);
    expect(r.stdout).toMatch(/^delivered to bob \([0-9a-f-]{36}\)\n$/);
    expect(r.exitCode).toBe(0);
    await bobServe.waitFor(/^\[\d\d:\d\d\] alice: hello from alice$/);
    // The link belongs to alice's serve: send did not start a node of its own.
    const status = JSON.parse((await alice.cli(["status", "--json"])).stdout);
    expect(status).toMatchObject({ running: true, discoverable: true, listening: `127.0.0.1:${alice.port}`, pending: [] });
    expect(status.links.map((l: { peer: string }) => l.peer)).toEqual(["bob"]);
    expect(await aliceServe.stop()).toBe(0);
    expect(aliceServe.stderr()).toContain("p2pchat: stopped");
  });

  test("piped chat through a running serve: each line a message, incoming printed, exit 0 when delivered", async () => {
    await using alice = await makeUser("alice");
    await using bob = await makeUser("bob");
    await introduce(alice, bob);
    await alice.serve();
    const bobServe = await bob.serve();
    bobServe.type("@alice are you there?");
    const r = await alice.cli(["chat", "bob", "--wait", "10"], { stdin: "first line\nsecond line\n\nthird line\n" });
    expect(r.exitCode).toBe(0);
    await bobServe.waitFor(/alice: third line$/);
    const got = JSON.parse((await bob.cli(["history", "alice", "--json"])).stdout);
    expect(got.filter((e: { direction: string }) => e.direction === "in").map((e: { text: string }) => e.text)).toEqual(["first line", "second line", "third line"]);
    const mine = JSON.parse((await alice.cli(["history", "bob", "--json"])).stdout);
    expect(mine.map((e: { direction: string; text: string; status: string }) => [e.direction, e.text, e.status])).toEqual([
      ["in", "are you there?", "received"],
      ["out", "first line", "delivered"],
      ["out", "second line", "delivered"],
      ["out", "third line", "delivered"],
    ]);
  });

  test("a peer that is away: send exits 3 after the wait, --no-wait exits 0; both are delivered when it comes", async () => {
    await using alice = await makeUser("alice");
    await using bob = await makeUser("bob");
    await introduce(alice, bob);
    await alice.serve();
    const waited = await alice.cli(["send", "bob", "are", "you", "up?", "--wait", "0.5"]);
    expect(waited.exitCode).toBe(3);
    expect(waited.stderr).toContain("still pending after 0.5 s");
    const queued = await alice.cli(["send", "bob", "--no-wait", "see you later"]);
    expect(queued.exitCode).toBe(0);
    expect(queued.stdout).toStartWith("queued for bob");
    const pending = JSON.parse((await alice.cli(["status", "--json"])).stdout).pending;
    expect(pending).toEqual([{ peer: "bob", pending: 2, sent: 0, legacy: false }]);
    // Bob starts: he announces himself to alice, and what she holds flows at once.
    const bobServe = await bob.serve();
    await bobServe.waitFor(/alice: see you later$/);
    const inbox = JSON.parse((await bob.cli(["history", "alice", "--json"])).stdout).map((e: { text: string }) => e.text);
    expect(inbox).toEqual(["are you up?", "see you later"]);
  });

  test("discoverable off and on, switched on the running serve", async () => {
    await using alice = await makeUser("alice");
    await using bob = await makeUser("bob");
    await introduce(alice, bob);
    const aliceServe = await alice.serve();
    await bob.serve();
    expect((await alice.cli(["discoverable", "off"])).exitCode).toBe(0);
    await aliceServe.waitFor(/^\* hidden/);
    const st = JSON.parse((await alice.cli(["status", "--json"])).stdout);
    expect(st).toMatchObject({ running: true, discoverable: false, listening: null, links: [] });
    const r = await bob.cli(["send", "alice", "hidden?", "--wait", "0.5"]);
    expect(r.exitCode).toBe(3);
    const mine = await alice.cli(["send", "bob", "written while hidden", "--wait", "0.3"]);
    expect(mine.exitCode).toBe(3);
    expect((await alice.cli(["discoverable", "on"])).exitCode).toBe(0);
    await aliceServe.waitFor(/bob: hidden\?$/);
    const hist = JSON.parse((await alice.cli(["history", "bob", "--json"])).stdout);
    expect(hist.map((e: { text: string }) => e.text).sort()).toEqual(["hidden?", "written while hidden"]);
    // The choice is remembered for the next run.
    const config = await Bun.file(join(alice.home, "config.json")).json();
    expect(config.discoverable).toBe(true);
  });

  test("serve's stdin: @name text, the original's <ip> <port> <text>, /status", async () => {
    await using alice = await makeUser("alice");
    await using bob = await makeUser("bob");
    await introduce(alice, bob);
    const aliceServe = await alice.serve();
    const bobServe = await bob.serve();
    aliceServe.type("@bob typed at the serve");
    await bobServe.waitFor(/alice: typed at the serve$/);
    aliceServe.type(`127.0.0.1 ${bob.port} the original way`);
    await bobServe.waitFor(/alice: the original way$/);
    // Two links may have crossed at start: wait until the one both keep is settled.
    await eventually(async () => JSON.parse((await alice.cli(["status", "--json"])).stdout).links.length === 1, "one link", 10_000, 100);
    aliceServe.type("/status");
    await aliceServe.waitFor(/^links up: 1$/);
    aliceServe.type("@nobody hi");
    expect(await aliceServe.waitForStderr(/"nobody" is not in your contacts/)).toContain('"nobody" is not in your contacts');
  });

  test("a second serve on the same home is refused; a stale control socket from a crash is replaced", async () => {
    await using alice = await makeUser("alice");
    const first = await alice.serve();
    const second = await alice.cli(["serve", "--port", "0"]);
    expect(second.exitCode).toBe(1);
    expect(second.stderr).toContain("already running");
    first.proc.kill("SIGKILL");
    await first.proc.exited;
    // Left behind by the crash: the socket, or on Windows the file naming the pipe (its node is gone, so no command opens it).
    const sock = join(alice.home, isWindows ? PIPE_FILE : "control.sock");
    expect(existsSync(sock)).toBe(true);
    const again = await alice.serve();
    expect(again.stdout()).toMatch(/^ready: alice /);
    const status = await alice.cli(["status", "--json"]);
    expect(JSON.parse(status.stdout).running).toBe(true);
  });

  test("/quit on its stdin stops it as Ctrl-C does: the node stopped, exit 0, the home free for the next", async () => {
    await using alice = await makeUser("alice");
    const serve = await alice.serve();
    serve.type("/quit");
    expect(await serve.proc.exited).toBe(0);
    expect(serve.stderr()).toEndWith("p2pchat: stopped\n");
    const status = await alice.cli(["status", "--json"]);
    expect(JSON.parse(status.stdout).running).toBe(false);
  });

  test("a port in use and a database that is down: one clear line each, exit 1", async () => {
    await using alice = await makeUser("alice");
    await using bob = await makeUser("bob");
    const blocker = Bun.listen({ hostname: "127.0.0.1", port: alice.port, socket: { data() {} } });
    try {
      const r = await alice.cli(["serve"]);
      expect(r.exitCode).toBe(1);
      expect(r.stderr).toBe(`p2pchat: error: cannot listen on 127.0.0.1:${alice.port}: the port is in use (another p2pchat serve? pick another with --port)\n`);
    } finally {
      blocker.stop(true);
    }
    writeFileSync(join(bob.home, "config.json"), JSON.stringify({ name: "bob", host: "127.0.0.1", port: bob.port, discoverable: true, db: "mysql://root@127.0.0.1:1/x" }));
    const down = await bob.cli(["serve"]);
    expect(down.exitCode).toBe(1);
    expect(down.stderr).toBe("p2pchat: error: cannot reach the database at mysql://root@127.0.0.1:1/x: connection refused (is the server running?)\n");
  });
});
