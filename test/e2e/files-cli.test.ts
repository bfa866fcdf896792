// Files from the command line, as people run them: two serves in processes
// of their own; send --file, files, files accept and settings attached.
import { expect, setDefaultTimeout, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { introduce, makeUser } from "../helpers/serve.ts";
import { tempDir } from "../helpers/tmp.ts";

setDefaultTimeout(90_000);

const sha256 = (b: Uint8Array) => new Bun.CryptoHasher("sha256").update(b).digest("hex");

test("send --file on a pipe prints a line per 10% and the result; files --json has it done on both sides", async () => {
  await using dir = await tempDir();
  await using alice = await makeUser("alice");
  await using bob = await makeUser("bob");
  await introduce(alice, bob);
  await alice.serve();
  const bobServe = await bob.serve();
  const data = new Uint8Array(24 * 1024 * 1024).map((_, i) => (i * 31) ^ (i >>> 9));
  const src = join(dir.path, "holiday photos.tar");
  writeFileSync(src, data);

  const sent = await alice.cli(["send", "bob", "--file", src]);
  expect(sent).toMatchObject({ exitCode: 0, stderr: "" });
  const lines = sent.stdout.trimEnd().split("\n");
  expect(lines.at(-1)).toMatch(new RegExp(`^delivered to bob: holiday photos\\.tar \\(24\\.0 MiB\\), sha256 ${sha256(data)} \\([0-9a-f]{8}\\)$`));
  const percents = lines.slice(0, -1).map((l) => /^holiday photos\.tar: (\d+)% \([\d.]+ \w+ of 24\.0 MiB\)$/.exec(l)?.[1]);
  expect(percents.every((p) => p !== undefined)).toBe(true);
  expect(percents.map(Number)).toEqual([...percents.map(Number)].sort((a, b) => a - b)); // one line per step of 10%, rising

  await bobServe.waitFor(/^\* file from alice: "holiday photos\.tar" \(24\.0 MiB\) saved as .+$/);
  const [theirs] = JSON.parse((await bob.cli(["files", "--json"])).stdout);
  expect(theirs).toMatchObject({ direction: "in", peer: "alice", name: "holiday photos.tar", size: data.length, sha256: sha256(data), state: "done", bytes: data.length });
  expect(theirs.path).toBe(join(bob.home, "downloads", "holiday photos.tar"));
  expect(sha256(readFileSync(theirs.path))).toBe(sha256(data));
  const [mine] = JSON.parse((await alice.cli(["files", "bob", "--json"])).stdout);
  expect(mine).toMatchObject({ id: theirs.id, direction: "out", peer: "bob", state: "done", bytes: data.length, path: src });
  for (const key of ["id", "peer", "direction", "name", "size", "sha256", "state", "bytes", "path"]) expect(Object.keys(mine)).toContain(key);

  // --json: nothing but the result.
  const again = await alice.cli(["send", "bob", "--file", src, "--json"]);
  expect(again.exitCode).toBe(0);
  expect(JSON.parse(again.stdout)).toMatchObject({ name: "holiday photos.tar", state: "done" });
  // The same name again: " (1)", never over the first.
  const second = JSON.parse((await bob.cli(["files", "alice", "--json"])).stdout)[0];
  expect(second.path).toBe(join(bob.home, "downloads", "holiday photos (1).tar"));
});

test("over the allowance a file waits for the receiver's yes; reject tells the sender; mistakes exit 2", async () => {
  await using dir = await tempDir();
  await using alice = await makeUser("alice");
  await using bob = await makeUser("bob");
  await introduce(alice, bob);
  await alice.serve();
  const bobServe = await bob.serve();
  expect((await bob.cli(["files", "settings", "--auto-accept", "0"])).stdout).toBe(`received files go to ${join(bob.home, "downloads")}\nallowance: none: every file waits for your yes\n`);
  const src = join(dir.path, "a.bin");
  writeFileSync(src, new Uint8Array(100_000).fill(1));

  const waiting = await alice.cli(["send", "bob", "--file", src, "--wait", "1"]);
  expect(waiting.exitCode).toBe(3);
  expect(waiting.stderr).toMatch(/^p2pchat: a\.bin is not delivered after 1 s without progress \(0 B of 97\.7 KiB\): bob has not accepted it yet\. It goes on while a node of yours runs/);
  const offer = await bobServe.waitFor(/^\* file from alice: "a\.bin" \(97\.7 KiB\) offered: p2pchat files accept ([0-9a-f]{8})$/);
  const id = /accept ([0-9a-f]{8})$/.exec(offer)![1]!;
  expect((await bob.cli(["files"])).stdout).toMatch(new RegExp(`^ID\\s+WITH\\s+NAME\\s+SIZE\\s+WHEN\\s+STATE\\n${id}\\s+←\\s+alice\\s+a\\.bin\\s+97\\.7 KiB\\s+[\\d-]+ [\\d:]+\\s+offered: p2pchat files accept ${id}\\naccept: `));

  const rejected = await bob.cli(["files", "reject", id]);
  expect(rejected).toMatchObject({ exitCode: 0, stdout: `rejected "a.bin" (97.7 KiB) from alice (${id})\n` });
  const [mine] = JSON.parse((await alice.cli(["files", "--json"])).stdout);
  expect(mine).toMatchObject({ state: "cancelled", error: "bob rejected it" });

  for (const [args, message] of [
    [["send", "bob", "--file", join(dir.path, "nope")], /no such file/],
    [["send", "bob", "--file", dir.path], /is not a file/],
    [["send", "bob", "hi", "--file", src], /a file or a message, not both/],
    [["files", "accept"], /which transfer\?/],
    [["files", "accept", "zzzzzzzz"], /no file transfer "zzzzzzzz"/],
    [["files", "settings", "--auto-accept", "lots"], /--auto-accept takes a number of MiB/],
  ] as const) {
    const r = await alice.cli([...args]);
    expect({ code: r.exitCode, err: r.stderr }).toMatchObject({ code: 2, err: expect.stringMatching(message) });
  }
});
