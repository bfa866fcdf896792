// One switch for everything that reaches beyond the addresses a user typed:
// LAN beacons, port mapping on the gateway and the public DHT bootstrap
// routers. P2PCHAT_DISCOVERY=off turns them all off (tests and benchmarks
// outside a network namespace set it, so nothing leaves the machine). What a
// user names explicitly (--dht-bootstrap, --relay) still works.

/** False when P2PCHAT_DISCOVERY=off (or 0/false/no). */
export function discoveryAllowed(env: Record<string, string | undefined> = process.env): boolean {
  const v = (env.P2PCHAT_DISCOVERY ?? "").trim().toLowerCase();
  return !(v === "off" || v === "0" || v === "false" || v === "no");
}
