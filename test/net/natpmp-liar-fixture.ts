// A host on the LAN that answers NAT-PMP in the gateway's place: from its own
// UDP port 5351 it sends, every 50 ms, a forged "public address --public"
// reply and a forged mapping of --internal to external port 4444 to the
// asking node's socket (--to HOST:PORT). Prints {"sent":N} when done.
//   bun test/net/natpmp-liar-fixture.ts --to 192.168.2.10:40000 --internal 7000 [--public 6.6.6.6] [--count 40]
import dgram from "node:dgram";
import { parseArgs } from "node:util";

const { values } = parseArgs({ options: { to: { type: "string" }, internal: { type: "string" }, public: { type: "string", default: "6.6.6.6" }, count: { type: "string", default: "40" } } });
const [host, port] = values.to!.split(":") as [string, string];
const internal = Number(values.internal);

const external = new Uint8Array([0, 128, 0, 0, 0, 0, 0, 1, ...values.public!.split(".").map(Number)]);
const mapping = new Uint8Array(16);
const v = new DataView(mapping.buffer);
mapping.set([0, 130]);
v.setUint32(4, 1);
v.setUint16(8, internal);
v.setUint16(10, 4444);
v.setUint32(12, 3600);

const socket = dgram.createSocket({ type: "udp4", reuseAddr: true });
await new Promise<void>((resolve) => socket.bind(5351, "0.0.0.0", () => resolve()));
let sent = 0;
for (let i = 0; i < Number(values.count); i++) {
  for (const p of [external, mapping]) {
    socket.send(p, Number(port), host);
    sent++;
  }
  // Spread over the seconds the node keeps asking (it retries for 3.75 s): the liar cannot see when it asks.
  await Bun.sleep(50);
}
console.log(JSON.stringify({ sent }));
socket.close();
