// The page, served by the node's own process with Bun.serve: the chat for
// people who would rather click than type, beside the terminal's. Every
// request passes the guard (guard.ts) first; the page's files are inside
// the program (page-assets.ts); the API (web-api.ts) reaches the node only
// through control/'s operations and its event stream.
import type { Server } from "bun";
import type { NodeEvent } from "../control/api.ts";
import type { OpName } from "../control/ops.ts";
import { NodeError } from "../domain/node-error.ts";
import { EventStreams } from "./event-stream.ts";
import { Guard, type Caller } from "./guard.ts";
import { clearCookie, Login } from "./login.ts";
import { pageAsset } from "./page-assets.ts";
import { json, redirect, respond, text } from "./respond.ts";
import { Sessions } from "./sessions.ts";
import { MAX_UPLOAD, Uploads } from "./uploads.ts";
import { handleApi } from "./web-api.ts";
import { isLoopbackBind, pageOrigin, type WebBind } from "./web-address.ts";
import { clearWebPlace, loadOrCreateApiKey, writeWebPlace } from "./web-home.ts";

/** How long open requests may finish when the page stops. */
const STOP_GRACE_MS = 1_000;
/** Ports tried from the default one (20080, 20081...) before any free one. */
const PORT_TRIES = 20;

export interface WebDeps {
  home: string;
  /** Our peer id: names the session cookie, so two homes' pages on one machine keep theirs apart. */
  peerId: string;
  /** Runs a control operation with untyped JSON arguments (control/ops.ts runRequest). */
  run(op: OpName, args: unknown): Promise<unknown>;
  /** The node's events from now on; returns the way to stop. */
  subscribe(listener: (event: NodeEvent) => void): () => void;
  /** The page's password hash from the config, read when it is needed; null: none. */
  passwordHash(): string | null;
}

export interface WebOptions {
  bind: WebBind;
  /** The port was not asked for by name: when it is taken, try the next ones. */
  fallback: boolean;
  /** Bytes a file sent from the page may hold (MAX_UPLOAD unless said). */
  maxUpload?: number;
}

export class WebServer {
  private readonly sessions = new Sessions();
  private readonly streams: EventStreams;
  private readonly cookieName: string;
  /** Made once, then the same: whoever holds it may use the API. */
  private readonly apiKey: string;
  private server: Server<undefined> | null = null;
  private bound: WebBind;
  private guard: Guard;
  private readonly login: Login;
  private readonly uploads: Uploads;
  private readonly maxUpload: number;

  private constructor(
    private readonly d: WebDeps,
    private readonly opts: WebOptions,
  ) {
    this.streams = new EventStreams(d.subscribe);
    this.bound = opts.bind;
    this.cookieName = `p2pchat-${d.peerId.slice(0, 7)}`;
    this.apiKey = loadOrCreateApiKey(d.home);
    this.guard = this.guardFor(opts.bind);
    this.login = new Login({ sessions: this.sessions, cookieName: this.cookieName, passwordHash: () => d.passwordHash() });
    this.maxUpload = opts.maxUpload ?? MAX_UPLOAD;
    this.uploads = new Uploads({ home: d.home, run: d.run, subscribe: d.subscribe, maxBytes: this.maxUpload });
  }

  /**
   * Serves the page. Refuses (NO_PASSWORD) an address beyond loopback while
   * no password is set: anyone who reaches it would read your messages.
   */
  static start(d: WebDeps, opts: WebOptions): WebServer {
    if (!isLoopbackBind(opts.bind.host) && !d.passwordHash()) throw NodeError.webNeedsPassword(opts.bind.host);
    const web = new WebServer(d, opts);
    try {
      web.listen();
    } catch (err) {
      web.uploads.stop();
      throw err;
    }
    writeWebPlace(d.home, { origin: web.origin, pid: process.pid });
    // Copies of files sent from the page that an earlier run left behind.
    void web.uploads.sweep();
    return web;
  }

  /** Where it listens (the port picked, when 0 or taken). */
  get bind(): WebBind {
    return this.bound;
  }

  /** `http://HOST:PORT` for a browser on this machine. */
  get origin(): string {
    return pageOrigin(this.bound);
  }

  /** Reachable from other machines too (with the password). */
  get beyondLoopback(): boolean {
    return !isLoopbackBind(this.bound.host);
  }

