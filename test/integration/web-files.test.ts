// Files through the page's server, as a browser sends and fetches them, over
// plain HTTP on loopback between two real nodes: an upload is guarded as
// every API request is, refused whole when too large (nothing left behind),
// staged under a safe name, offered, fetched by the peer byte for byte, and
// cleared once done; a download is by a transfer's id only, as an
// attachment that cannot be sniffed into a page.
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startPage } from "../../src/cli/web/web-face.ts";
import type { FileInfo } from "../../src/domain/file-transfer.ts";
import { updateConfig } from "../../src/home/home.ts";
import type { NodeEvent } from "../../src/node/node-events.ts";
import type { WebServer } from "../../src/web/web-server.ts";
import { befriend, startNode, type TestNode } from "../helpers/nodes.ts";
import { noFileModes } from "../helpers/platform.ts";
import { tempDir } from "../helpers/tmp.ts";
import { pollUntil } from "../helpers/wait.ts";

setDefaultTimeout(60_000);

const MiB = 1024 * 1024;

interface Page extends AsyncDisposable {
  web: WebServer;
  req(path: string, init?: RequestInit): Promise<Response>;
  /** A session's cookie and CSRF token, as the page holds them after its login link. */
  session(): Promise<{ cookie: string; "X-CSRF-Token": string }>;
}

function page(n: TestNode, maxUpload?: number): Page {
  const web = startPage(n.node.opts.local, n.node, { bind: { host: "127.0.0.1", port: 0 }, named: true }, { maxUpload })!;
  const req = (path: string, init: RequestInit = {}) => fetch(`${web.origin}${path}`, { redirect: "manual", ...init });
  return {
    web,
    req,
    async session() {
      const link = new URL(web.loginLink());
      const cookie = (await req(link.pathname + link.search)).headers.get("set-cookie")!.split(";")[0]!;
      const { csrf } = (await (await req("/api/session", { headers: { cookie } })).json()) as { csrf: string };
      return { cookie, "X-CSRF-Token": csrf };
    },
    async [Symbol.asyncDispose]() {
      web.stop();
    },
  };
}

const upload = (to: string, name: string, body: RequestInit["body"], headers: Record<string, string>): [string, RequestInit] => [
  `/api/upload?to=${encodeURIComponent(to)}&name=${encodeURIComponent(name)}`,
  { method: "POST", headers: { "Content-Type": "application/octet-stream", ...headers }, body },
];

/** What is staged in the home's uploads folder: each copy's folder and the files in it. */
function staged(home: string): string[] {
  const root = join(home, "uploads");
  if (!existsSync(root)) return [];
  return readdirSync(root).flatMap((d) => readdirSync(join(root, d)).map((f) => `${d}/${f}`));
}

const sha256 = (b: Uint8Array) => new Bun.CryptoHasher("sha256").update(b).digest("hex");
const fileDone = (n: TestNode, id: string) => n.until((e: NodeEvent) => e.type === "file" && e.file.id === id && e.file.state === "done", `file ${id} done`);

