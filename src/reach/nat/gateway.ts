// Which gateway to ask, and which of our addresses it sees: the IPv4 default
// route's gateway (Linux: /proc/net/route; macOS and the BSDs: `route -n get
// default`; Windows: `route print`), and the local address the kernel picks
// to reach it (a connected UDP socket, nothing sent).
import dgram from "node:dgram";
import { readFile } from "node:fs/promises";

/** The IPv4 default gateway, or null when there is none (or it cannot be read). */
export async function defaultGateway(): Promise<string | null> {
  try {
    if (process.platform === "linux") return parseProcNetRoute(await readFile("/proc/net/route", "utf8"));
    if (process.platform === "win32") return parseRoutePrint(await output(["route", "print", "-4", "0.0.0.0"]));
    return parseRouteGet(await output(["route", "-n", "get", "default"]));
  } catch {
    return null;
  }
}

/**
 * /proc/net/route: tab-separated, addresses as little-endian hex. The default
 * route has destination 00000000 and the gateway flag (0x2); the lowest
 * metric wins.
 */
export function parseProcNetRoute(text: string): string | null {
  let best: { gw: string; metric: number } | null = null;
  for (const line of text.split("\n").slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 8 || f[1] !== "00000000" || f[7] !== "00000000") continue;
    if ((parseInt(f[3]!, 16) & 0x2) === 0) continue;
    const n = parseInt(f[2]!, 16);
    const gw = [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, n >>> 24].join(".");
    const metric = Number(f[6]);
    if (!best || metric < best.metric) best = { gw, metric };
  }
  return best?.gw ?? null;
}

/** `route -n get default` (macOS, BSD): "gateway: 192.168.1.1". */
export function parseRouteGet(text: string): string | null {
  const m = /^\s*gateway:\s*(\d+\.\d+\.\d+\.\d+)\s*$/m.exec(text);
  return m ? m[1]! : null;
}

/** `route print -4 0.0.0.0` (Windows): the row "0.0.0.0  0.0.0.0  GATEWAY  INTERFACE  METRIC". */
export function parseRoutePrint(text: string): string | null {
  const m = /^\s*0\.0\.0\.0\s+0\.0\.0\.0\s+(\d+\.\d+\.\d+\.\d+)\s/m.exec(text);
  return m ? m[1]! : null;
}

/** The local IPv4 address the kernel uses to reach `ip` (no packet is sent). */
export async function localAddressTowards(ip: string): Promise<string | null> {
  const s = dgram.createSocket("udp4");
  try {
    await new Promise<void>((resolve, reject) => {
      s.once("error", reject);
      s.connect(9, ip, () => resolve());
    });
    const a = s.address().address;
    return a && a !== "0.0.0.0" ? a : null;
  } catch {
    return null;
  } finally {
    s.close();
  }
}

async function output(argv: string[]): Promise<string> {
  const p = Bun.spawn(argv, { stdout: "pipe", stderr: "ignore", stdin: "ignore" });
  const [text] = await Promise.all([new Response(p.stdout).text(), p.exited]);
  return text;
}
