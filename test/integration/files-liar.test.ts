// A sender scripted byte by byte on its own real TLS link (a raw peer, its
// certificate pinned as a contact's): a chunk flipped on its way is asked
// again and the file still arrives whole; a sender whose data never matches
// its hashes, or whose file does not match the SHA-256 it offered, ends
// failed with the reason, never done; a name from the wire is never a path;
// a stranger's offer is stored and nothing more. Each of the lies is told
// with both kinds of manifest: each chunk's hash (what older releases
// send), and each prefix's (file-manifest.ts), where a chunk that arrives
// ahead of the ones before it waits for them to be checked.
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, readFileSync, readdirSync, readlinkSync } from "node:fs";
import { join } from "node:path";
import type { FileInfo } from "../../src/domain/file-transfer.ts";
import type { NodeEvent } from "../../src/node/node-events.ts";
import { encodeFrame } from "../../src/protocol/codec.ts";
import { FILES_CAP, FILES_PREFIX_CAP, type FileFrame } from "../../src/protocol/files/file-frames.ts";
import { RootHasher, chunkCount, chunkHash, chunkLength, type ManifestKind } from "../../src/protocol/files/file-manifest.ts";
import type { Frame } from "../../src/protocol/messages.ts";
import type { Identity } from "../../src/transport/identity.ts";
import { startNode, type TestNode } from "../helpers/nodes.ts";
import { newIdentity, rawPeer, type RawPeer } from "../helpers/raw-peer.ts";

setDefaultTimeout(60_000);

const CHUNK = 16 * 1024;
const hello = (name: string) => encodeFrame({ type: "hello", version: 1, name, port: 0, caps: [FILES_CAP, FILES_PREFIX_CAP], session: crypto.randomUUID() });
const sha = (b: Uint8Array) => new Bun.CryptoHasher("sha256").update(b).digest("hex");

interface Script {
  /** The bytes of chunk `index` the `n`-th time it is asked for (from 1); null sends nothing. */
  chunk(index: number, n: number, honest: Uint8Array): Uint8Array | null;
  /** The whole file's SHA-256 the offer claims. */
  claim?(honest: string): string;
  name?: string;
  /** The manifest it sends: each chunk's hash (the default), or each prefix's. */
  kind?: ManifestKind;
  /** The order it sends the chunks of one want in (default: as asked). */
  order?(indices: number[]): number[];
}

/** The manifest of `data` in `chunk`-byte chunks, as `kind`. */
function manifestOf(data: Uint8Array, chunk: number, kind: ManifestKind): { hashes: Uint8Array[]; root: string } {
  const n = chunkCount(data.length, chunk);
  const whole = new Bun.CryptoHasher("sha256");
  const hashes = Array.from({ length: n }, (_, i) => {
    const bytes = data.subarray(i * chunk, i * chunk + chunkLength(data.length, chunk, i));
    return kind === "chunk" ? chunkHash(bytes) : (whole.update(bytes).copy().digest() as Uint8Array);
  });
  const root = new RootHasher(data.length, chunk, kind);
  for (const h of hashes) root.add(h);
  return { hashes, root: root.hex() };
}

/** mallory offers `data` to bob on a link of her own and answers his wants as `script` says. */
async function scriptedSender(bob: TestNode, who: Identity, data: Uint8Array, script: Script, opts: { contact: boolean } = { contact: true }): Promise<{ id: string; peer: RawPeer }> {
  if (opts.contact) await bob.node.book.add("mallory", "127.0.0.1:9", { id: who.peerId });
  const id = Bun.randomUUIDv7();
  const { hashes, root } = manifestOf(data, CHUNK, script.kind ?? "chunk");
  const asked = new Map<number, number>();
  const send = (f: FileFrame) => peer.write(encodeFrame(f));
  const answer = (f: Frame) => {
    if (f.type === "file-manifest-want" && f.id === id) send({ type: "file-manifest", id, from: f.from, hashes: Buffer.concat(hashes.slice(f.from, f.from + f.count)) });
    if (f.type !== "file-want" || f.id !== id) return;
    const indices = f.ranges.flatMap((r) => Array.from({ length: r.count }, (_, k) => r.from + k));
    for (const i of script.order?.(indices) ?? indices) {
      {
        const times = (asked.get(i) ?? 0) + 1;
        asked.set(i, times);
        const honest = data.subarray(i * CHUNK, i * CHUNK + chunkLength(data.length, CHUNK, i));
        const bytes = script.chunk(i, times, honest);
        if (bytes) send({ type: "file-chunk", id, index: i, data: bytes });
      }
    }
  };
  const peer = await rawPeer(bob.node.listening!.port, { tls: who, onFrame: answer });
  peer.write(hello("mallory"));
  if (opts.contact) await bob.until((e) => e.type === "link" && e.up && e.peer === "mallory", "mallory's link up");
  else await bob.until((e) => e.type === "request" && e.peerId === who.peerId, "mallory's knock");
  send({ type: "file-offer", id, sha256: script.claim?.(sha(data)) ?? sha(data), root, size: data.length, chunkSize: CHUNK, created: Date.now(), name: script.name ?? "data.bin" });
  return { id, peer };
}

