// Real relays on loopback for the relay tests: Debian's strelaysrv (kept
// local: no pool announcement, no NAT, no status listener, its keys in a
// temporary folder) and `p2pchat relay` run from the CLI. Both can be killed
// with SIGKILL and started again on the same port with the same keys.
import type { Subprocess } from "bun";
import { parseRelayUri, type RelayAddress } from "../../src/reach/relay/uri.ts";
import { textLines } from "../../src/transport/lines.ts";
import { cliCommand, cliEnv } from "./cli.ts";
import { freePort } from "./ports.ts";
import { tempDir, type TempDir } from "./tmp.ts";
import { eventually } from "./wait.ts";

export interface RunningRelay extends AsyncDisposable {
  kind: "strelaysrv" | "p2pchat relay";
  relay: RelayAddress;
  port: number;
  /** SIGKILL, and wait until it is gone. */
  kill(): Promise<void>;
  /** Starts it again on the same port with the same identity. */
  restart(): Promise<void>;
}

export type RelayStarter = (extra?: string[]) => Promise<RunningRelay>;

export const STRELAYSRV = Bun.which("strelaysrv");

// strelaysrv cannot be told port 0: it announces the port it was given.
export { freePort };

/** Resolves with the first line matching `re` on a child's stream (the rest keeps being read, so the child never blocks on a full pipe). */
function watchLines(stream: ReadableStream<Uint8Array>, re: RegExp, timeoutMs: number, what: string): Promise<RegExpMatchArray> {
  const found = Promise.withResolvers<RegExpMatchArray>();
  const timer = setTimeout(() => found.reject(new Error(`${what}: no line matching ${re} within ${timeoutMs} ms`)), timeoutMs);
  void (async () => {
    for await (const line of textLines(stream)) {
      const m = re.exec(line);
      if (m) (clearTimeout(timer), found.resolve(m));
    }
    clearTimeout(timer);
    found.reject(new Error(`${what}: exited before printing ${re}`));
  })();
  return found.promise;
}

/** Waits until something accepts TCP connections on the port (strelaysrv prints its URI before it listens). */
async function untilListening(port: number, timeoutMs = 10_000): Promise<void> {
  // A poll: connect refused has no event to wait on.
  const connects = () =>
    Bun.connect({ hostname: "127.0.0.1", port, socket: { data() {} } }).then(
      (s) => (s.terminate(), true),
      () => false,
    );
  await eventually(connects, `something to listen on 127.0.0.1:${port}`, timeoutMs);
}

async function running(kind: RunningRelay["kind"], dir: TempDir, launch: () => Promise<{ proc: Subprocess; relay: RelayAddress }>): Promise<RunningRelay> {
  let { proc, relay } = await launch();
  const stopProc = async () => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGKILL");
    await proc.exited;
  };
  return {
    kind,
    get relay() {
      return relay;
    },
    get port() {
      return relay.port;
    },
    kill: stopProc,
    async restart() {
      await stopProc();
      ({ proc, relay } = await launch());
    },
    async [Symbol.asyncDispose]() {
      await stopProc();
      await dir[Symbol.asyncDispose]();
    },
  };
}

export const startStrelaysrv: RelayStarter = async (extra = []) => {
  if (!STRELAYSRV) throw new Error("strelaysrv is not installed (Debian package syncthing-relaysrv)");
  const dir = await tempDir("p2pchat-strelaysrv-");
  const port = await freePort();
  return running("strelaysrv", dir, async () => {
    const flags = [`-keys=${dir.path}`, `-listen=127.0.0.1:${port}`, "-pools=", "-status-srv=", "-nat=false", "-protocol=tcp4", ...extra];
    const proc = Bun.spawn([STRELAYSRV, ...flags], { cwd: dir.path, stdin: "ignore", stdout: "ignore", stderr: "pipe" });
    const m = await watchLines(proc.stderr, /URI: (relay:\/\/\S+)/, 20_000, "strelaysrv");
    await untilListening(port);
    return { proc, relay: parseRelayUri(m[1]!) };
  });
};

export const startP2pchatRelay: RelayStarter = async (extra = []) => {
  const dir = await tempDir("p2pchat-relay-");
  let port = 0;
  return running("p2pchat relay", dir, async () => {
    const proc = Bun.spawn(cliCommand(["relay", "--home", dir.path, "--host", "127.0.0.1", "--port", String(port), ...extra]), {
      env: cliEnv(),
      stdin: "ignore",
      stdout: "pipe",
      stderr: "ignore",
    });
    const m = await watchLines(proc.stdout, /^ready: relay (relay:\/\/\S+)/, 20_000, "p2pchat relay");
    const relay = parseRelayUri(m[1]!);
    port = relay.port;
    return { proc, relay };
  });
};

export const RELAYS: [string, RelayStarter][] = [
  ["strelaysrv", startStrelaysrv],
  ["p2pchat relay", startP2pchatRelay],
];
