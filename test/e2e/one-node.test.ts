// One node per home, as people run it in several terminals: whichever
// command runs the node (serve, or a chat started without one) opens the
// control socket; every other command attaches; a second node refuses to
// start; a crashed node's home is free at once.
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { cliCommand, cliEnv } from "../helpers/cli.ts";
import { introduce, makeUser, spawnServe, type User } from "../helpers/serve.ts";
import { eventually as until } from "../helpers/wait.ts";

setDefaultTimeout(90_000);

/** A command that runs until its stdin closes (a piped chat), with its output collected. */
function spawnLong(user: User, args: string[]) {
  const proc = Bun.spawn(cliCommand([...args, "--home", user.home]), { env: cliEnv(), stdin: "pipe", stdout: "pipe", stderr: "pipe" });
  let out = "";
  let err = "";
  const pump = async (s: ReadableStream<Uint8Array>, on: (t: string) => void) => {
    const dec = new TextDecoder();
    for await (const c of s) on(dec.decode(c, { stream: true }));
  };
  void pump(proc.stdout, (t) => (out += t));
  void pump(proc.stderr, (t) => (err += t));
  return { proc, out: () => out, err: () => err };
}

const lockHolder = (u: User) => JSON.parse(readFileSync(join(u.home, "node.lock"), "utf8") || "null") as { pid: number; command: string } | null;

describe("one node per home", () => {
  test("a second serve on the same home, with any --port, exits 1 naming the running one", async () => {
    await using alice = await makeUser("alice");
    const first = await alice.serve();
    const second = await alice.cli(["serve", "--port", "0"]);
    expect(second.exitCode).toBe(1);
    expect(second.stderr).toContain("a p2pchat node is already running for");
    expect(second.stderr).toContain(`pid ${first.proc.pid}`);
    expect(second.stderr).toContain(`listening on 127.0.0.1:${alice.port}`);
    // When, as everything else says it: ISO order, 24 hours, whatever the locale.
    expect(second.stderr).toMatch(/, since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\)/);
    expect(second.stdout).toBe("");
  });

  test("a chat without serve runs the node and opens the control socket: send, status and block from other terminals attach to it", async () => {
    await using alice = await makeUser("alice");
    await using bob = await makeUser("bob");
    await introduce(alice, bob);
    const bobServe = await bob.serve();
    const chat = spawnLong(alice, ["chat", "bob", "--wait", "5"]);
    await until(() => lockHolder(alice)?.pid === chat.proc.pid, "the chat to hold the home");
    expect(lockHolder(alice)?.command).toBe("chat");

    const sent = await alice.cli(["send", "bob", "from", "another", "terminal"]);
    expect(sent.stderr).toBe("");
    expect(sent.stdout).toMatch(/^delivered to bob /);
    expect(sent.exitCode).toBe(0);
    await bobServe.waitFor(/alice: from another terminal$/);
    const status = JSON.parse((await alice.cli(["status", "--json"])).stdout);
    expect(status.running).toBe(true);
    expect(status.links.map((l: { peer: string }) => l.peer)).toEqual(["bob"]);
    expect(lockHolder(alice)?.pid).toBe(chat.proc.pid);

    // Blocking from another terminal takes effect in the chat's node at once.
    expect((await alice.cli(["contacts", "block", "bob"])).stdout).toBe("blocked bob\n");
    await until(async () => JSON.parse((await alice.cli(["status", "--json"])).stdout).links.length === 0, "the link to bob closed");
    const typedAt = Date.now();
    bobServe.type("@alice you should not see this");
    // bob's node dials with it and is refused, as by a node that stops: it stays with bob.
    const aliceAtBob = async () => (JSON.parse((await bob.cli(["status", "--json"])).stdout).contacts as { name: string; lastError: string | null; lastErrorAt: number | null; pending: number }[]).find((c) => c.name === "alice")!;
    await until(async () => ((await aliceAtBob()).lastErrorAt ?? 0) >= typedAt || (await aliceAtBob()).pending === 0, "bob's dial with it refused");
    expect(await aliceAtBob()).toMatchObject({ lastError: "they stopped their node", pending: 1 });
    expect(chat.out()).not.toContain("you should not see this");

    // A second chat attaches; when the hosting chat quits, it is told plainly.
    const second = spawnLong(alice, ["chat", "bob", "--wait", "1"]);
    // It reads its input once attached and listening: a line it sends is stored by the chat's node.
    second.proc.stdin.write("from the second chat\n");
    second.proc.stdin.flush();
    const texts = async () => (JSON.parse((await alice.cli(["history", "bob", "--json"])).stdout) as { text: string }[]).map((e) => e.text);
    await until(async () => (await texts()).includes("from the second chat") && second.proc.exitCode === null, "second chat attached");
    chat.proc.stdin.end();
    expect(await chat.proc.exited).toBe(0);
    await until(() => second.proc.exitCode !== null, "the attached chat to end", 20_000);
    expect(second.err() + second.out()).toContain("the `p2pchat chat` that ran this node");
  });

  test("kill -9 of the node holding the home: a fresh serve starts at once", async () => {
    await using alice = await makeUser("alice");
    const first = await alice.serve();
    first.proc.kill("SIGKILL");
    await first.proc.exited;
    const started = Date.now();
    const again = await spawnServe(["--home", alice.home]);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(lockHolder(alice)?.pid).toBe(again.proc.pid);
    expect(await again.stop()).toBe(0);
  });
});

