// Names as people type them. A node's own name may have spaces ("José
// Ñandú"): it is shown and announced so, and a contact's name, typed in
// commands, is its handle without spaces (José-Ñandú). A contact's name typed
// in another case finds it in every command when only one contact is near;
// else the answer asks "did you mean ...?". Real CLI processes, real nodes.
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { makeUser, type User } from "../helpers/serve.ts";

setDefaultTimeout(90_000);

async function invite(u: User): Promise<string> {
  const r = await u.cli(["invite"]);
  expect(r.exitCode).toBe(0);
  return r.stdout.trim().split("\n")[0]!;
}

describe("names", () => {
  test("a name with spaces is one's own display name; contacts take it without spaces, and the error says the rule", async () => {
    await using jose = await makeUser("José Ñandú");
    await using bob = await makeUser("bob");
    expect((await jose.cli(["config", "get", "name"])).stdout).toBe("José Ñandú\n");
    // The id line is what a friend pastes into `contacts add`: the name there is the handle.
    expect((await jose.cli(["id"])).stdout).toStartWith(`José-Ñandú ${jose.peerId} `);
    expect((await jose.cli(["status", "--json"])).stdout).toContain('"name": "José Ñandú"');

    // A contact's name is typed in commands: no spaces, and the error says what would do.
    const spaced = await bob.cli(["contacts", "add", "José Ñandú", `127.0.0.1:${jose.port}`]);
    expect(spaced.stderr).toBe(`p2pchat: error: invalid name "José Ñandú": a contact's name is typed in commands, so it has no spaces: "José-Ñandú" would do\n`);
    expect(spaced.exitCode).toBe(2);
    // Tabs and doubled spaces are no display name either.
    const tab = await bob.cli(["config", "set", "name", "José\tÑandú"]);
    expect(tab.stderr).toContain("a name cannot contain tabs, line breaks or control characters");
    expect(tab.exitCode).toBe(2);
    const doubled = await bob.cli(["config", "set", "name", "José  Ñandú"]);
    expect(doubled.stderr).toContain("a name's words are apart by one space, with none at either end");
    expect(doubled.exitCode).toBe(2);

    // bob adds José's invite: José-Ñandú in his contacts; José's node sees bob.
    const joseServe = await jose.serve();
    const added = await bob.cli(["add", await invite(jose)]);
    expect(added.stdout).toStartWith(`added José-Ñandú, pinned to ${jose.peerId}`);
    expect(added.stdout).not.toContain("call themselves");
    expect(added.exitCode).toBe(0);
    await joseServe.waitFor(/^\* bob joined with your invite: a contact now/);

    // Another case finds the only contact near it, in every command that takes a name.
    const sent = await bob.cli(["send", "josé-ñandú", "hola"]);
    expect(sent.stdout).toStartWith("delivered to José-Ñandú");
    expect(sent.exitCode).toBe(0);
    await joseServe.waitFor(/ bob: hola$/);
    const history = JSON.parse((await bob.cli(["history", "JOSÉ-ÑANDÚ", "--json"])).stdout);
    expect(history.map((e: { text: string }) => e.text)).toEqual(["hola"]);
    expect((await bob.cli(["search", "hola", "--with", "josé-ñandú", "--json"])).exitCode).toBe(0);
    expect((await bob.cli(["contacts", "block", "josé-ñandú"])).exitCode).toBe(0);
    expect((await bob.cli(["contacts", "unblock", "josé-ñandú"])).exitCode).toBe(0);
    expect((await bob.cli(["files", "josé-ñandú", "--json"])).exitCode).toBe(0);

    // Only the same to the eye (no accents): asked, not guessed.
    const near = await bob.cli(["send", "jose-nandu", "hola"]);
    expect(near.stderr).toBe(`p2pchat: error: "jose-nandu" is not in your contacts: did you mean José-Ñandú?\n`);
    expect(near.exitCode).toBe(2);
  });

  test("two contacts that differ only in case: the other case asks which; the exact name finds its own", async () => {
    await using carol = await makeUser("carol");
    for (const [name, port] of [
      ["Ann", 1],
      ["ANN", 2],
    ] as const) {
      expect((await carol.cli(["contacts", "add", name, `127.0.0.1:${port}`])).exitCode).toBe(0);
    }
    const which = await carol.cli(["history", "ann"]);
    expect(which.stderr).toBe(`p2pchat: error: "ann" is not in your contacts: did you mean ANN or Ann?\n`);
    expect(which.exitCode).toBe(2);
    const exact = await carol.cli(["contacts", "set", "Ann", "--rename", "Annie"]);
    expect(exact.stdout).toBe("renamed Ann to Annie\n");
    // Now only ANN is near "ann".
    expect((await carol.cli(["contacts", "rm", "ann"])).stdout).toBe("removed ANN\n");
  });

  test("a stranger whose name has spaces knocks: the request shows it so, and accepting it makes its handle the contact's name", async () => {
    await using alice = await makeUser("alice");
    await using stranger = await makeUser("Mary Ann");
    const aliceServe = await alice.serve();
    expect((await stranger.cli(["contacts", "add", "alice", `127.0.0.1:${alice.port}`, "--id", alice.peerId])).exitCode).toBe(0);
    expect((await stranger.cli(["send", "alice", "hi"])).exitCode).toBe(0);
    await aliceServe.waitFor(/^\* request from "Mary Ann" \(unverified\)/);
    const accepted = await alice.cli(["requests", "accept", stranger.peerId.slice(0, 7)]);
    expect(accepted.stderr).toBe("");
    expect(accepted.stdout).toContain("Mary-Ann");
    expect(accepted.exitCode).toBe(0);
    expect(JSON.parse((await alice.cli(["contacts", "--json"])).stdout).map((c: { name: string }) => c.name)).toEqual(["Mary-Ann"]);
    expect(JSON.parse((await alice.cli(["history", "mary-ann", "--json"])).stdout).map((e: { text: string }) => e.text)).toEqual(["hi"]);
  });
});
