// Files between two real nodes on loopback: offered, fetched chunk by chunk,
// verified, saved under a safe name, done on both sides.
import { expect, setDefaultTimeout, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { FileInfo } from "../../src/domain/file-transfer.ts";
import type { NodeEvent } from "../../src/node/node-events.ts";
import { dialects } from "../helpers/databases.ts";
import { befriend, startNode, type TestNode } from "../helpers/nodes.ts";
import { tempDir } from "../helpers/tmp.ts";

setDefaultTimeout(60_000);

const fileEvent = (n: TestNode, id: string, state: FileInfo["state"]) =>
  n.until((e: NodeEvent) => e.type === "file" && e.file.id === id && e.file.state === state, `file ${id} ${state}`);

test.each(dialects)("a contact's file is fetched unasked, verified, saved, and done on both sides (bob on %s)", async (dialect) => {
  await using dir = await tempDir();
  await using alice = await startNode("alice");
  await using bob = await startNode("bob", { dialect });
  await befriend(alice, bob);
  const src = join(dir.path, "report.pdf");
  const bytes = new Uint8Array(3 * 256 * 1024 + 12345).map((_, i) => (i * 7) & 0xff);
  writeFileSync(src, bytes);
  const sent = await alice.node.files.send("bob", src);
  expect(sent).toMatchObject({ direction: "out", name: "report.pdf", size: bytes.length });
  const got = (await fileEvent(bob, sent.id, "done")) as Extract<NodeEvent, { type: "file" }>;
  await fileEvent(alice, sent.id, "done");
  expect(got.file.path).toBe(join(bob.home, "downloads", "report.pdf"));
  expect(Buffer.compare(readFileSync(got.file.path!), bytes)).toBe(0);
  const [mine] = await alice.node.files.list("bob");
  const [theirs] = await bob.node.files.list("alice");
  expect(mine).toMatchObject({ id: sent.id, state: "done", bytes: bytes.length, sha256: new Bun.CryptoHasher("sha256").update(bytes).digest("hex") });
  expect(theirs).toMatchObject({ id: sent.id, direction: "in", state: "done", peer: "alice", path: got.file.path });
});

test("cancelled while the receiver was away: when it comes back and asks, it is told, and the file ends cancelled there too", async () => {
  await using dir = await tempDir();
  await using alice = await startNode("alice");
  await using bob = await startNode("bob");
  bob.node.opts.local.config.autoAcceptMiB = 0; // bob answers by hand
  await befriend(alice, bob);
  const src = join(dir.path, "notes.txt");
  writeFileSync(src, "some notes\n".repeat(1000));
  const sent = await alice.node.files.send("bob", src);
  await fileEvent(bob, sent.id, "offered");
  await alice.node.setDiscoverable(false);
  await bob.until((e) => e.type === "link" && !e.up, "bob's link down");
  await bob.node.files.accept(sent.id);
  expect(await alice.node.files.cancel(sent.id.slice(0, 8))).toMatchObject({ state: "cancelled", error: "you cancelled it" });
  await alice.node.setDiscoverable(true);
  const ended = (await fileEvent(bob, sent.id, "cancelled")) as Extract<NodeEvent, { type: "file" }>;
  expect(ended.file.error).toBe("alice cancelled it");
  expect((await bob.node.files.list())[0]).toMatchObject({ state: "cancelled", error: "alice cancelled it" });
});