describe("requests, withdrawing and removing, from the command line", () => {
  test("a stranger is a request: listed with its announced name in quotes, accepted by a short id, its messages then in history", async () => {
    await using carol = await makeUser("carol");
    await using mallory = await makeUser("alice"); // a stranger announcing a friend's name
    await carol.cli(["contacts", "add", "alice", "127.0.0.1:9"]);
    const carolServe = await carol.serve();
    await mallory.cli(["contacts", "add", "carol", `127.0.0.1:${carol.port}`, "--id", carol.peerId]);
    const r = await mallory.cli(["send", "carol", "hi it's alice, new number"]);
    expect(r.exitCode).toBe(0); // stored by carol's node: delivered, as a request
    const line = await carolServe.waitFor(/^\* request from /);
    const short = mallory.peerId.split("-")[0]!;
    expect(line).toContain(`* request from "alice" (unverified) NOT your contact alice ${mallory.peerId}`);
    expect(line).toContain(`p2pchat requests accept ${short}`);
    expect(carolServe.stdout()).not.toContain("hi it's alice");

    const list = await carol.cli(["requests"]);
    expect(list.stdout).toContain(`"alice" (unverified) (NOT your contact alice)  ${mallory.peerId}`);
    expect(list.stdout).toContain("1 message waiting");
    const none = await carol.cli(["history", "--json"]);
    expect(JSON.parse(none.stdout)).toEqual([]);

    const accepted = await carol.cli(["requests", "accept", short, "--as", "mallory"]);
    expect(accepted.stdout).toBe(`accepted ${mallory.peerId} as mallory (it announced "alice"); 1 message now in your history: p2pchat history mallory\n`);
    const h = JSON.parse((await carol.cli(["history", "mallory", "--json"])).stdout);
    expect(h.map((e: { peer: string; text: string }) => [e.peer, e.text])).toEqual([["mallory", "hi it's alice, new number"]]);
    expect((await carol.cli(["requests"])).stdout).toContain("no requests");

    // One that only looks like alice: marked in the list, and accepted as alice-2, not as a second "alice".
    await using lookalike = await makeUser("ALICE");
    await lookalike.cli(["contacts", "add", "carol", `127.0.0.1:${carol.port}`, "--id", carol.peerId]);
    expect((await lookalike.cli(["send", "carol", "it's me"])).exitCode).toBe(0);
    const listed = await carol.cli(["requests"]);
    expect(listed.stdout).toContain(`"ALICE" (unverified) (NOT your contact alice: only looks like it)  ${lookalike.peerId}`);
    expect(JSON.parse((await carol.cli(["requests", "--json"])).stdout)).toEqual([expect.objectContaining({ name: "ALICE", imitates: "alice" })]);
    const took = await carol.cli(["requests", "accept", lookalike.peerId.split("-")[0]!]);
    expect(took.stdout).toStartWith(`accepted ${lookalike.peerId} as alice-2 (it announced "ALICE")`);
  });

  test("contacts pin to another id refuses while messages to the old one wait (exit 2); --move-pending or --drop-pending says where they go", async () => {
    await using alice = await makeUser("alice");
    await using bob = await makeUser("bob");
    await using other = await makeUser("bob");
    await introduce(alice, bob);
    expect((await alice.cli(["send", "bob", "for this bob", "--no-wait"])).exitCode).toBe(0);
    const refused = await alice.cli(["contacts", "pin", "bob", other.peerId]);
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toContain(`1 message written to bob's old identity ${bob.peerId} is not delivered: add --move-pending to send it to the new one, or --drop-pending to withdraw it`);
    expect((await alice.cli(["contacts", "pin", "bob", other.peerId, "--move-pending", "--drop-pending"])).exitCode).toBe(2);
    const moved = await alice.cli(["contacts", "pin", "bob", other.peerId, "--move-pending"]);
    expect(moved.stdout).toBe(`pinned bob to ${other.peerId} (1 undelivered message now goes to this identity)\n`);
    const back = await alice.cli(["contacts", "pin", "bob", bob.peerId, "--drop-pending"]);
    expect(back.stdout).toBe(`pinned bob to ${bob.peerId} (1 undelivered message to the old identity withdrawn: shown as cancelled in history)\n`);
  });

  test("contacts rm refuses while messages wait (exit 2); cancel and --drop-pending keep them as cancelled", async () => {
    await using alice = await makeUser("alice");
    await using bob = await makeUser("bob");
    await introduce(alice, bob);
    const first = await alice.cli(["send", "bob", "one", "--no-wait"]);
    await alice.cli(["send", "bob", "two", "--no-wait"]);
    const id = /\(([0-9a-f-]{36})\)/.exec(first.stdout)![1]!;

    const refused = await alice.cli(["contacts", "rm", "bob"]);
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toContain("2 messages to bob are not delivered yet");
    expect(refused.stderr).toContain("--drop-pending");

    const c = await alice.cli(["cancel", id]);
    expect(c.stdout).toBe("cancelled 1 message: shown as ✗ cancelled in history\n");
    expect(c.exitCode).toBe(0);
    const again = await alice.cli(["cancel", id]);
    expect(again.stdout).toBe(`${id}: already cancelled\n`);

    const rm = await alice.cli(["contacts", "rm", "bob", "--drop-pending"]);
    expect(rm.stdout).toBe("removed bob (1 undelivered message withdrawn: shown as cancelled in history)\n");
    const text = (await alice.cli(["history"])).stdout;
    expect(text).toContain("one  ✗ cancelled");
    expect(text).toContain("two  ✗ cancelled");
    // bob comes online: nothing reaches him, not even once alice adds him again and writes after them.
    const bobServe = await bob.serve();
    await alice.serve();
    expect((await alice.cli(["contacts", "add", "bob", `127.0.0.1:${bob.port}`, "--id", bob.peerId])).exitCode).toBe(0);
    expect((await alice.cli(["send", "bob", "after the removal"])).exitCode).toBe(0);
    await bobServe.waitFor(/alice: after the removal$/);
    expect(bobServe.stdout().split("\n").filter((l) => l.includes("alice:"))).toEqual([expect.stringMatching(/alice: after the removal$/)]);
  });
});
