// The page's server, as a browser or a script meets it, over plain HTTP on
// loopback: who may ask what (Host check, API key, session, CSRF token),
// the guard rails on every response, the control operations routed through
// the one table, and the node's events as a live stream.
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { statSync } from "node:fs";
import { join } from "node:path";
import { startPage } from "../../src/cli/web/web-face.ts";
import { readApiKey, readWebPlace } from "../../src/web/web-home.ts";
import type { WebServer } from "../../src/web/web-server.ts";
import { befriend, startNode, type TestNode } from "../helpers/nodes.ts";
import { noFileModes } from "../helpers/platform.ts";

setDefaultTimeout(60_000);

interface Page extends AsyncDisposable {
  web: WebServer;
  origin: string;
  key: string;
  /** A request with the right Host unless `headers` says otherwise; never follows redirects. */
  req(path: string, init?: RequestInit): Promise<Response>;
  /** Spends a login link: the session cookie and its CSRF token. */
  session(): Promise<{ cookie: string; csrf: string }>;
}

function page(n: TestNode): Page {
  const web = startPage(n.node.opts.local, n.node, { bind: { host: "127.0.0.1", port: 0 }, named: true })!;
  const key = readApiKey(n.home)!;
  const req = (path: string, init: RequestInit = {}) => fetch(`${web.origin}${path}`, { redirect: "manual", ...init });
  return {
    web,
    origin: web.origin,
    key,
    req,
    async session() {
      const link = new URL(web.loginLink());
      const res = await req(link.pathname + link.search);
      const cookie = res.headers.get("set-cookie")!.split(";")[0]!;
      const { csrf } = (await (await req("/api/session", { headers: { cookie } })).json()) as { csrf: string };
      return { cookie, csrf };
    },
    async [Symbol.asyncDispose]() {
      web.stop();
    },
  };
}

const json = (body: unknown, headers: Record<string, string> = {}): RequestInit => ({
  method: "POST",
  headers: { "Content-Type": "application/json", ...headers },
  body: JSON.stringify(body),
});

