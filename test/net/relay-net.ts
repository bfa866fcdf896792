// The relay tests' world: a relay on the internet segment (Debian's
// strelaysrv or `p2pchat relay`), alice behind router A and bob behind router
// B, neither router mapping ports, so nothing but the relay connects them.
// Each user is a real `p2pchat` (source, or P2PCHAT_BIN) run inside the
// user's namespace: `serve` in the background, every other command attached
// to it through the control socket in the user's home.
//
//   relay 198.51.100.10:22067 ─┐
//                              ├─ inet ─┬─ router A 11.0.0.2 (NAT only) ── alice 192.168.1.10
//                              │        └─ router B 11.0.0.3 (NAT only) ── bob   192.168.2.10
import { join } from "node:path";
import { parseRelayUri, type RelayAddress } from "../../src/reach/relay/uri.ts";
import { cliCommand, cliEnv, type CliResult } from "../helpers/cli.ts";
import { tempDir, type TempDir } from "../helpers/tmp.ts";
import { eventually, pollUntil } from "../helpers/wait.ts";
import type { Host, Router } from "./host.ts";
import { inNs } from "./netns.ts";
import type { NsProcess } from "./process.ts";
import { Testbed } from "./testbed.ts";

export type RelayKind = "strelaysrv" | "p2pchat relay";

/** Syncthing's default relay port; every server host has its own address, so it is free. */
export const RELAY_PORT = 22067;

/** The relay's environment and ours: no colour, no inherited P2PCHAT_* settings, discovery off (the relay is all these tests want). */
function childEnv(): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = {};
  for (const k of Object.keys(process.env)) if (k.startsWith("P2PCHAT_") || k === "FORCE_COLOR") env[k] = undefined;
  return { ...env, ...cliEnv() };
}

export class NetRelay {
  proc!: NsProcess;
  uri = "";

  private constructor(
    readonly kind: RelayKind,
    readonly host: Host,
    private readonly dir: string,
    /** More flags for `p2pchat relay` (a rate limit). */
    private readonly extra: string[] = [],
  ) {}

  /** Starts the relay on a new server host and waits until it accepts connections. */
  static async start(tb: Testbed, kind: RelayKind, dir: string, extra: string[] = []): Promise<NetRelay> {
    const host = await tb.addServer("relay");
    const r = new NetRelay(kind, host, dir, extra);
    await r.launch();
    return r;
  }

  get relay(): RelayAddress {
    return parseRelayUri(this.uri);
  }

  /** HOST:PORT as `status` shows it after "via relay". */
  get hostPort(): string {
    return `${this.host.address}:${RELAY_PORT}`;
  }

  /** kill -9: the relay ends without a word to anyone. */
  async kill(): Promise<void> {
    await this.proc.stop("SIGKILL");
  }

  /** Starts it again on the same address and port with the same keys (so the same relay id). */
  async restart(): Promise<void> {
    await this.kill();
    const before = this.uri;
    await this.launch();
    if (this.relay.id !== parseRelayUri(before).id) throw new Error(`the restarted relay has another id: ${this.uri} (was ${before})`);
  }