describe("files through the page", () => {
  test("an upload without a session (401) or without its CSRF token (403) is refused unread, and nothing is staged", async () => {
    await using alice = await startNode("alice", { discoverable: false });
    await using bob = await startNode("bob", { discoverable: false });
    await befriend(alice, bob);
    await using p = page(alice);
    const { cookie } = await p.session();
    const bytes = new Uint8Array(1000).fill(7);
    const none = await p.req(...upload("bob", "a.bin", bytes, {}));
    const noToken = await p.req(...upload("bob", "a.bin", bytes, { cookie }));
    const wrongToken = await p.req(...upload("bob", "a.bin", bytes, { cookie, "X-CSRF-Token": "not-the-token" }));
    expect([none.status, noToken.status, wrongToken.status]).toEqual([401, 403, 403]);
    expect(((await noToken.json()) as { error: { code: string } }).error.code).toBe("CSRF");
    expect(staged(alice.home)).toEqual([]);
    expect(await alice.node.files.list()).toEqual([]);
  });

  test("a file over the limit is refused with the limit in words, declared or streamed, and nothing stays staged", async () => {
    await using alice = await startNode("alice", { discoverable: false });
    await using bob = await startNode("bob", { discoverable: false });
    await befriend(alice, bob);
    await using p = page(alice, MiB);
    const s = await p.session();
    expect(((await (await p.req("/api/session", { headers: { cookie: s.cookie } })).json()) as { maxUpload: number }).maxUpload).toBe(MiB);
    // Declared: refused before a byte is read.
    const declared = await p.req(...upload("bob", "big.iso", new Uint8Array(3 * MiB), s));
    expect(declared.status).toBe(413);
    expect(await declared.json()).toEqual({ error: { code: "TOO_LARGE", message: "big.iso is 3.0 MiB: the page sends files of at most 1.0 MiB (p2pchat send bob --file PATH sends any size)" } });
    // Streamed with no length said: read up to the limit, then refused, and the part written goes.
    const chunks = Array.from({ length: 24 }, () => new Uint8Array(128 * 1024).fill(1));
    const stream = new ReadableStream<Uint8Array>({
      pull(c) {
        const next = chunks.shift();
        if (next) c.enqueue(next);
        else c.close();
      },
    });
    const streamed = await p.req(...upload("bob", "stream.bin", stream, s));
    expect(streamed.status).toBe(413);
    expect(((await streamed.json()) as { error: { message: string } }).error.message).toBe(
      "stream.bin is over 1.0 MiB: the page sends files of at most 1.0 MiB (p2pchat send bob --file PATH sends any size)",
    );
    expect(staged(alice.home)).toEqual([]);
    // One that fits goes (the limit is not off by one).
    const fits = await p.req(...upload("bob", "fits.bin", new Uint8Array(MiB).fill(2), s));
    expect(fits.status).toBe(200);
    expect(await alice.node.files.list()).toMatchObject([{ name: "fits.bin", size: MiB }]);
  });

  test("an upload to a contact reaches the peer's node byte for byte; the staged copy goes once done; the peer's page downloads it", async () => {
    await using alice = await startNode("alice");
    await using bob = await startNode("bob");
    await befriend(alice, bob);
    await using pa = page(alice);
    await using pb = page(bob);
    const s = await pa.session();
    const bytes = new Uint8Array(3 * MiB + 4321).map((_, i) => (i * 31 + (i >> 12)) & 0xff);
    // A name with a path, markup and a bidi override: made a name before it is a file anywhere.
    const res = await pa.req(...upload("bob", "../../evil/<img src=x onerror=alert(1)>\u202etxt.exe", bytes, s));
    expect(res.status).toBe(200);
    const { result: sent } = (await res.json()) as { result: FileInfo };
    expect(sent).toMatchObject({ direction: "out", peer: "bob", name: "_img src=x onerror=alert(1)_txt.exe", size: bytes.length, sha256: sha256(bytes) });
    // Staged in the home, private, under that name, beside the mark that names its transfer.
    const copy = staged(alice.home).find((f) => !f.endsWith("/.transfer"))!;
    expect(copy).toEndWith("/_img src=x onerror=alert(1)_txt.exe");
    if (noFileModes === null) {
      expect(statSync(join(alice.home, "uploads", copy)).mode & 0o777).toBe(0o600);
      expect(statSync(join(alice.home, "uploads", copy.split("/")[0]!)).mode & 0o777).toBe(0o700);
    }
    const got = (await fileDone(bob, sent.id)) as Extract<NodeEvent, { type: "file" }>;
    expect(sha256(readFileSync(got.file.path!))).toBe(sha256(bytes));
    await fileDone(alice, sent.id);
    // Done: the copy is not needed any more.
    await pollUntil(async () => staged(alice.home), (l) => l.length === 0, "the staged copy to go");

    // bob's page fetches it: the same bytes, as an attachment that is only bytes.
    const sb = await pb.session();
    const dl = await pb.req(`/api/download/${sent.id}`, { headers: { cookie: sb.cookie } });
    expect(dl.status).toBe(200);
    expect(sha256(new Uint8Array(await dl.arrayBuffer()))).toBe(sha256(bytes));
    expect([dl.headers.get("content-type"), dl.headers.get("x-content-type-options"), dl.headers.get("content-disposition")]).toEqual([
      "application/octet-stream",
      "nosniff",
      `attachment; filename="_img src=x onerror=alert(1)_txt.exe"; filename*=UTF-8''_img%20src%3Dx%20onerror%3Dalert%281%29_txt.exe`,
    ]);
    // Not without the session.
    expect((await pb.req(`/api/download/${sent.id}`)).status).toBe(401);
  });

  test("an upload cut off midway (the tab closed, Cancel) leaves nothing staged and offers nothing", async () => {
    await using alice = await startNode("alice", { discoverable: false });
    await using bob = await startNode("bob", { discoverable: false });
    await befriend(alice, bob);
    await using p = page(alice);
    const s = await p.session();
    const stop = new AbortController();
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new Uint8Array(512 * 1024).fill(3)); // and then nothing more: the sender goes away
      },
    });
    const [path, init] = upload("bob", "half.bin", body, s);
    const res = p.req(path, { ...init, signal: stop.signal }).catch((e: Error) => e);
    await pollUntil(() => staged(alice.home), (l) => l.some((f) => f.endsWith("/half.bin")), "the upload to begin");
    stop.abort();
    expect(await res).toBeInstanceOf(Error);
    await pollUntil(() => staged(alice.home), (l) => l.length === 0, "the part to go");
    expect(await alice.node.files.list()).toEqual([]);
  });

  test("the staged copy stays while the offer is open (a restarted page keeps it), goes when it is cancelled, and a half upload an earlier run left goes at start", async () => {
    await using alice = await startNode("alice");
    await using bob = await startNode("bob", { discoverable: false });
    await befriend(alice, bob);
    let p = page(alice);
    const s = await p.session();
    const res = await p.req(...upload("bob", "waiting.txt", "for bob when he is back\n", s));
    const { result: sent } = (await res.json()) as { result: FileInfo };
    expect(sent.state).toBe("offered");
    const [copy] = staged(alice.home).filter((f) => !f.endsWith("/.transfer"));
    // A node stopped mid-upload leaves a folder with no transfer named in it.
    const half = join(alice.home, "uploads", "0191a2b3-half");
    mkdirSync(half);
    writeFileSync(join(half, "half.bin"), "only the first part");
    await p[Symbol.asyncDispose]();
    p = page(alice);
    await pollUntil(async () => staged(alice.home), (l) => !l.includes("0191a2b3-half/half.bin"), "the half upload to go");
    expect(staged(alice.home).filter((f) => !f.endsWith("/.transfer"))).toEqual([copy!]);
    const cancel = await p.req("/api/op/fileCancel", { method: "POST", headers: { "Content-Type": "application/json", ...(await p.session()) }, body: JSON.stringify({ id: sent.id }) });
    expect(((await cancel.json()) as { result: FileInfo }).result.state).toBe("cancelled");
    await pollUntil(async () => staged(alice.home), (l) => l.length === 0, "the cancelled offer's copy to go");
    await p[Symbol.asyncDispose]();
  });

  test("an upload to '#group' is posted there and a member fetches it; its copy stays, since members fetch it from whoever holds it", async () => {
    await using alice = await startNode("alice");
    await using bob = await startNode("bob");
    await befriend(alice, bob);
    await alice.until((e) => e.type === "link" && e.up && e.peer === "bob", "alice linked to bob");
    await pollUntil(() => alice.node.groups.registry.peerKeys.size, (n) => n === 1, "alice to learn bob's key");
    await alice.node.groupBook.create("club", ["bob"]);
    await bob.until((e) => e.type === "group" && e.change === "joined", "bob joined");
    await using p = page(alice);
    const bytes = new Uint8Array(300_000).map((_, i) => (i * 3) & 0xff);
    const res = await p.req(...upload("#club", "minutes.pdf", bytes, await p.session()));
    const { result: posted } = (await res.json()) as { result: FileInfo };
    expect(posted).toMatchObject({ direction: "out", group: "#club", name: "minutes.pdf", state: "done" });
    const got = (await bob.until((e) => e.type === "file" && e.file.id === posted.id && e.file.state === "done", "bob has it")) as Extract<NodeEvent, { type: "file" }>;
    expect(sha256(readFileSync(got.file.path!))).toBe(sha256(bytes));
    expect(staged(alice.home).filter((f) => !f.endsWith("/.transfer")).map((f) => f.split("/")[1])).toEqual(["minutes.pdf"]);
  });

  test("the server takes bodies as large as an upload, but any other body past its limit is refused, declared or streamed", async () => {
    await using alice = await startNode("alice", { discoverable: false });
    await using p = page(alice);
    const s = await p.session();
    const big = JSON.stringify({ text: "x".repeat(2 * MiB) });
    const op = await p.req("/api/op/status", { method: "POST", headers: { "Content-Type": "application/json", ...s }, body: big });
    expect([op.status, ((await op.json()) as { error: { code: string } }).error.code]).toEqual([413, "TOO_LARGE"]);
    const streamed = new ReadableStream<Uint8Array>({
      start(c) {
        for (let i = 0; i < 20; i++) c.enqueue(new Uint8Array(128 * 1024).fill(0x20));
        c.close();
      },
    });
    const qr = await p.req("/api/qr", { method: "POST", headers: { "Content-Type": "application/json", ...s }, body: streamed });
    expect(qr.status).toBe(413);
    // Signing in is open to anyone: past a password's size, a body is not read as one.
    updateConfig(alice.home, { webPassword: await Bun.password.hash("correct horse") });
    const login = await p.req("/login", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ password: "correct horse", pad: "x".repeat(2 * MiB) }) });
    expect(login.status).toBe(400);
    const right = await p.req("/login", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ password: "correct horse" }) });
    expect(right.status).toBe(200);
  });

  test("a download names a transfer by id, never a path: other paths, unknown ids and a file swapped for a link are refused", async () => {
    await using dir = await tempDir();
    await using alice = await startNode("alice");
    await using bob = await startNode("bob");
    await befriend(alice, bob);
    await using pb = page(bob);
    const { cookie } = await pb.session();
    const get = async (path: string) => (await pb.req(path, { headers: { cookie } })).status;
    expect(await get("/api/download/..%2F..%2F..%2Fetc%2Fpasswd")).toBe(404);
    expect(await get("/api/download/%2Fetc%2Fpasswd")).toBe(404);
    expect(await get(`/api/download/${join(bob.home, "identity.key")}`)).toBe(404);
    expect(await get("/api/download/0191a2b3-c4d5-7e6f-8a9b-0c1d2e3f4a5b")).toBe(404);
    // A received file replaced by a link to a secret: the download does not follow it.
    const src = join(dir.path, "notes.txt");
    writeFileSync(src, "notes\n".repeat(100));
    const sent = await alice.node.files.send("bob", src);
    const got = (await fileDone(bob, sent.id)) as Extract<NodeEvent, { type: "file" }>;
    expect(await get(`/api/download/${sent.id}`)).toBe(200);
    rmSync(got.file.path!);
    symlinkSync(join(bob.home, "config.json"), got.file.path!);
    const swapped = await pb.req(`/api/download/${sent.id}`, { headers: { cookie } });
    expect(swapped.status).toBe(410);
    expect(((await swapped.json()) as { error: { code: string } }).error.code).toBe("FILE_GONE");
  });
});
