// Network namespaces, the low level: run `ip`/`nft`, tell whether this
// machine can make namespaces at all, and clear what a crashed run with the
// same prefix left behind. Every namespace is named `PREFIX-NAME`; nothing
// here touches a namespace without that prefix, nor the host's own network.
import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Prefixes are short and dash-free, so `PREFIX-` names only this run's namespaces. */
const PREFIX_RE = /^[a-z][a-z0-9]{0,9}$/;
/** Names become interface names too (15 bytes at most, with a 2-byte tag). */
export const NAME_RE = /^[a-z][a-z0-9]{0,11}$/;

/**
 * The namespace prefix for one test file: P2PCHAT_NET_PREFIX (default "pn")
 * followed by the file's own tag, so two files, or two checkouts that set
 * different prefixes, never share a namespace.
 */
export function netPrefix(tag: string): string {
  const p = `${process.env.P2PCHAT_NET_PREFIX ?? "pn"}${tag}`;
  checkPrefix(p);
  return p;
}

export function checkPrefix(prefix: string): void {
  if (!PREFIX_RE.test(prefix)) throw new Error(`bad namespace prefix ${JSON.stringify(prefix)}: use 1-10 of [a-z0-9], starting with a letter`);
}

/** Where a testbed keeps its files (miniupnpd's config and leases). */
export function prefixDir(prefix: string): string {
  return join(tmpdir(), `p2pchat-net-${prefix}`);
}

export interface RunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion; throws with its stderr when it fails (unless `check: false`). */
export async function run(argv: string[], opts: { check?: boolean; stdin?: string } = {}): Promise<RunResult> {
  const proc = Bun.spawn(argv, {
    stdin: opts.stdin !== undefined ? new TextEncoder().encode(opts.stdin) : "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, exitCode] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  if (exitCode !== 0 && opts.check !== false) throw new Error(`${argv.join(" ")}: exit ${exitCode}: ${stderr.trim()}`);
  return { exitCode, stdout, stderr };
}

/** `ip -n NS ...`: one `ip` command inside a namespace. */
export function ipIn(ns: string, ...args: string[]): Promise<RunResult> {
  return run(["ip", "-n", ns, ...args]);
}

/** Runs argv inside the namespace (`ip netns exec NS argv...`). */
export function inNs(ns: string, argv: string[]): string[] {
  return ["ip", "netns", "exec", ns, ...argv];
}

/**
 * Sets a sysctl inside the namespace by writing /proc/sys (which shows the
 * writer's own namespace), so that no `sysctl` binary (procps) is needed.
 * `optional`: a key this kernel lacks is skipped.
 */
export async function sysctl(ns: string, key: string, value: string, opts: { optional?: boolean } = {}): Promise<void> {
  const path = `/proc/sys/${key.replaceAll(".", "/")}`;
  const script = opts.optional ? `[ ! -e "$1" ] || printf %s "$2" > "$1"` : `printf %s "$2" > "$1"`;
  await run(inNs(ns, ["sh", "-c", script, "sh", path, value]));
}

const DEBIAN_PACKAGE: Record<string, string> = { ip: "iproute2", nft: "nftables", miniupnpd: "miniupnpd-nftables", strelaysrv: "syncthing-relaysrv" };

/**
 * Null when this process can build namespaces, else why not (tests skip with
 * it). Checks root, `ip`, `nft` and any other `tools` the test runs (such as
 * miniupnpd), then makes and deletes `PREFIX-probe`.
 */
export async function netnsUnavailable(prefix: string, opts: { tools?: string[] } = {}): Promise<string | null> {
  checkPrefix(prefix);
  if (process.platform !== "linux") return `network namespaces, nftables and miniupnpd are Linux's (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return "network namespaces need root (CI runs as root)";
  for (const tool of ["ip", "nft", ...(opts.tools ?? [])])
    if (!Bun.which(tool, { PATH: `${process.env.PATH ?? ""}:/usr/sbin:/sbin` })) return `\`${tool}\` is not installed (Debian: ${DEBIAN_PACKAGE[tool] ?? tool})`;
  const probeNs = `${prefix}-probe`;
  const made = await run(["ip", "netns", "add", probeNs], { check: false });
  if (made.exitCode !== 0) return `cannot make a network namespace: ${made.stderr.trim()}`;
  try {
    const veth = await run(["ip", "-n", probeNs, "link", "add", "p0", "type", "veth", "peer", "name", "p1"], { check: false });
    if (veth.exitCode !== 0) return `cannot make a veth pair: ${veth.stderr.trim()}`;
    const nft = await run(inNs(probeNs, ["nft", "add", "table", "inet", "probe"]), { check: false });
    if (nft.exitCode !== 0) return `nftables does not work in a namespace: ${nft.stderr.trim()}`;
  } finally {
    await run(["ip", "netns", "del", probeNs], { check: false });
  }
  return null;
}

/** The namespaces named `PREFIX-...`, from `ip netns list`. */
export async function namespacesWithPrefix(prefix: string): Promise<string[]> {
  checkPrefix(prefix);
  const { stdout } = await run(["ip", "netns", "list"]);
  return stdout
    .split("\n")
    .map((l) => l.split(" ")[0] ?? "")
    .filter((n) => n.startsWith(`${prefix}-`));
}

/**
 * Ends the processes still running in these namespaces (ours: only our runs
 * start processes in `PREFIX-` namespaces) and deletes the namespaces. The
 * veth pairs and bridges inside go with them.
 */
export async function deleteNamespaces(names: string[]): Promise<void> {
  for (const ns of names) {
    const { stdout } = await run(["ip", "netns", "pids", ns], { check: false });
    for (const pid of stdout.split(/\s+/).filter(Boolean).map(Number)) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
  }
  for (const ns of names) await run(["ip", "netns", "del", ns], { check: false });
}

/** Clears a previous (crashed) run with this prefix: its namespaces, their processes, its files. */
export async function cleanPrefix(prefix: string): Promise<void> {
  await deleteNamespaces(await namespacesWithPrefix(prefix));
  rmSync(prefixDir(prefix), { recursive: true, force: true });
}

/** The same, synchronously, for a process that is exiting with testbeds still up. */
export function deleteNamespacesSync(names: string[]): void {
  for (const ns of names) {
    const out = Bun.spawnSync(["ip", "netns", "pids", ns]).stdout.toString();
    for (const pid of out.split(/\s+/).filter(Boolean).map(Number)) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    Bun.spawnSync(["ip", "netns", "del", ns]);
  }
}
