// Runs K bittorrent-dht nodes on one address: the DHT "internet" of the
// network-namespace testbed, or a local DHT to try `p2pchat lookup` on.
//
//   bun test/net/dht-node-fixture.ts [--host 127.0.0.1] [--port 0] [--count 3] [--join HOST:PORT,...] [--exit-with-stdin]
//
// --port is the first node's port (the others follow it; 0: any free
// ports); --join makes the first node join another such net instead of
// standing alone. It never contacts the public DHT. It prints one line per
// node, `dht-node HOST:PORT`, then `ready HOST:PORT,...` (a --dht-bootstrap
// value), and runs until SIGINT/SIGTERM (or, with --exit-with-stdin, until
// stdin closes), then stops its nodes and prints `stopped`.
import { parseArgs } from "node:util";
import { parseBootstrap } from "../../src/reach/dht/dht-bootstrap.ts";
import { startTestnet } from "./dht-testnet.ts";

const { values } = parseArgs({
  options: {
    host: { type: "string", default: "127.0.0.1" },
    port: { type: "string", default: "0" },
    count: { type: "string", default: "3" },
    join: { type: "string" },
    "exit-with-stdin": { type: "boolean", default: false },
  },
  strict: true,
});

const count = Number(values.count);
const port = Number(values.port);
if (!Number.isInteger(count) || count < 1 || count > 100) fail(`--count must be 1..100, not ${values.count}`);
if (!Number.isInteger(port) || port < 0 || port + count - 1 > 65535) fail(`--port must be 0..${65536 - count}, not ${values.port}`);

const net = await startTestnet({ size: count, host: values.host, basePort: port, join: values.join ? parseBootstrap(values.join) : undefined });
const addresses = net.bootstrap.map((b) => `${b.host}:${b.port}`);
await write(addresses.map((a) => `dht-node ${a}\n`).join("") + `ready ${addresses.join(",")}\n`);

const { promise: done, resolve } = Promise.withResolvers<void>();
process.once("SIGINT", resolve);
process.once("SIGTERM", resolve);
// With --exit-with-stdin, the parent ending (its pipe closing) stops us too.
if (values["exit-with-stdin"]) void (async () => {
  for await (const _ of Bun.stdin.stream());
  resolve();
})();
await done;
await net.stop();
await write("stopped\n");
process.exit(0);

function write(text: string): Promise<void> {
  return new Promise((r) => process.stdout.write(text, () => r()));
}

function fail(message: string): never {
  process.stderr.write(`dht-node-fixture: ${message}\n`);
  process.exit(2);
}
