// The original program's way of meeting: each types the other's name and
// address, nobody's id. Only a link we dial pins a contact, so carol (who
// dials alice) was a request at alice for good. Now a knock from where alice
// saved carol, announcing carol's port, makes alice dial carol there: what
// answers is pinned, and when it is the peer that knocked, its messages are
// carol's, those it sent while a request too. Anyone else stays a request.
import { expect, setDefaultTimeout, test } from "bun:test";
import { runCli } from "../helpers/cli.ts";
import { makeUser, type User } from "../helpers/serve.ts";
import { tempDir } from "../helpers/tmp.ts";

setDefaultTimeout(90_000);

async function ok(user: User, args: string[], stdin?: string): Promise<string> {
  const r = await user.cli(args, stdin === undefined ? {} : { stdin });
  if (r.exitCode !== 0) throw new Error(`${user.name}: p2pchat ${args.join(" ")}: exit ${r.exitCode}\n${r.stdout}${r.stderr}`);
  return r.stdout;
}

const json = async <T>(user: User, args: string[]) => JSON.parse(await ok(user, [...args, "--json"])) as T;
type Entry = { direction: string; peer: string; text: string };
type ContactJson = { name: string; peerId: string | null };
type RequestJson = { peerId: string; name: string; waiting: number };

test("each typed the other's address: carol's messages are carol's at alice; an impostor elsewhere announcing her port stays a request", async () => {
  await using alice = await makeUser("alice");
  await using carol = await makeUser("carol");
  await ok(alice, ["contacts", "add", "carol", `127.0.0.1:${carol.port}`]);
  await ok(carol, ["contacts", "add", "alice", `127.0.0.1:${alice.port}`]);
  // Dual stack: alice also takes links to [::1], "another address" on this machine.
  const aliceServe = await alice.serve(["--host", "::"]);

  // --- mallory, at [::1], calls herself carol and listens on carol's port number.
  await using malloryHome = await tempDir("p2pchat-mallory-");
  const m = ["--home", malloryHome.path];
  const init = await runCli(["init", ...m, "--name", "carol", "--host", "::1", "--port", String(carol.port)]);
  expect(init.exitCode).toBe(0);
  const malloryId = init.stdout.split(" ")[1]!;
  expect((await runCli(["contacts", "add", "alice", `[::1]:${alice.port}`, ...m])).exitCode).toBe(0);
  const fromMallory = await runCli(["send", "alice", "it is me, carol", ...m]);
  expect(fromMallory).toMatchObject({ exitCode: 0, stdout: expect.stringMatching(/^delivered to alice /) });
  await aliceServe.waitFor(new RegExp(`^\\* request from "carol" \\(unverified\\) NOT your contact carol ${malloryId} at \\[::1\\]:`));
  expect((await json<ContactJson[]>(alice, ["contacts"])).find((c) => c.name === "carol")?.peerId).toBeNull();

  // --- carol's first try runs while another program holds her port: her
  // node dials out only, and alice's dial to carol's address finds no
  // p2pchat there. Carol is a request, for now.
  const squatter = Bun.listen({ hostname: "127.0.0.1", port: carol.port, socket: { open: (s) => void s.end(), data() {} } });
  try {
    const first = await carol.cli(["send", "alice", "first, while my port was taken"]);
    expect(first).toMatchObject({ exitCode: 0, stdout: expect.stringMatching(/^delivered to alice /) });
  } finally {
    squatter.stop(true);
  }
  await aliceServe.waitFor(new RegExp(`^\\* request from "carol" \\(unverified\\) NOT your contact carol ${carol.peerId} at `));
  expect((await json<RequestJson[]>(alice, ["requests"])).map((r) => r.peerId).sort()).toEqual([malloryId, carol.peerId].sort());

  // --- carol again, her port free: a send and a piped chat.
  expect(await ok(carol, ["send", "alice", "hello from carol"])).toStartWith("delivered to alice");
  await aliceServe.waitFor(new RegExp(`^\\* carol pinned to ${carol.peerId} on first contact$`));
  const piped = await carol.cli(["chat", "alice"], { stdin: "and a piped line\n" });
  expect(piped).toMatchObject({ exitCode: 0, stderr: "" });
  await aliceServe.waitFor(/ carol: and a piped line$/);

  // Alice's history holds all three as carol's, in order; the impostor's stays out of it.
  expect((await json<Entry[]>(alice, ["history", "carol"])).map((e) => [e.direction, e.peer, e.text])).toEqual([
    ["in", "carol", "first, while my port was taken"],
    ["in", "carol", "hello from carol"],
    ["in", "carol", "and a piped line"],
  ]);
  expect((await json<ContactJson[]>(alice, ["contacts"])).find((c) => c.name === "carol")?.peerId).toBe(carol.peerId);
  expect(await json<RequestJson[]>(alice, ["requests"])).toEqual([expect.objectContaining({ peerId: malloryId, name: "carol", waiting: 1 })]);
  expect((await json<Entry[]>(alice, ["history"])).map((e) => e.text)).not.toContain("it is me, carol");
});
