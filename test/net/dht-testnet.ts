// A small BitTorrent DHT of our own: K bittorrent-dht nodes on one address,
// the first standing alone (bootstrap: false), the others joining through
// it. Tests, the benchmark and dht-node-fixture.ts (the namespace testbed's
// "internet") start one instead of touching the public DHT.
import DHT from "bittorrent-dht";
import type { BootstrapNode } from "../../src/reach/dht/dht-bootstrap.ts";
import { verifyEd25519 } from "../../src/reach/dht/discovery-key.ts";

export interface TestnetOptions {
  /** How many nodes (default 5). */
  size?: number;
  /** Address to bind (default 127.0.0.1). */
  host?: string;
  /** First port; the others follow it. 0 (default): any free ports. */
  basePort?: number;
  /** Nodes of another testnet for the first node to join; none (default): it stands alone. */
  join?: BootstrapNode[];
}

export interface Testnet extends AsyncDisposable {
  nodes: DHT[];
  /** Every node's address: what clients bootstrap from. */
  bootstrap: BootstrapNode[];
  stop(): Promise<void>;
}

export async function startTestnet(opts: TestnetOptions = {}): Promise<Testnet> {
  const size = opts.size ?? 5;
  const host = opts.host ?? "127.0.0.1";
  const nodes: DHT[] = [];
  const bootstrap: BootstrapNode[] = [];
  const stop = () => Promise.all(nodes.map((n) => new Promise<void>((r) => n.destroy(() => r())))).then(() => undefined);
  try {
    for (let i = 0; i < size; i++) {
      // verify: so the nodes store BEP 44 mutable items, as mainline nodes do.
      const first = opts.join?.length ? opts.join : false;
      const node = new DHT({ bootstrap: i === 0 ? first : [bootstrap[0]!], verify: verifyEd25519 });
      nodes.push(node);
      const port = opts.basePort ? opts.basePort + i : 0;
      await new Promise<void>((resolve, reject) => {
        node.once("error", reject);
        node.listen(port, host, () => {
          node.off("error", reject);
          resolve();
        });
      });
      node.on("error", () => {}); // a closed peer's ICMP error must not crash the net
      await new Promise<void>((resolve) => (node.ready ? resolve() : node.once("ready", () => resolve())));
      bootstrap.push({ host, port: node.address().port });
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { nodes, bootstrap, stop, [Symbol.asyncDispose]: stop };
}