  private async launch(): Promise<void> {
    const listen = `${this.host.address}:${RELAY_PORT}`;
    if (this.kind === "strelaysrv") {
      const flags = [`-keys=${this.dir}`, `-listen=${listen}`, "-pools=", "-status-srv=", "-nat=false", "-protocol=tcp4"];
      this.proc = this.host.spawn(["strelaysrv", ...flags], { cwd: this.dir, env: childEnv() });
      const line = await this.proc.waitFor(/URI: relay:\/\//, { stream: "stderr", timeoutMs: 20_000 });
      this.uri = /URI: (relay:\/\/\S+)/.exec(line)![1]!;
      // strelaysrv prints its URI before it listens.
      await this.untilListening();
    } else {
      const argv = cliCommand(["relay", "--home", this.dir, "--host", this.host.address, "--port", String(RELAY_PORT), ...this.extra]);
      this.proc = this.host.spawn(argv, { env: childEnv() });
      const line = await this.proc.waitFor(/^ready: relay relay:\/\//, { timeoutMs: 20_000 });
      this.uri = /^ready: relay (relay:\/\/\S+)/.exec(line)![1]!;
    }
  }

  private async untilListening(timeoutMs = 10_000): Promise<void> {
    // bash's /dev/tcp: one connect from inside the relay's namespace. A poll: a refused connect has no event to wait on.
    const connects = () => this.host.exec(["bash", "-c", `exec 3<>/dev/tcp/${this.host.address}/${RELAY_PORT}`]).then((r) => r.exitCode === 0);
    await eventually(connects, `${this.kind} to listen on ${this.hostPort}`, timeoutMs);
  }
}

/** A p2pchat user on a host of the testbed: a home of its own, `serve` there, commands run in the host's namespace. */
export class NetUser {
  peerId = "";
  serveProc: NsProcess | null = null;

  constructor(
    readonly name: string,
    readonly host: Host,
    readonly home: string,
  ) {}

  async init(): Promise<void> {
    const r = await this.cli(["init", "--name", this.name]);
    if (r.exitCode !== 0) throw new Error(`init ${this.name}: ${r.stderr}`);
    this.peerId = r.stdout.split(" ")[1]!;
  }

  /** Runs one p2pchat command in this user's namespace (attached to the serve when one runs). */
  async cli(args: string[], opts: { stdin?: string | Blob } = {}): Promise<CliResult> {
    const proc = Bun.spawn(inNs(this.host.ns, cliCommand([...args, "--home", this.home])), {
      env: cliEnv(),
      stdin: typeof opts.stdin === "string" ? new TextEncoder().encode(opts.stdin) : (opts.stdin ?? "ignore"),
      stdout: "pipe",
      stderr: "pipe",
    });
    const [stdout, stderr, exitCode] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
    return { stdout, stderr, exitCode };
  }

  /** The same in the background (a long chat): its lines are watched as they come. */
  spawn(args: string[]): NsProcess {
    return this.host.spawn(cliCommand([...args, "--home", this.home]), { env: childEnv() });
  }

  /** `p2pchat serve` joined to `relays`, until its ready line. */
  async serve(relays: string[], extra: string[] = []): Promise<NsProcess> {
    const p = this.spawn(["serve", ...relays.flatMap((r) => ["--relay", r]), ...extra]);
    await p.waitFor(/^ready: /, { timeoutMs: 20_000 });
    this.serveProc = p;
    return p;
  }

  /** Runs the command and requires exit 0; its stdout. */
  async ok(args: string[], opts: { stdin?: string | Blob } = {}): Promise<string> {
    const r = await this.cli(args, opts);
    if (r.exitCode !== 0) throw new Error(`${this.name}: p2pchat ${args.join(" ")}: exit ${r.exitCode}\nstdout: ${r.stdout}\nstderr: ${r.stderr}\nserve:\n${this.serveProc?.transcript() ?? ""}`);
    return r.stdout;
  }

  /** Until `status` shows `line` (the relay joined, a link up); a poll: status has no event to wait on from outside. */
  async untilStatus(re: RegExp, timeoutMs = 20_000): Promise<string> {
    try {
      return await pollUntil(() => this.ok(["status"]), (out) => re.test(out), `${this.name}'s status to match ${re}`, { timeoutMs, everyMs: 100 });
    } catch (err) {
      throw new Error(`${(err as Error).message}\nserve:\n${this.serveProc?.transcript() ?? ""}`);
    }
  }
}

export interface RelayWorld extends AsyncDisposable {
  tb: Testbed;
  relay: NetRelay;
  routerA: Router;
  routerB: Router;
  alice: NetUser;
  bob: NetUser;
}

/** The testbed, the relay running on it (with `extra` flags: p2pchat relay only), alice and bob initialised (nothing served yet). */
export async function relayWorld(prefix: string, kind: RelayKind, extra: string[] = []): Promise<RelayWorld> {
  const dirs: TempDir[] = [];
  const dir = async (what: string) => {
    const d = await tempDir(`p2pchat-net-${what}-`);
    dirs.push(d);
    return d.path;
  };
  const tb = await Testbed.create(prefix);
  const dispose = async () => {
    await tb.destroy();
    for (const d of dirs) await d[Symbol.asyncDispose]();
  };
  try {
    const relay = await NetRelay.start(tb, kind, await dir("relay"), extra);
    const routerA = await tb.addRouter("ra");
    const routerB = await tb.addRouter("rb");
    const alice = new NetUser("alice", await tb.addHost("alice", routerA), join(await dir("alice"), "home"));
    const bob = new NetUser("bob", await tb.addHost("bob", routerB), join(await dir("bob"), "home"));
    await Promise.all([alice.init(), bob.init()]);
    return { tb, relay, routerA, routerB, alice, bob, [Symbol.asyncDispose]: dispose };
  } catch (e) {
    await dispose();
    throw e;
  }
}
