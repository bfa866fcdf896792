// A LAN in network namespaces for beacon tests: one namespace holding a
// bridge, and one per node with a veth `eth0` on it. Every interface is
// created inside a namespace (none ever appears in the host's), and every
// namespace is named PREFIX-..., deleted on dispose and on process exit; a
// run that crashed is cleared by the next one (its pid is in the prefix).
import { existsSync } from "node:fs";

const ROOT = "h6l";

export interface LanOptions {
  /** IPv4 addresses 10.77.0.N/24. Default true. */
  ipv4?: boolean;
  /** With IPv4, a default route on eth0: without one, 255.255.255.255 is unreachable. Default true. */
  defaultRoute?: boolean;
  /** IPv6 on, link-local addresses usable at once (no DAD). Default true. */
  ipv6?: boolean;
}

export interface Lan extends AsyncDisposable {
  prefix: string;
  /** The namespace of a node. */
  ns(node: string): string;
  /** 10.77.0.N of a node (null without IPv4). */
  ipv4(node: string): string | null;
  /** The node's link-local address with its zone, "fe80::...%eth0" (null without IPv6). */
  ipv6(node: string): string | null;
}

function sh(argv: string[], check = true): { ok: boolean; out: string; err: string } {
  const r = Bun.spawnSync(argv, { stdout: "pipe", stderr: "pipe" });
  const res = { ok: r.exitCode === 0, out: r.stdout.toString(), err: r.stderr.toString().trim() };
  if (check && !res.ok) throw new Error(`${argv.join(" ")}: ${res.err}`);
  return res;
}

function namespaces(): string[] {
  return sh(["ip", "netns", "list"], false)
    .out.split("\n")
    .map((l) => l.split(" ")[0] ?? "")
    .filter(Boolean);
}

function deleteNamespaces(names: string[]): void {
  for (const ns of names) {
    for (const pid of sh(["ip", "netns", "pids", ns], false).out.split(/\s+/).filter(Boolean)) {
      try {
        process.kill(Number(pid), "SIGKILL");
      } catch {}
    }
  }
  for (const ns of names) sh(["ip", "netns", "del", ns], false);
}

/** Deletes what runs of this file left when they crashed: h6l<pid>-* with that pid gone. */
function clearCrashedRuns(): void {
  const stale = namespaces().filter((n) => {
    const m = new RegExp(`^${ROOT}(\\d+)-`).exec(n);
    return m && Number(m[1]) !== process.pid && !existsSync(`/proc/${m[1]}`);
  });
  deleteNamespaces(stale);
}

/** Null when namespaces can be made here, else why not (the tests skip, saying so). */
export function lanUnavailable(): string | null {
  if (process.platform !== "linux") return `network namespaces are Linux's (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return "network namespaces need root (CI runs as root)";
  if (!Bun.which("ip")) return "`ip` is not installed (Debian: iproute2)";
  const probe = `${ROOT}${process.pid}-probe`;
  const made = sh(["ip", "netns", "add", probe], false);
  if (!made.ok) return `cannot make a network namespace: ${made.err}`;
  try {
    const br = sh(["ip", "-n", probe, "link", "add", "br0", "type", "bridge"], false);
    if (!br.ok) return `cannot make a bridge: ${br.err}`;
    const veth = sh(["ip", "-n", probe, "link", "add", "v0", "type", "veth", "peer", "name", "v1"], false);
    if (!veth.ok) return `cannot make a veth pair: ${veth.err}`;
  } finally {
    sh(["ip", "netns", "del", probe], false);
  }
  return null;
}

const live = new Set<string>();
process.on("exit", () => deleteNamespaces([...live]));

let counter = 0;

/** Nodes named [a-z]{1,8} on one bridge. */
export function makeLan(nodes: string[], opts: LanOptions = {}): Lan {
  clearCrashedRuns();
  const ipv4 = opts.ipv4 ?? true;
  const ipv6 = opts.ipv6 ?? true;
  const prefix = `${ROOT}${process.pid}-${counter++}`;
  const made: string[] = [];
  const mk = (ns: string) => {
    sh(["ip", "netns", "add", ns]);
    made.push(ns);
    live.add(ns);
    sh(["ip", "-n", ns, "link", "set", "lo", "up"]);
  };
  const inNs = (ns: string, ...argv: string[]) => sh(["ip", "netns", "exec", ns, ...argv]);
  const dispose = () => {
    deleteNamespaces(made);
    for (const ns of made) live.delete(ns);
  };
  try {
    const br = `${prefix}-br`;
    mk(br);
    sh(["ip", "-n", br, "link", "add", "br0", "type", "bridge", "mcast_snooping", "0"]);
    sh(["ip", "-n", br, "link", "set", "br0", "up"]);
    nodes.forEach((node, i) => {
      if (!/^[a-z]{1,8}$/.test(node)) throw new Error(`node name ${node}: use 1-8 of a-z`);
      const ns = `${prefix}-${node}`;
      mk(ns);
      // Before eth0 exists, so it inherits these from `default`.
      inNs(ns, "sysctl", "-qw", `net.ipv6.conf.default.disable_ipv6=${ipv6 ? 0 : 1}`, "net.ipv6.conf.default.accept_dad=0");
      sh(["ip", "-n", ns, "link", "add", "eth0", "type", "veth", "peer", "name", `p${node}`, "netns", br]);
      sh(["ip", "-n", br, "link", "set", `p${node}`, "master", "br0", "up"]);
      if (ipv4) sh(["ip", "-n", ns, "addr", "add", `10.77.0.${i + 1}/24`, "dev", "eth0"]);
      sh(["ip", "-n", ns, "link", "set", "eth0", "up"]);
      if (ipv4 && (opts.defaultRoute ?? true)) sh(["ip", "-n", ns, "route", "add", "default", "dev", "eth0"]);
    });
  } catch (err) {
    dispose();
    throw err;
  }
  return {
    prefix,
    ns: (node) => `${prefix}-${node}`,
    ipv4: (node) => (ipv4 ? `10.77.0.${nodes.indexOf(node) + 1}` : null),
    ipv6: (node) => {
      if (!ipv6) return null;
      const m = /inet6 (fe80::[0-9a-f:]+)\//.exec(sh(["ip", "-n", `${prefix}-${node}`, "-6", "addr", "show", "dev", "eth0"]).out);
      return m ? `${m[1]}%eth0` : null;
    },
    [Symbol.asyncDispose]: async () => dispose(),
  };
}