const ended = (bob: TestNode, id: string) =>
  bob.until((e: NodeEvent) => e.type === "file" && e.file.id === id && ["done", "failed", "cancelled"].includes(e.file.state), `file ${id} to end`) as Promise<{ file: FileInfo }>;

/** How many times chunk `i` was asked of `p`. */
const wantsOf = (p: RawPeer, i: number) =>
  p.frames.filter((f) => f.type === "file-want").flatMap((f) => (f as { ranges: { from: number; count: number }[] }).ranges).filter((r) => r.from <= i && r.from + r.count > i).length;

const answers = (p: RawPeer, id: string) => p.frames.filter((f) => f.type === "file-answer" && f.id === id).map((f) => (f as { answer: string }).answer);

const DATA = Uint8Array.from({ length: 5 * CHUNK + 777 }, (_, i) => (i * 131) & 0xff);

for (const kind of ["chunk", "prefix"] as const) {
  describe(`with a ${kind} manifest`, () => {
    test("a chunk flipped on its way is asked for again; the file arrives whole and verified", async () => {
      await using bob = await startNode("bob");
      const { id, peer } = await scriptedSender(bob, await newIdentity("mallory"), DATA, {
        kind,
        chunk: (i, n, honest) => (i === 2 && n === 1 ? honest.map((b, j) => (j === 100 ? b ^ 0x04 : b)) : honest),
      });
      await using _ = peer;
      const { file } = await ended(bob, id);
      expect(file).toMatchObject({ state: "done", sha256: sha(DATA), bytes: DATA.length });
      expect(sha(readFileSync(file.path!))).toBe(sha(DATA));
      expect(wantsOf(peer, 2)).toBe(2);
      await (async () => {
        while (!answers(peer, id).includes("done")) await Bun.sleep(10);
      })();
    });

    test("chunks sent last first, one of them flipped: each waits for those before it, the flipped one alone is asked again", async () => {
      await using bob = await startNode("bob");
      const { id, peer } = await scriptedSender(bob, await newIdentity("mallory"), DATA, {
        kind,
        order: (indices) => indices.toReversed(),
        chunk: (i, n, honest) => (i === 3 && n === 1 ? honest.map((b, j) => (j === 7 ? b ^ 0x80 : b)) : honest),
      });
      await using _ = peer;
      const { file } = await ended(bob, id);
      expect(file).toMatchObject({ state: "done", sha256: sha(DATA), bytes: DATA.length });
      expect(sha(readFileSync(file.path!))).toBe(sha(DATA));
      expect([0, 1, 2, 3, 4, 5].map((i) => wantsOf(peer, i))).toEqual([1, 1, 1, 2, 1, 1]);
    });

    test("a sender whose data never matches its hashes ends failed with the reason, and nothing is saved", async () => {
      await using bob = await startNode("bob");
      const { id, peer } = await scriptedSender(bob, await newIdentity("mallory"), DATA, { kind, chunk: (i, _n, honest) => (i === 3 ? honest.map((b) => b ^ 0xff) : honest) });
      await using _ = peer;
      const { file } = await ended(bob, id);
      expect(file).toMatchObject({ state: "failed", error: "mallory's data for chunk 3 did not match its hash 3 times" });
      const [listed] = await bob.node.files.list();
      expect(listed).toMatchObject({ id, state: "failed", error: "mallory's data for chunk 3 did not match its hash 3 times" });
      expect(existsSync(join(bob.home, "downloads", "data.bin"))).toBe(false);
      expect(readdirSync(join(bob.home, "downloads", ".partial"))).toEqual([]);
      await (async () => {
        while (!answers(peer, id).includes("failed")) await Bun.sleep(10);
      })();
      expect(peer.frames.find((f) => f.type === "file-answer" && f.id === id && f.answer === "failed")).toMatchObject({ code: "FILE_CORRUPT" });
    });

    test("a sender whose chunks match but whose file is not the SHA-256 it offered ends failed, never done", async () => {
      await using bob = await startNode("bob");
      const { id, peer } = await scriptedSender(bob, await newIdentity("mallory"), DATA, { kind, chunk: (_i, _n, honest) => honest, claim: () => "00".repeat(32) });
      await using _ = peer;
      const { file } = await ended(bob, id);
      expect(file.state).toBe("failed");
      // A prefix manifest's last entry is the file's SHA-256: the lie shows before any chunk is asked.
      if (kind === "chunk") expect(file.error).toMatch(/^the file's SHA-256 is [0-9a-f]{12}\.\.\., not the 000000000000\.\.\. offered: the sender's data and its hash disagree$/);
      else expect([file.error, peer.frames.some((f) => f.type === "file-want")]).toEqual(["mallory's list of chunk hashes does not add up to the file it offered", false]);
      expect(existsSync(join(bob.home, "downloads", "data.bin"))).toBe(false);
    });
  });
}

