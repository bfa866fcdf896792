// UDP on a testbed LAN: `listen PORT [GROUP6]` prints "ready" and then
// "FROM TEXT" for each datagram (IPv4 and IPv6, joining the IPv6 multicast
// GROUP6 on eth0 if given); `send ADDRESS PORT TEXT` sends one datagram
// (broadcast allowed; IPv6 link-local needs the %eth0 zone).
import dgram from "node:dgram";
import { isIPv6 } from "node:net";

const [mode, a, b, c] = process.argv.slice(2);

if (mode === "listen") {
  const port = Number(a);
  const s4 = dgram.createSocket({ type: "udp4", reuseAddr: true });
  const s6 = dgram.createSocket({ type: "udp6", reuseAddr: true, ipv6Only: true });
  for (const s of [s4, s6]) s.on("message", (m, r) => console.log(`${r.address} ${m.toString()}`));
  await new Promise<void>((r) => s4.bind(port, "0.0.0.0", r));
  await new Promise<void>((r) => s6.bind(port, "::", r));
  if (b) s6.addMembership(b, "::%eth0");
  console.log("ready");
} else if (mode === "send") {
  const v6 = isIPv6(a!.split("%")[0]!);
  const s = dgram.createSocket(v6 ? { type: "udp6", ipv6Only: true } : { type: "udp4" });
  await new Promise<void>((r) => s.bind(0, r));
  if (!v6) s.setBroadcast(true);
  await new Promise<void>((resolve, reject) => s.send(c ?? "", Number(b), a!, (e) => (e ? reject(e) : resolve())));
  s.close();
} else {
  console.error("usage: udp-fixture.ts listen PORT [GROUP6] | send ADDRESS PORT TEXT");
  process.exit(2);
}
