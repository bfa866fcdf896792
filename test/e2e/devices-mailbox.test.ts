// The transcript, in CLI processes: alice's laptop and alice's
// server (joined with `devices join`), and bob. The laptop stops; bob's
// `send` and piped `chat` exit 0, delivered to the server, each once; then
// the laptop revokes the server, and bob's node refuses it.
import { expect, setDefaultTimeout, test } from "bun:test";
import { cliCommand, cliEnv, runCli } from "../helpers/cli.ts";
import { freePort, introduce, makeUser, spawnServe } from "../helpers/serve.ts";
import { tempDir } from "../helpers/tmp.ts";
import { pollUntil } from "../helpers/wait.ts";

setDefaultTimeout(120_000);

type Device = { name: string; linked: boolean; revoked: number | null };
type Contact = { name: string; addresses: { address: string }[] };

test("a server joined as alice's device holds what bob sends while her laptop is stopped; once revoked, bob refuses it", async () => {
  await using alice = await makeUser("alice");
  await using bob = await makeUser("bob");
  await using serverHome = await tempDir("p2pchat-alice-server-");
  const server = (args: string[], stdin?: string) => runCli([...args, "--home", serverHome.path], stdin === undefined ? {} : { stdin });
  await introduce(alice, bob);
  const laptop = await alice.serve();
  await laptop.waitFor(/^ready:/);
  await (await bob.serve()).waitFor(/^ready:/);

  // `devices add` on the laptop (attached to its serve) and `devices join` on the server.
  const add = Bun.spawn(cliCommand(["devices", "add", "--name", "server", "--home", alice.home]), { env: cliEnv(), stdout: "pipe", stderr: "pipe" });
  const addOut = add.stdout.getReader();
  let out = "";
  while (!out.includes("\n")) out += new TextDecoder().decode((await addOut.read()).value);
  const joined = await server(["devices", "join", out.split("\n")[0]!, "--port", String(await freePort())]);
  expect(joined.exitCode).toBe(0);
  expect(await add.exited).toBe(0);
  expect((await server(["config", "set", "host", "127.0.0.1"])).exitCode).toBe(0);
  const serverServe = await spawnServe(["--home", serverHome.path]);
  try {
    await serverServe.waitFor(/^ready:/);
    await pollUntil(async () => JSON.parse((await alice.cli(["devices", "--json"])).stdout) as Device[], (l) => l.some((d) => d.name === "server" && d.linked), "the devices linked");
    // Bob hears from the laptop where the server is.
    const serverPort = (JSON.parse((await server(["status", "--json"])).stdout) as { listening: string }).listening.split(":").pop();
    const bobKnows = async () => (JSON.parse((await bob.cli(["contacts", "--json"])).stdout) as Contact[]).find((c) => c.name === "alice")!.addresses.map((a) => a.address);
    await pollUntil(bobKnows, (a) => a.some((x) => x.endsWith(`:${serverPort}`)), "bob knows the server's address");

    // The laptop stops: bob's messages go to the server, and `send` and `chat` say delivered.
    expect(await laptop.stop()).toBe(0);
    const one = await bob.cli(["send", "alice", "while the laptop sleeps"]);
    expect({ code: one.exitCode, err: one.stderr }).toEqual({ code: 0, err: "" });
    const lines = Array.from({ length: 100 }, (_, i) => `m${i}`).join("\n") + "\n";
    const many = await bob.cli(["chat", "alice"], { stdin: lines });
    expect({ code: many.exitCode, err: many.stderr }).toEqual({ code: 0, err: "" });
    // Bob is the server's contact too (device sync brought him at the join): all 101 are in their conversation, each once; no request.
    expect(JSON.parse((await server(["requests", "--json"])).stdout)).toEqual([]);
    const held = (JSON.parse((await server(["history", "bob", "--json", "--limit", "1000"])).stdout) as { id: string; direction: string }[]).filter((e) => e.direction === "in");
    expect({ n: held.length, distinct: new Set(held.map((e) => e.id)).size }).toEqual({ n: 101, distinct: 101 });

    // The laptop again: it revokes the server, and tells bob.
    const again = await alice.serve();
    await again.waitFor(/^ready:/);
    await pollUntil(async () => JSON.parse((await alice.cli(["devices", "--json"])).stdout) as Device[], (l) => l.some((d) => d.name === "server" && d.linked), "linked again");
    const revoked = await alice.cli(["devices", "revoke", "server"]);
    expect(revoked.exitCode).toBe(0);
    await pollUntil(bobKnows, (a) => !a.some((x) => x.endsWith(`:${serverPort}`)), "bob forgets the revoked server");
    expect(await again.stop()).toBe(0);
    // With only the revoked server up, nothing reaches alice.
    const after = await bob.cli(["send", "alice", "not for a revoked device", "--wait", "2"]);
    expect(after.exitCode).toBe(3);
  } finally {
    await serverServe[Symbol.asyncDispose]();
  }
});