  /** A link that opens a session once (what `p2pchat web` prints). */
  loginLink(): string {
    return `${this.origin}/login?token=${this.sessions.newLogin()}`;
  }

  private guardFor(bind: WebBind): Guard {
    return new Guard({ bind, apiKey: this.apiKey, sessions: this.sessions, cookieName: this.cookieName });
  }

  private listen(): void {
    const { host, port } = this.opts.bind;
    // The default's port and the next ones, then any free one: a page that was not asked for by port always finds one.
    const ports = this.opts.fallback && port !== 0 ? [...Array.from({ length: PORT_TRIES }, (_, i) => port + i).filter((p) => p <= 65535), 0] : [port];
    for (const [i, at] of ports.entries()) {
      try {
        this.server = Bun.serve({
          hostname: host,
          port: at,
          // No limit here, so an upload too large hears why (uploads.ts streams them to disk, up to its own limit);
          // every other body is read capped (body.ts), so none can hold more memory than MAX_BODY.
          maxRequestBodySize: Number.MAX_SAFE_INTEGER,
          idleTimeout: 60,
          fetch: (req, server) => this.handle(req, server),
          error: (err) => text(`p2pchat: ${err.message}\n`, 500),
        });
        this.bound = { host, port: this.server.port ?? at };
        // The Host check knows the port only now.
        this.guard = this.guardFor(this.bound);
        return;
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (code === "EADDRINUSE" && i + 1 < ports.length) continue;
        if (code === "EADDRINUSE") throw new NodeError("PORT_IN_USE", `cannot serve the page on ${host}:${at}: the port is taken (--web HOST:PORT picks another, --no-web serves none)`, { cause: err });
        throw new NodeError("LISTEN_FAILED", `cannot serve the page on ${host}:${at}: ${(err as Error).message}`, { cause: err });
      }
    }
  }

  /** Every request: the Host check, then the API or the page. */
  private handle(req: Request, server: Server<undefined>): Promise<Response> | Response {
    const refused = this.guard.checkHost(req);
    if (refused) return refused;
    const url = new URL(req.url);
    if (!url.pathname.startsWith("/api/")) return this.page(req, url);
    const who = this.guard.api(req);
    if (who instanceof Response) return who;
    if (url.pathname === "/api/events") server.timeout(req, 0); // a stream that stays open
    return handleApi(req, url, who, {
      run: (op, args) => this.d.run(op, args),
      events: this.streams,
      newLogin: () => this.sessions.newLogin(),
      logout: (c: Caller) => {
        if (c.by === "session") this.sessions.close(c.session.id);
        return clearCookie(this.cookieName);
      },
      origin: this.origin,
      uploads: this.uploads,
      maxUpload: this.maxUpload,
    });
  }

  /** The page's files, and signing in. */
  private async page(req: Request, url: URL): Promise<Response> {
    const path = url.pathname;
    if (path === "/login" && req.method === "POST") return this.guard.sameOrigin(req) ?? this.login.password(req);
    if (req.method !== "GET" && req.method !== "HEAD") return text("p2pchat: the page's files are only read (GET)\n", 405);
    const token = url.searchParams.get("token");
    if (path === "/login" && token !== null) return this.login.link(token);
    // What the sign-in page offers: the password form only when a password is set.
    if (path === "/login-info") return json({ password: this.d.passwordHash() !== null });
    // The chat itself only for a session; anyone else is shown how to open one.
    if ((path === "/" || path === "/index.html") && !this.guard.caller(req)) return redirect("/login");
    const asset = await pageAsset(path);
    if (!asset) return text("p2pchat: not found\n", 404);
    return respond(req.method === "HEAD" ? null : asset.body, 200, { "Content-Type": asset.type });
  }

  /** Stops serving: open pages are told `reason` (they say the node stopped). */
  stop(reason = "the node stopped"): void {
    this.streams.closeAll(reason);
    this.uploads.stop();
    // Gently, so the streams' last words reach the pages; whatever is still open a moment later is cut.
    const server = this.server;
    this.server = null;
    if (server) {
      void server.stop(false);
      setTimeout(() => void server.stop(true), STOP_GRACE_MS).unref();
    }
    clearWebPlace(this.d.home);
  }
}
