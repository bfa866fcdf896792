// A node serving a file to a peer that asks for many chunks at once (a raw
// peer on its own real TLS link, pinned as a contact): the node reads
// several chunks from the disk at a time, but they go in the order asked,
// each the file's own bytes. A receiver hashes the whole file as chunks land
// in order; out of order, it must read the whole file back from its disk at
// the end before the file can be done.
import { expect, setDefaultTimeout, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { encodeFrame } from "../../src/protocol/codec.ts";
import { DEFAULT_CHUNK, FILES_CAP, type FileChunkFrame } from "../../src/protocol/files/file-frames.ts";
import type { Frame } from "../../src/protocol/messages.ts";
import { bigFile } from "../helpers/files.ts";
import { startNode } from "../helpers/nodes.ts";
import { newIdentity, rawPeer } from "../helpers/raw-peer.ts";
import { tempDir } from "../helpers/tmp.ts";

setDefaultTimeout(60_000);

const CHUNKS = 64; // 16 MiB in 256 KiB chunks

test("chunks asked for at once go in the order asked, each the file's own bytes", async () => {
  await using bob = await startNode("bob");
  await using dir = await tempDir();
  const path = join(dir.path, "big.bin");
  await bigFile(path, CHUNKS * DEFAULT_CHUNK);
  const bytes = readFileSync(path);
  const who = await newIdentity("mallory");
  await bob.node.book.add("mallory", "127.0.0.1:9", { id: who.peerId });

  const offered = Promise.withResolvers<string>();
  const chunks: FileChunkFrame[] = [];
  const all = Promise.withResolvers<void>();
  const onFrame = (f: Frame) => {
    if (f.type === "file-offer") offered.resolve(f.id);
    if (f.type === "file-chunk") {
      // A copy: the decoder may use the buffer again.
      chunks.push({ ...f, data: new Uint8Array(f.data) });
      if (chunks.length === CHUNKS) all.resolve();
    }
  };
  await using peer = await rawPeer(bob.node.listening!.port, { tls: who, onFrame });
  peer.write(encodeFrame({ type: "hello", version: 1, name: "mallory", port: 0, caps: [FILES_CAP], session: crypto.randomUUID() }));
  await bob.until((e) => e.type === "link" && e.up && e.peer === "mallory", "mallory's link up");

  await bob.node.files.send("mallory", path);
  const id = await offered.promise;
  peer.write(encodeFrame({ type: "file-want", id, ranges: [{ from: 0, count: CHUNKS }] }));
  await all.promise;

  expect(chunks.map((c) => c.index)).toEqual(Array.from({ length: CHUNKS }, (_, i) => i));
  for (const c of chunks) expect(Buffer.compare(c.data, bytes.subarray(c.index * DEFAULT_CHUNK, (c.index + 1) * DEFAULT_CHUNK))).toBe(0);
});
