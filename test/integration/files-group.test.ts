// A file posted in a group: a signed post every member sees, the file
// fetched from any member linked to them that holds it, checked as from a
// contact. carol comes online after alice has gone: she gets the post from
// bob, and the file from bob too.
import { expect, setDefaultTimeout, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { FileInfo } from "../../src/domain/file-transfer.ts";
import { befriend, eventually, startNode, type TestNode } from "../helpers/nodes.ts";
import { tempDir } from "../helpers/tmp.ts";

setDefaultTimeout(90_000);

const linked = (n: TestNode, peer: string) => n.until((e) => e.type === "link" && e.up && e.peer === peer, `${n.name} linked to ${peer}`);
const done = (n: TestNode, name: string) => n.until((e) => e.type === "file" && e.file.name === name && e.file.state === "done", `${n.name} has ${name}`) as Promise<{ file: FileInfo }>;
const sha = (b: Uint8Array) => new Bun.CryptoHasher("sha256").update(b).digest("hex");

test("a member fetches a group's file from another member who holds it, its poster gone", async () => {
  await using dir = await tempDir();
  await using alice = await startNode("alice");
  await using bob = await startNode("bob");
  await using carol = await startNode("carol", { discoverable: false });
  await befriend(alice, bob);
  await befriend(alice, carol);
  await befriend(bob, carol);
  await linked(alice, "bob");
  await carol.node.setDiscoverable(true);
  await Promise.all([linked(alice, "carol"), linked(bob, "carol")]);
  await eventually(() => alice.node.groups.registry.peerKeys.size === 2, "alice learned both keys");
  await alice.node.groupBook.create("club", ["bob", "carol"]);
  await Promise.all([bob, carol].map((n) => n.until((e) => e.type === "group" && e.change === "joined", `${n.name} joined`)));

  // carol goes away; alice posts; bob fetches from alice; alice goes away.
  await carol.node.setDiscoverable(false);
  const data = Uint8Array.from({ length: 3 * 256 * 1024 + 99 }, (_, i) => (i * 17) & 0xff);
  const src = join(dir.path, "minutes.pdf");
  writeFileSync(src, data);
  const posted = await alice.node.files.send("#club", src);
  expect(posted).toMatchObject({ direction: "out", group: "#club", state: "done" });
  const atBob = await done(bob, "minutes.pdf");
  expect(atBob.file).toMatchObject({ group: "#club", peer: "alice", sha256: sha(data) });
  expect(sha(readFileSync(atBob.file.path!))).toBe(sha(data));
  await alice.node.stop();

  // carol is back: the post comes from bob, and so does the file.
  await carol.node.setDiscoverable(true);
  await carol.until((e) => e.type === "message" && e.entry.peer === "#club" && e.entry.text === 'shared a file "minutes.pdf" (768 KiB)', "carol sees the post");
  const atCarol = await done(carol, "minutes.pdf");
  expect(atCarol.file).toMatchObject({ group: "#club", peer: "alice", state: "done" });
  expect(sha(readFileSync(atCarol.file.path!))).toBe(sha(data));
  const listed = await carol.node.files.list("#club");
  expect(listed).toMatchObject([{ direction: "in", group: "#club", name: "minutes.pdf", state: "done" }]);
});
