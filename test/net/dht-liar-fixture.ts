// A lying BitTorrent DHT node for the testbed. It joins a DHT and takes puts
// as any node does, but then lies about the p2pchat records put to it:
//
//   --mode replay   keeps serving the first record it got for a key, and
//                   says "stored" to every newer one (an old record after its
//                   owner moved: a replay)
//   --mode forge    serves, instead of what it got, a record naming the same
//                   key and peer id with a newer seq and the addresses of
//                   --address, signed by a key of its own (a forgery)
//
//   bun test/net/dht-liar-fixture.ts --host H --port P --join HOST:PORT --mode replay|forge [--address HOST:PORT]
//
// Prints `ready HOST:PORT`, then `served MODE seq N to HOST` for each get it
// answers with its lie; runs until SIGTERM. Run it only inside the testbed.
import DHT from "bittorrent-dht";
import { parseArgs } from "node:util";
import { parseBootstrap } from "../../src/reach/dht/dht-bootstrap.ts";
import { generateDiscoveryKey, verifyEd25519 } from "../../src/reach/dht/discovery-key.ts";
import { decodeRecord, encodeRecord } from "../../src/reach/dht/record.ts";

const { values: a } = parseArgs({
  options: {
    host: { type: "string", default: "127.0.0.1" },
    port: { type: "string", default: "0" },
    join: { type: "string" },
    mode: { type: "string" },
    address: { type: "string", default: "198.51.100.66:7001" },
  },
  strict: true,
});
const mode = a.mode;
if (mode !== "replay" && mode !== "forge") fail("--mode replay|forge");
if (!a.join) fail("--join HOST:PORT: the DHT to lie in");

interface Stored {
  v: Buffer;
  k?: Buffer;
  sig?: Buffer;
  seq?: number;
  id: Buffer;
}
interface Internals {
  _values: { get(k: string): Stored | undefined; set(k: string, v: Stored): void };
  _onget(query: { a: { target?: Buffer } }, peer: { address?: string; host?: string }): void;
}

const liar = generateDiscoveryKey();
const node = new DHT({ bootstrap: parseBootstrap(a.join), verify: verifyEd25519 });
const inner = node as unknown as Internals;
const values = inner._values;
const set = values.set.bind(values);
values.set = (key, value) => {
  if (!value.k || !value.sig || value.seq === undefined) return set(key, value);
  if (mode === "replay") {
    if (!values.get(key)) set(key, value); // the first one, forever
    return;
  }
  // A forgery: the owner's key and peer id, our addresses, a newer seq, our signature.
  const genuine = decodeRecord({ key: value.k, seq: BigInt(value.seq), sig: value.sig, value: value.v });
  const forged = encodeRecord({ peerId: genuine.peerId, addresses: [a.address!], relays: [] }, liar, BigInt(value.seq) + 60_000_000n);
  set(key, { ...value, v: Buffer.from(forged.value), sig: Buffer.from(forged.sig), seq: Number(forged.seq) });
};
const onget = inner._onget.bind(node);
inner._onget = (query, peer) => {
  const stored = query.a?.target ? values.get(query.a.target.toString("hex")) : undefined;
  if (stored?.k) void write(`served ${mode} seq ${stored.seq} to ${peer.address ?? peer.host}\n`);
  onget(query, peer);
};

await new Promise<void>((resolve, reject) => {
  node.once("error", reject);
  node.listen(Number(a.port), a.host, () => resolve());
});
node.on("error", () => {});
await write(`ready ${a.host}:${node.address().port}\n`);
const { promise: done, resolve } = Promise.withResolvers<void>();
process.once("SIGTERM", resolve);
process.once("SIGINT", resolve);
await done;
await new Promise<void>((r) => node.destroy(() => r()));
process.exit(0);

function write(text: string): Promise<void> {
  return new Promise((r) => process.stdout.write(text, () => r()));
}

function fail(message: string): never {
  process.stderr.write(`dht-liar-fixture: ${message}\n`);
  process.exit(2);
}
