// A LAN beacon in a network namespace that prints what it hears as JSON
// lines on stdout. Run it only inside a namespace a test made:
//
//   ip netns exec NS env P2PCHAT_DISCOVERY=on bun test/net/lan-fixture.ts --id 1 --port 20001
//
// Events (each with `t`, wall-clock ms with a fraction):
//   {"event":"ready","peerId","instanceId","running","ports"}    beacon started (or not: running false)
//   {"event":"heard","peerId","instanceId","from","addresses","isNew"}   each beacon from another peer
//   {"event":"peer","peerId","addresses","isNew"}                 each onPeer call (rate-limited)
//   {"event":"list","peers":[...]} {"event":"stats",...} {"event":"stopped"}   answers to stdin
// stdin, one command a line: list, stats, stop (go hidden), start, quit.
//
// --flood N --claim PEER_ID [--port P] sends N forged beacons claiming
// PEER_ID at TCP port P of the sender (each a new instance id and 8 made-up
// addresses), prints {"event":"flooded"} and exits.
import { parseArgs } from "node:util";
import { parsePeerId, peerIdFromDigest, type PeerId } from "../../src/protocol/peer-id.ts";
import { encodeAnnounce, newInstanceId, type HostPort } from "../../src/reach/lan/lan-announce.ts";
import { LanBeacon } from "../../src/reach/lan/lan-beacon.ts";
import { LAN_PORT } from "../../src/reach/lan/lan-interfaces.ts";
import { LanSocket } from "../../src/reach/lan/lan-socket.ts";
import { Nearby } from "../../src/reach/lan/nearby-peers.ts";
import { discoveryAllowed } from "../../src/reach/discovery-switch.ts";

const { values: a } = parseArgs({
  options: {
    id: { type: "string" }, // a byte: the peer id's digest is 32 of it
    "peer-id": { type: "string" },
    port: { type: "string", default: "20001" },
    "beacon-port": { type: "string", default: String(LAN_PORT) },
    "no-ipv4": { type: "boolean", default: false },
    "no-ipv6": { type: "boolean", default: false },
    "interval-ms": { type: "string" },
    "gap-ms": { type: "string" },
    "ttl-ms": { type: "string" },
    "trigger-gap-ms": { type: "string" },
    announce: { type: "string" }, // HOST:PORT,HOST:PORT (IPv6 in brackets)
    flood: { type: "string" },
    claim: { type: "string" },
  },
});

const num = (s: string | undefined) => (s === undefined ? undefined : Number(s));
const now = () => performance.timeOrigin + performance.now();
async function emit(event: string, data: object = {}): Promise<void> {
  await Bun.write(Bun.stdout, `${JSON.stringify({ event, t: now(), ...data }, (_k, v) => (v instanceof Uint8Array ? Buffer.from(v).toString("hex") : v))}\n`);
}

function fail(message: string): never {
  process.stderr.write(`lan-fixture: ${message}\n`);
  process.exit(2);
}

// The network rule: beacons never leave the host's own interfaces. Sending
// is allowed only inside a namespace made with `ip netns add` (so `ip netns
// identify` names it), and one named P2PCHAT_LAN_NETNS_PREFIX* when that is
// set (the tests set it to their own prefix).
if (discoveryAllowed()) {
  const name = Bun.spawnSync(["ip", "netns", "identify", String(process.pid)], { stderr: "ignore" }).stdout.toString().trim();
  if (!name) fail("refusing to send beacons outside a network namespace a test made (run it with `ip netns exec`)");
  const prefix = process.env.P2PCHAT_LAN_NETNS_PREFIX;
  if (prefix && !name.startsWith(prefix)) fail(`refusing to send beacons in namespace ${name}: not one of ${prefix}*`);
}

function peerIdArg(): PeerId {
  if (a["peer-id"]) {
    const p = parsePeerId(a["peer-id"]);
    if (!p.ok) fail(p.reason);
    return p.id;
  }
  return peerIdFromDigest(new Uint8Array(32).fill(Number(a.id ?? 1)));
}

const socketOpts = { port: Number(a["beacon-port"]), ipv4: !a["no-ipv4"], ipv6: !a["no-ipv6"] };

if (a.flood) {
  if (!discoveryAllowed()) fail("P2PCHAT_DISCOVERY is off");
  const claim = parsePeerId(a.claim ?? "");
  if (!claim.ok) fail(`--claim: ${claim.reason}`);
  const socket = await LanSocket.open(() => {}, socketOpts);
  const started = now();
  const n = Number(a.flood);
  for (let i = 0; i < n; i++) {
    const addresses = Array.from({ length: 8 }, (_, k) => ({ host: `198.51.100.${(i * 8 + k) % 254 + 1}`, port: 1024 + (i % 60_000) }));
    await socket.send(encodeAnnounce({ peerId: claim.id, port: Number(a.port), instanceId: newInstanceId(), addresses }));
  }
  await emit("flooded", { count: n, ms: now() - started });
  await socket.close();
  process.exit(0);
}

const nearby = new Nearby({ ttlMs: num(a["ttl-ms"]), triggerGapMs: num(a["trigger-gap-ms"]) });
nearby.onPeer((peerId, addresses, isNew) => void emit("peer", { peerId, addresses, isNew }));
const announce: HostPort[] = (a.announce ?? "")
  .split(",")
  .filter(Boolean)
  .map((s) => {
    const m = /^\[?([^\]]+)\]?:(\d+)$/.exec(s) ?? fail(`--announce: ${s} is not HOST:PORT`);
    return { host: m[1]!, port: Number(m[2]) };
  });
const beacon = new LanBeacon({
  peerId: peerIdArg(),
  port: () => Number(a.port),
  addresses: () => announce,
  nearby,
  intervalMs: num(a["interval-ms"]),
  minGapMs: num(a["gap-ms"]),
  socket: socketOpts,
  onHeard: (h, isNew) => void emit("heard", { peerId: h.peerId, instanceId: h.instanceId, from: h.from, addresses: h.addresses, isNew }),
});

async function start(): Promise<void> {
  const running = await beacon.start();
  await emit("ready", { peerId: beacon.peerId, instanceId: beacon.instanceId, running, ports: beacon.ports(), error: beacon.error()?.message ?? null });
}

await start();
for await (const line of console) {
  const cmd = line.trim();
  if (cmd === "list") await emit("list", { peers: beacon.nearby.list() });
  else if (cmd === "stats") await emit("stats", { ...beacon.stats, running: beacon.running });
  else if (cmd === "stop") await beacon.stop().then(() => emit("stopped"));
  else if (cmd === "start") await start();
  else if (cmd === "quit") break;
}
await beacon[Symbol.asyncDispose]();
process.exit(0);
