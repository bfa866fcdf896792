// Invites between two homes, as people use them: one prints a line, the
// other pastes it; the inviter's node adds the invitee at once. A used or
// expired token makes the bearer a request, like any stranger.
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import jsQR from "jsqr";
import { makeUser, type User } from "../helpers/serve.ts";

setDefaultTimeout(90_000);

async function invite(u: User, args: string[] = []): Promise<string> {
  const r = await u.cli(["invite", ...args]);
  expect(r.exitCode).toBe(0);
  expect(r.stderr).toContain("Give this line to a friend");
  const line = r.stdout.trim().split("\n")[0]!;
  expect(line.startsWith("p2pchat:")).toBe(true);
  return line;
}

describe("invites", () => {
  test("round trip: bob adds alice's invite; alice's node adds bob at once, no request; they chat both ways", async () => {
    await using alice = await makeUser("alice");
    await using bob = await makeUser("bob");
    const aliceServe = await alice.serve();
    const line = await invite(alice);
    // bob runs no node: `add` runs one for the while, dials, presents the token.
    const added = await bob.cli(["add", line]);
    expect(added.exitCode).toBe(0);
    expect(added.stdout).toBe(
      `added alice, pinned to ${alice.peerId}, at 127.0.0.1:${alice.port}: say hello with \`p2pchat chat alice\`\n` +
        `linked to alice: their node took your invite, so you are in each other's contacts\n`,
    );
    await aliceServe.waitFor(/^\* bob joined with your invite: a contact now/);
    const sent = await bob.cli(["send", "alice", "hello from your invite"]);
    expect(sent.exitCode).toBe(0);
    await aliceServe.waitFor(/bob: hello from your invite$/);
    expect(aliceServe.stdout()).not.toContain("request from");
    const contacts = JSON.parse((await alice.cli(["contacts", "--json"])).stdout);
    expect(contacts).toEqual([expect.objectContaining({ name: "bob", peerId: bob.peerId })]);
    expect(contacts[0].addresses[0]).toMatchObject({ address: `127.0.0.1:${bob.port}`, source: "hello" });
    await bob.serve();
    const back = await alice.cli(["send", "bob", "welcome"]);
    expect(back.exitCode).toBe(0);
    // bob's side: alice's address came from the invite and has worked.
    const mine = JSON.parse((await bob.cli(["contacts", "--json"])).stdout);
    expect(mine[0].addresses[0]).toMatchObject({ address: `127.0.0.1:${alice.port}`, source: "invite" });
    expect(mine[0].addresses[0].lastWorked).toBeGreaterThan(0);
    // Every address is listed, in the table too, and the discovery key the invite carried is kept.
    const aliceKey = JSON.parse((await alice.cli(["invite", "--json"])).stdout).discoveryKey;
    expect(mine[0].discoveryKey).toBe(aliceKey);
    const table = (await bob.cli(["contacts"])).stdout;
    for (const a of mine[0].addresses) expect(table).toContain(` ${a.address}`);
    expect(table).toContain("dht key");
  });

  test("the inviter's node is down: add says so and why; the token goes with the next link, and the inviter adds bob then", async () => {
    await using alice = await makeUser("alice");
    await using bob = await makeUser("bob");
    const line = await invite(alice);
    const added = await bob.cli(["add", line, "--wait", "2"]);
    expect(added.exitCode).toBe(0);
    expect(added.stdout).toStartWith("added alice, pinned to");
    expect(added.stderr).toMatch(/^p2pchat: alice's node has not answered within 2 s \(last try: connection refused at 127\.0\.0\.1:\d+.*\)\. Your node presents the invite when it next reaches them/);
    const aliceServe = await alice.serve();
    await bob.serve();
    await aliceServe.waitFor(/^\* bob joined with your invite: a contact now/);
    expect(aliceServe.stdout()).not.toContain("request from");
  });

  test("--qr draws a QR code that reads back as the invite line; --json shows everything the line carries", async () => {
    await using alice = await makeUser("alice");
    const r = await alice.cli(["invite", "--qr"]);
    expect(r.exitCode).toBe(0);
    const [line, ...drawing] = r.stdout.trimEnd().split("\n");
    expect(readQr(drawing)).toBe(line!);
    const j = JSON.parse((await alice.cli(["invite", "--json"])).stdout);
    expect(j).toMatchObject({ name: "alice", peerId: alice.peerId, uses: 1, relays: [] });
    expect(j.discoveryKey).toMatch(/^[a-z0-9]{52}$/);
    expect(j.addresses).toContain(`127.0.0.1:${alice.port}`);
  });

  test("a mistyped or truncated invite: exit 2, checksum mismatch, nothing added", async () => {
    await using alice = await makeUser("alice");
    await using bob = await makeUser("bob");
    const line = await invite(alice);
    const i = 30;
    const typo = line.slice(0, i) + (line[i] === "A" ? "B" : "A") + line.slice(i + 1);
    for (const bad of [typo, line.slice(0, -3)]) {
      const r = await bob.cli(["add", bad]);
      expect(r.exitCode).toBe(2);
      expect(r.stderr).toContain("checksum mismatch");
      expect(r.stdout).toBe("");
    }
    expect(JSON.parse((await bob.cli(["contacts", "--json"])).stdout)).toEqual([]);
  });

  test("a used-up or expired token: the bearer lands in the requests, as any stranger; a taken name becomes name-2", async () => {
    await using alice = await makeUser("alice");
    await using bob = await makeUser("bob");
    await using carol = await makeUser("bob"); // announces a name alice will already have
    await using dave = await makeUser("dave");
    const aliceServe = await alice.serve();
    const once = await invite(alice, ["--uses", "1"]);
    expect((await bob.cli(["add", once])).exitCode).toBe(0);
    expect((await bob.cli(["send", "alice", "first"])).exitCode).toBe(0);
    await aliceServe.waitFor(/^\* bob joined with your invite/);
    // carol reuses it: a request, and her add says so (exit 1).
    const reused = await carol.cli(["contacts", "add", once]);
    expect(reused.exitCode).toBe(1);
    expect(reused.stderr).toBe("p2pchat: alice's node did not take your invite (the invite was used up): you are a request there until alice accepts it (ask them for a new invite, or to run p2pchat requests)\n");
    expect((await carol.cli(["send", "alice", "me too"])).exitCode).toBe(0);
    await aliceServe.waitFor(/^\* request from "bob" \(unverified\) NOT your contact bob/);
    // A fresh invite admits carol: her name bob is taken, so she is bob-2.
    const two = await invite(alice, ["--uses", "2"]);
    const again = await carol.cli(["add", two]);
    expect(again.stdout).toContain("already your contact");
    expect(again.stdout).toContain("linked to alice: their node took your invite, so you are in each other's contacts");
    expect((await carol.cli(["send", "alice", "again"])).exitCode).toBe(0);
    await aliceServe.waitFor(/^\* bob-2 joined with your invite as bob-2 \(the name "bob" was taken\)/);
    // An expired one: dave knocks. (It expires a millisecond after alice's node made it: long before
    // dave's add, a process of its own, can present it.)
    const short = await invite(alice, ["--expires", "0.001s"]);
    const late = await dave.cli(["add", short]);
    expect([late.exitCode, late.stderr]).toEqual([1, expect.stringContaining("(the invite was expired)")]);
    expect((await dave.cli(["send", "alice", "late"])).exitCode).toBe(0);
    await aliceServe.waitFor(/^\* request from "dave" \(unverified\)/);
    const names = JSON.parse((await alice.cli(["contacts", "--json"])).stdout).map((c: { name: string }) => c.name);
    expect(names).toEqual(["bob", "bob-2"]);
  });
});

/** Reads qrcode-terminal's half-block drawing (two modules a character) back into text. */
function readQr(rows: string[]): string | null {
  const half: Record<string, [boolean, boolean]> = { "█": [true, true], "▀": [true, false], "▄": [false, true], " ": [false, false] };
  const modules = rows.flatMap((row) => {
    const cells = [...row].map((ch) => half[ch] ?? [false, false]);
    return [cells.map((c) => c[0]), cells.map((c) => c[1])];
  });
  const scale = 4;
  const margin = 8;
  const w = (Math.max(...modules.map((m) => m.length)) + 2 * margin) * scale;
  const h = (modules.length + 2 * margin) * scale;
  const rgba = new Uint8ClampedArray(w * h * 4).fill(0);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const dark = modules[Math.floor(y / scale) - margin]?.[Math.floor(x / scale) - margin] ?? false;
      rgba.fill(dark ? 255 : 0, (y * w + x) * 4, (y * w + x) * 4 + 3);
      rgba[(y * w + x) * 4 + 3] = 255;
    }
  }
  return jsQR(rgba, w, h, { inversionAttempts: "attemptBoth" })?.data ?? null;
}
