// How a command reaches a node. One node per home: the process that runs it
// (serve, or a chat or send started without one) also opens the control
// socket, so every other command, in any terminal, attaches to it, and
// serves the page (src/web/), so a browser does too.
import { ControlClient } from "../control/client.ts";
import { ControlServer } from "../control/server.ts";
import { LocalApi } from "../control/local.ts";
import type { NodeApi } from "../control/api.ts";
import { NodeError } from "../domain/node-error.ts";
import { openLocalStore, type Local } from "../home/open-local.ts";
import { ChatNode, type NodeOptions } from "../node/node.ts";
import type { Config } from "../home/home.ts";
import type { ReachOptions } from "../reach/reach-service.ts";
import type { WebServer } from "../web/web-server.ts";
import { local } from "./context.ts";
import { UsageError } from "./exit-codes.ts";
import { reachOptions } from "./args/reach-args.ts";
import { webChoice, type WebChoice } from "./args/web-args.ts";
import { startPage } from "./web/web-face.ts";

export interface ConnectOptions {
  /** The command, named to a second node that finds the home taken. */
  command: string;
  /** For this run only (not saved): start discoverable or hidden. Ignored when attaching. Default: the config's. */
  discoverable?: boolean;
  /** Asked only when this command will run the node itself (nothing to attach to): discoverable for this run? */
  ask?: (saved: boolean) => Promise<boolean>;
  /** Finding and being found, when this command runs the node (default: the config's). */
  reach?: (config: Config) => ReachOptions;
  /** Where the page is served, when this command runs the node (default: the config's). */
  web?: (config: Config) => WebChoice;
}

export interface Connection {
  api: NodeApi;
  local: Local;
  /** True when attached to a node another process runs. */
  attached: boolean;
}

/** How long a command waits for a node that holds the home but does not answer yet (it is starting). */
const ATTACH_WAIT_MS = 3_000;

/** The node running for this home (attached), or one started here, with its control socket, for as long as the command runs. */
export async function connectNode(opts: ConnectOptions): Promise<Connection> {
  const l = await local();
  const remote = await ControlClient.connect(l.home);
  if (remote) return { api: remote, local: l, attached: true };
  const page = pageChoice(l, opts);
  let node: ChatNode;
  let asked = false;
  try {
    asked = opts.discoverable === undefined && opts.ask !== undefined;
    const discoverable = opts.discoverable ?? (opts.ask ? await opts.ask(l.config.discoverable) : l.config.discoverable);
    const reach = opts.reach ? opts.reach(l.config) : reachOptions({}, l.config);
    node = await startNode(l, { command: opts.command, discoverable, dialOnlyIfPortTaken: true, reach });
  } catch (err) {
    const attached = await attachAfterAll(l, err);
    // Another process took the home while we asked: its node runs, as it is.
    if (asked) process.stderr.write(`p2pchat: a node started for this home meanwhile: attached to it, so your answer does not apply (use /discoverable on|off)\n`);
    return { api: attached, local: l, attached: true };
  }
  const control = await openControl(l, node);
  // A page that cannot be served does not stop a chat or a send: said, and the command goes on.
  let web: WebServer | null = null;
  try {
    web = page && startPage(l, node, page);
  } catch (err) {
    process.stderr.write(`p2pchat: no page this run: ${(err as Error).message}\n`);
  }
  const api = new HostingApi(node, control, web, opts.command);
  return { api, local: l, attached: false };
}

/** Where this command's node serves the page: a mistyped flag stops the command (exit 2), a config that cannot be followed only the page. */
function pageChoice(l: Local, opts: ConnectOptions): WebChoice | null {
  try {
    return opts.web ? opts.web(l.config) : webChoice({}, l.config);
  } catch (err) {
    if (err instanceof UsageError) throw err;
    process.stderr.write(`p2pchat: no page this run: ${(err as Error).message}\n`);
    return null;
  }
}

/** Runs the node for this home (serve): started with its control socket, so every other command attaches to it, and its page. */
export async function hostNode(l: Local, opts: Partial<NodeOptions>, web: WebChoice): Promise<{ node: ChatNode; control: ControlServer; web: WebServer | null }> {
  const node = await startNode(l, opts);
  const control = await openControl(l, node);
  try {
    return { node, control, web: startPage(l, node, web) };
  } catch (err) {
    control.stop();
    await node.stop();
    throw err;
  }
}

/** The control socket of the node just started here; without one, the node stops again. */
async function openControl(l: Local, node: ChatNode): Promise<ControlServer> {
  try {
    return await ControlServer.start(l.home, node);
  } catch (err) {
    await node.stop();
    throw err;
  }
}

/** A node in this process for a short task (contacts, requests, cancel) when none runs: hidden, no control socket. */
export async function withNode<T>(command: string, fn: (api: NodeApi) => Promise<T>): Promise<T> {
  const l = await local();
  let api: NodeApi | null = await ControlClient.connect(l.home);
  if (!api) {
    try {
      api = new LocalApi(await startNode(l, { command, discoverable: false, maintenance: false, transient: true, reach: { lan: false, upnp: false, dht: false } }), { ownsNode: true });
    } catch (err) {
      api = await attachAfterAll(l, err);
    }
  }
  try {
    return await fn(api);
  } finally {
    await api.close();
  }
}

async function startNode(l: Local, opts: Partial<NodeOptions>): Promise<ChatNode> {
  const store = await openLocalStore(l);
  try {
    return await ChatNode.start({ local: l, store, ...opts });
  } catch (err) {
    await store.close().catch(() => {});
    throw err;
  }
}

/** Another process took the home first: attach to it once its control socket answers, else say who holds it. */
async function attachAfterAll(l: Local, err: unknown): Promise<ControlClient> {
  if (!(err instanceof NodeError) || err.code !== "ALREADY_RUNNING") throw err;
  const deadline = Date.now() + ATTACH_WAIT_MS;
  while (Date.now() < deadline) {
    const remote = await ControlClient.connect(l.home);
    if (remote) return remote;
    await Bun.sleep(50);
  }
  throw err;
}

/** The node this command hosts: closing it tells attached terminals plainly, then stops. */
class HostingApi extends LocalApi {
  constructor(
    node: ChatNode,
    private readonly control: ControlServer,
    private readonly web: WebServer | null,
    private readonly command: string,
  ) {
    super(node, { ownsNode: true });
  }

  /** How many other commands are attached to the node this one runs. */
  get attachedOthers(): number {
    return this.control.attached;
  }

  override async close(): Promise<void> {
    const others = this.control.attached;
    const why = `the \`p2pchat ${this.command}\` that ran this node (pid ${process.pid}) quit`;
    this.control.stop(why);
    this.web?.stop(why);
    if (others > 0) {
      process.stderr.write(`p2pchat: ${others} other command${others === 1 ? " was" : "s were"} attached to this node: told that it stopped\n`);
    }
    await super.close();
  }
}
