// The part of bittorrent-dht 11.x (webtorrent, no types of its own) that
// dht-client.ts and the test and bench fixtures use.
declare module "bittorrent-dht" {
  import type { EventEmitter } from "node:events";

  export type Verify = (signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array) => boolean;

  export interface DhtOptions {
    /** `"host:port"` strings or objects; false: none. Undefined means the public mainline routers. */
    bootstrap: false | (string | { host: string; port: number })[];
    verify?: Verify;
    nodeId?: Uint8Array;
    host?: string;
    /** Per-query UDP timeout in ms (k-rpc-socket; 2000 by default). */
    timeout?: number;
    maxValues?: number;
  }

  export interface PutOptions {
    k: Buffer;
    v: Buffer;
    seq: number;
    sig: Buffer;
    salt?: Buffer;
    cas?: number;
  }

  export interface GetOptions {
    verify?: Verify;
    salt?: Buffer;
    /** false: ask the network even when this node stores the value. */
    cache?: boolean;
  }

  export interface GetResult {
    v: Uint8Array;
    k?: Uint8Array;
    sig?: Uint8Array;
    seq?: number;
  }

  export interface StoredValue {
    v: string;
    id: string;
    k?: string;
    sig?: string;
    seq?: number;
  }

  export interface NodeInfo {
    host: string;
    port: number;
  }

  export default class DHT extends EventEmitter {
    constructor(opts: DhtOptions);
    readonly nodeId: Buffer;
    readonly listening: boolean;
    readonly ready: boolean;
    readonly destroyed: boolean;
    listen(port?: number, address?: string, onlistening?: () => void): void;
    address(): { address: string; family: string; port: number };
    addNode(node: { host: string; port: number; id?: Uint8Array }): void;
    put(opts: PutOptions, cb: (err: (Error & { code?: number | string }) | null, hash: Buffer, n: number) => void): Buffer;
    get(target: Uint8Array, opts: GetOptions, cb: (err: Error | null, value: GetResult | null) => void): void;
    /**
     * Internal: the closest nodes found for each target (hex), with the write
     * tokens they gave, kept 5 minutes and reused by put(). dht-client.ts drops an
     * entry before each put (the tokens are bound to our address).
     */
    _tables: { remove(target: string): void };
    /** Nodes in the routing table and the values this node stores (hex), by target. */
    toJSON(): { nodes: NodeInfo[]; values: Record<string, StoredValue> };
    destroy(cb?: () => void): void;
  }
}