test("a name from the wire is never a path: the file lands in the download folder under a safe name", async () => {
  await using bob = await startNode("bob");
  const { id, peer } = await scriptedSender(bob, await newIdentity("mallory"), DATA, { chunk: (_i, _n, h) => h, name: "../../\u202Etxt.exe/../.bashrc" });
  await using _ = peer;
  const { file } = await ended(bob, id);
  expect(file).toMatchObject({ state: "done", name: "bashrc", path: join(bob.home, "downloads", "bashrc") });
  expect(readdirSync(join(bob.home, "downloads")).sort()).toEqual([".partial", "bashrc"]);
});

test("a stranger's offer is stored and waits: nothing is asked of it, nothing written, until the user accepts", async () => {
  await using bob = await startNode("bob");
  const { id, peer } = await scriptedSender(bob, await newIdentity("mallory"), DATA, { chunk: (_i, _n, h) => h }, { contact: false });
  await using _ = peer;
  const offered = (await bob.until((e) => e.type === "file" && e.file.id === id, "the offer")) as { file: FileInfo };
  expect(offered.file).toMatchObject({ state: "offered", request: true, peer: "mallory" });
  await (async () => {
    while (!answers(peer, id).includes("held")) await Bun.sleep(10);
  })();
  expect(peer.frames.some((f) => f.type === "file-want" || f.type === "file-manifest-want")).toBe(false);
  expect(existsSync(join(bob.home, "downloads"))).toBe(false);
  // Chunks it pushes unasked go nowhere.
  peer.write(encodeFrame({ type: "file-chunk", id, index: 0, data: DATA.subarray(0, CHUNK) }));
  await bob.node.files.accept(id.slice(0, 8));
  const { file } = await ended(bob, id);
  expect(file).toMatchObject({ state: "done", sha256: sha(DATA) });
});

/** Files this process holds open under `dir` (Linux: /proc/self/fd). */
function openUnder(dir: string): string[] {
  const out: string[] = [];
  for (const fd of readdirSync("/proc/self/fd")) {
    try {
      const target = readlinkSync(`/proc/self/fd/${fd}`);
      if (target.startsWith(dir)) out.push(target);
    } catch {
      // closed meanwhile
    }
  }
  return out;
}

test("a sender that stalls holds nothing for long: its file shows paused and its partial file is closed", async () => {
  await using bob = await startNode("bob", { fileLimits: { stallMs: 300 } });
  let sent = 0;
  const { id, peer } = await scriptedSender(bob, await newIdentity("mallory"), DATA, {
    // Two chunks, then silence: it keeps the link up and sends nothing more.
    chunk: (_i, _n, honest) => (sent++ < 2 ? honest : null),
  });
  await using _ = peer;
  const partial = join(bob.home, "downloads", ".partial");
  await bob.until((e) => e.type === "file" && e.file.id === id && e.file.bytes >= 2 * CHUNK, "two chunks in");
  await bob.until((e) => e.type === "file" && e.file.id === id && e.file.state === "paused", "paused once it stalls", 10_000);
  // Closed within a tick or two of the stall (a poll: closing a file is no event).
  const deadline = Date.now() + 5_000;
  while (openUnder(partial).length > 0 && Date.now() < deadline) await Bun.sleep(50);
  expect(openUnder(partial)).toEqual([]);
  const [listed] = await bob.node.files.list();
  expect(listed).toMatchObject({ id, state: "paused", bytes: 2 * CHUNK });
});