describe("the page's server", () => {
  test("a Host that is not this page's gets 403 everywhere, and a login link sent that way is not spent", async () => {
    await using alice = await startNode("alice", { discoverable: false });
    await using p = page(alice);
    const link = new URL(p.web.loginLink());
    const evil = { Host: `evil.example:${p.web.bind.port}` };
    const codes = await Promise.all(["/", "/app.js", "/login", "/api/roster", link.pathname + link.search].map(async (path) => (await p.req(path, { headers: evil })).status));
    expect(codes).toEqual([403, 403, 403, 403, 403]);
    const keyed = await p.req("/api/op/status", json({}, { ...evil, "X-API-Key": p.key }));
    expect(keyed.status).toBe(403);
    // The link still works from the page's own address.
    const res = await p.req(link.pathname + link.search);
    expect([res.status, res.headers.get("location")]).toEqual([303, "/"]);
  });

  test("the API answers nobody without the key or a session (401), and the key alone is enough for a script", async () => {
    await using alice = await startNode("alice", { discoverable: false });
    await using p = page(alice);
    const none = await Promise.all([p.req("/api/roster"), p.req("/api/events"), p.req("/api/op/status", json({})), p.req("/api/op/status", json({}, { "X-API-Key": "not-the-key" }))]);
    expect(none.map((r) => r.status)).toEqual([401, 401, 401, 401]);
    expect(((await none[0]!.json()) as { error: { message: string } }).error.message).toContain("p2pchat web");
    const res = await p.req("/api/op/status", json({}, { "X-API-Key": p.key }));
    expect(res.status).toBe(200);
    expect(((await res.json()) as { result: { name: string } }).result.name).toBe("alice");
    // The page itself sends a browser without a session to the sign-in page.
    const root = await p.req("/");
    expect([root.status, root.headers.get("location")]).toEqual([303, "/login"]);
  });

  test("a login link opens an HttpOnly, SameSite=Strict session once; a spent one says so", async () => {
    await using alice = await startNode("alice", { discoverable: false });
    await using p = page(alice);
    const link = new URL(p.web.loginLink());
    const first = await p.req(link.pathname + link.search);
    const cookie = first.headers.get("set-cookie") ?? "";
    expect(cookie).toMatch(/^p2pchat-[A-Z2-7]{7}=[\w-]{43}; Path=\/; HttpOnly; SameSite=Strict$/);
    const again = await p.req(link.pathname + link.search);
    expect([again.status, again.headers.get("location"), again.headers.get("set-cookie")]).toEqual([303, "/login?spent", null]);
    const home = await p.req("/", { headers: { cookie: cookie.split(";")[0]! } });
    expect(home.status).toBe(200);
    expect(await home.text()).toContain('<script type="module" src="/app.js">');
  });

  test("with a session, a state change needs the CSRF token (403 without, nothing stored), and a request from another origin is refused", async () => {
    await using alice = await startNode("alice", { discoverable: false });
    await alice.node.book.add("bob", "127.0.0.1:9");
    await using p = page(alice);
    const { cookie, csrf } = await p.session();
    const send = (headers: Record<string, string>) => p.req("/api/op/send", json({ peer: "bob", text: "hi" }, { cookie, ...headers }));
    const refused = await Promise.all([send({}), send({ "X-CSRF-Token": "wrong" }), send({ "X-CSRF-Token": csrf, Origin: "http://evil.example" })]);
    expect(refused.map((r) => r.status)).toEqual([403, 403, 403]);
    expect(await alice.node.session.history({ peer: "bob", limit: 10 })).toEqual([]);
    const ok = await send({ "X-CSRF-Token": csrf, Origin: p.origin });
    expect(ok.status).toBe(200);
    const { result } = (await ok.json()) as { result: { id: string; peer: string } };
    expect((await alice.node.session.history({ peer: "bob", limit: 10 })).map((e) => [e.id, e.text])).toEqual([[result.id, "hi"]]);
    // Reading needs no token: GET changes nothing.
    expect((await p.req("/api/roster", { headers: { cookie } })).status).toBe(200);
  });

  test("operations are the control table's: arguments checked by name, an unknown one 404, a form post 415", async () => {
    await using alice = await startNode("alice", { discoverable: false });
    await using p = page(alice);
    const key = { "X-API-Key": p.key };
    const bad = await p.req("/api/op/send", json({ peer: "bob" }, key));
    expect([bad.status, await bad.json()]).toEqual([400, { error: { code: "CONTROL_FAILED", message: 'bad request "send": "text" is not a string' } }]);
    const unknown = await p.req("/api/op/format", json({}, key));
    expect(unknown.status).toBe(404);
    const notContact = await p.req("/api/op/send", json({ peer: "nobody", text: "hi" }, key));
    expect([notContact.status, ((await notContact.json()) as { error: { code: string } }).error.code]).toEqual([400, "NOT_A_CONTACT"]);
    const form = await p.req("/api/op/status", { method: "POST", headers: { ...key, "Content-Type": "text/plain" }, body: "{}" });
    expect(form.status).toBe(415);
    const get = await p.req("/api/op/status", { headers: key });
    expect(get.status).toBe(405);
  });

  test("every answer carries the CSP, no framing, no sniffing, and no CORS header, even to another origin's preflight", async () => {
    await using alice = await startNode("alice", { discoverable: false });
    await using p = page(alice);
    const origin = { Origin: "http://evil.example" };
    const answers = await Promise.all([
      p.req("/login"),
      p.req("/app.js"),
      p.req("/api/roster", { headers: { ...origin, "X-API-Key": p.key } }),
      p.req("/api/op/status", { method: "OPTIONS", headers: { ...origin, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "x-api-key" } }),
      p.req("/nothing-here"),
    ]);
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 401, 404]);
    for (const r of answers) {
      expect(r.headers.get("content-security-policy")).toBe("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'");
      expect([r.headers.get("x-frame-options"), r.headers.get("x-content-type-options"), r.headers.get("referrer-policy")]).toEqual(["DENY", "nosniff", "no-referrer"]);
      expect([...r.headers.keys()].filter((k) => k.startsWith("access-control-"))).toEqual([]);
    }
    expect(answers[1]!.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
  });

  test("the node's events arrive live on /api/events; a peer's markup arrives as the text it is", async () => {
    await using alice = await startNode("alice");
    await using bob = await startNode("bob");
    await befriend(alice, bob);
    await using p = page(alice);
    const res = await p.req("/api/events", { headers: { "X-API-Key": p.key } });
    expect([res.status, res.headers.get("content-type")]).toEqual([200, "text/event-stream; charset=utf-8"]);
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    const text = "<img src=x onerror=alert(1)>";
    await bob.node.send("alice", text);
    let got = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`the stream ended: ${got}`);
      got += value;
      const event = got.split("\n").find((l) => l.startsWith("data: ") && l.includes('"type":"message"'));
      if (event) {
        expect((JSON.parse(event.slice(6)) as { entry: { peer: string; text: string } }).entry).toMatchObject({ peer: "bob", text });
        break;
      }
    }
    // Stopping the page tells the stream why, then ends it.
    p.web.stop("the node stopped for the test");
    let rest = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      rest += value;
    }
    expect(rest).toContain(`"type":"stopped","reason":"the node stopped for the test"`);
  });

  test("the page says where it is in the home, with the API key beside it, both owner-only; stopping removes the address", async () => {
    await using alice = await startNode("alice", { discoverable: false });
    const p = page(alice);
    expect(readWebPlace(alice.home)).toEqual({ origin: p.origin, pid: process.pid });
    // Where files have modes (not Windows: its home is private through the user's profile).
    if (noFileModes === null) {
      expect(statSync(join(alice.home, "web-api-key")).mode & 0o777).toBe(0o600);
      expect(statSync(join(alice.home, "web.json")).mode & 0o777).toBe(0o600);
    }
    await p[Symbol.asyncDispose]();
    expect(readWebPlace(alice.home)).toBeNull();
  });
});
