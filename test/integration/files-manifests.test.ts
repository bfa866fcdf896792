// Which manifest a sender offers (a raw receiver on its own real TLS link,
// pinned as a contact): to a peer whose hello lists FILES_PREFIX_CAP, each
// prefix's SHA-256, the last of them the whole file's; to a peer on an
// older release, without it, each chunk's, as before, under a root of that
// kind, and the chunks it fetches match them. Either way the file is the
// same bytes and ends done when the receiver says so.
import { expect, setDefaultTimeout, test } from "bun:test";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { encodeFrame } from "../../src/protocol/codec.ts";
import { DEFAULT_CHUNK, FILES_CAP, FILES_PREFIX_CAP, HASH_BYTES, type FileChunkFrame, type FileOfferFrame } from "../../src/protocol/files/file-frames.ts";
import { RootHasher, chunkHash, type ManifestKind } from "../../src/protocol/files/file-manifest.ts";
import type { Frame } from "../../src/protocol/messages.ts";
import { bigFile } from "../helpers/files.ts";
import { startNode } from "../helpers/nodes.ts";
import { newIdentity, rawPeer } from "../helpers/raw-peer.ts";
import { tempDir } from "../helpers/tmp.ts";

setDefaultTimeout(60_000);

const CHUNKS = 12; // 3 MiB in 256 KiB chunks

for (const [who, caps, kind] of [
  ["a peer on an older release", [FILES_CAP], "chunk"],
  ["a peer that takes prefix manifests", [FILES_CAP, FILES_PREFIX_CAP], "prefix"],
] as const) {
  test(`${who} is offered each ${kind}'s hash, under a root of that kind, and fetches the file against it`, async () => {
    await using bob = await startNode("bob");
    await using dir = await tempDir();
    const path = join(dir.path, "big.bin");
    const sha256 = await bigFile(path, CHUNKS * DEFAULT_CHUNK);
    const bytes = readFileSync(path);
    const mallory = await newIdentity("mallory");
    await bob.node.book.add("mallory", "127.0.0.1:9", { id: mallory.peerId });

    const offered = Promise.withResolvers<FileOfferFrame>();
    const manifest: Uint8Array[] = [];
    const chunks: FileChunkFrame[] = [];
    const all = Promise.withResolvers<void>();
    const onFrame = (f: Frame) => {
      if (f.type === "file-offer") offered.resolve(f);
      if (f.type === "file-manifest") {
        manifest.push(new Uint8Array(f.hashes));
        peer.write(encodeFrame({ type: "file-want", id: f.id, ranges: [{ from: 0, count: CHUNKS }] }));
      }
      if (f.type === "file-chunk") {
        chunks.push({ ...f, data: new Uint8Array(f.data) });
        if (chunks.length === CHUNKS) all.resolve();
      }
    };
    await using peer = await rawPeer(bob.node.listening!.port, { tls: mallory, onFrame });
    peer.write(encodeFrame({ type: "hello", version: 1, name: "mallory", port: 0, caps: [...caps], session: crypto.randomUUID() }));
    await bob.until((e) => e.type === "link" && e.up && e.peer === "mallory", "mallory's link up");

    const sent = await bob.node.files.send("mallory", path);
    const offer = await offered.promise;
    expect(offer).toMatchObject({ id: sent.id, sha256, size: CHUNKS * DEFAULT_CHUNK, chunkSize: DEFAULT_CHUNK });
    peer.write(encodeFrame({ type: "file-manifest-want", id: offer.id, from: 0, count: CHUNKS }));
    await all.promise;

    const hashes = Buffer.concat(manifest);
    expect(hashes.length).toBe(CHUNKS * HASH_BYTES);
    const root = (k: ManifestKind) => {
      const r = new RootHasher(offer.size, offer.chunkSize, k);
      r.add(hashes);
      return r.hex();
    };
    expect(offer.root).toBe(root(kind));
    expect(offer.root).not.toBe(root(kind === "chunk" ? "prefix" : "chunk"));
    // Each chunk as it came checks against its entry: alone, or the running hash of all before it.
    const running = new Bun.CryptoHasher("sha256");
    for (const c of chunks) {
      const entry = hashes.subarray(c.index * HASH_BYTES, (c.index + 1) * HASH_BYTES);
      const got = kind === "chunk" ? chunkHash(c.data) : (running.update(c.data).copy().digest() as Uint8Array);
      expect(Buffer.compare(got, entry)).toBe(0);
      expect(Buffer.compare(c.data, bytes.subarray(c.index * DEFAULT_CHUNK, (c.index + 1) * DEFAULT_CHUNK))).toBe(0);
    }
    if (kind === "prefix") expect(hashes.subarray(-HASH_BYTES).toString("hex")).toBe(sha256);

    peer.write(encodeFrame({ type: "file-answer", id: offer.id, answer: "done", code: null, reason: "" }));
    await bob.until((e) => e.type === "file" && e.file.id === sent.id && e.file.state === "done", "done at the sender");
    expect(readdirSync(join(bob.home, "files"))).toEqual([]); // its manifests (both kinds, for the older peer) went with it
  });
}
