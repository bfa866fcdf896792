// A TCP forwarder on loopback that can go silent, as a network that drops
// every packet: while dropping, bytes either way are thrown away and new
// connections are accepted but lead nowhere; nothing is closed or reset, so
// neither end learns anything until its own timeouts fire. A connection that
// lost bytes stays silent for good (its TLS stream is broken anyway); new
// connections are forwarded again once the network is back.
import type { Socket, TCPSocketListener } from "bun";

interface Side {
  /** The other end, once connected. */
  peer: Socket<Side> | null;
  /** Bytes for `peer` while it connects or its buffer is full. */
  queue: Uint8Array[];
  /** This connection saw a drop: it forwards nothing any more. */
  dead: boolean;
}

export interface BlackholeProxy extends AsyncDisposable {
  /** Where to dial to reach the target through the proxy. */
  port: number;
  /** Connections accepted so far. */
  accepted: number;
  /** From now on every byte is lost, on every connection. */
  drop(): void;
  /** New connections are forwarded again. */
  restore(): void;
}

function forward(to: Socket<Side> | null, from: Side, bytes: Uint8Array): void {
  if (from.dead) return;
  if (!to || from.queue.length > 0) return void from.queue.push(bytes);
  const n = to.write(bytes);
  if (n >= 0 && n < bytes.byteLength) from.queue.push(bytes.subarray(n));
}

function flush(to: Socket<Side>, from: Side): void {
  while (from.queue.length > 0) {
    const b = from.queue[0]!;
    const n = to.write(b);
    if (n < b.byteLength) {
      if (n > 0) from.queue[0] = b.subarray(n);
      return;
    }
    from.queue.shift();
  }
}

export function startBlackholeProxy(targetPort: number, targetHost = "127.0.0.1"): BlackholeProxy {
  let dropping = false;
  const sides = new Set<Side>();
  const sockets = new Set<Socket<Side>>();
  const handle = { accepted: 0 } as BlackholeProxy;
  const listener: TCPSocketListener<Side> = Bun.listen<Side>({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      open(client) {
        handle.accepted++;
        sockets.add(client);
        const inbound: Side = { peer: null, queue: [], dead: dropping };
        client.data = inbound;
        sides.add(inbound);
        if (dropping) return; // a SYN into the void: the dial hangs until its own deadline
        const outbound: Side = { peer: client, queue: [], dead: false };
        sides.add(outbound);
        Bun.connect<Side>({
          hostname: targetHost,
          port: targetPort,
          data: outbound,
          socket: {
            open(server) {
              sockets.add(server);
              inbound.peer = server;
              if (inbound.dead) return;
              flush(server, inbound);
            },
            data(server, bytes) {
              forward(client, server.data, bytes);
            },
            drain(server) {
              flush(server, inbound);
            },
            close(server) {
              sockets.delete(server);
              if (!server.data.dead) client.end();
            },
            error() {},
          },
        }).catch(() => client.end());
      },
      data(client, bytes) {
        forward(client.data.peer, client.data, bytes);
      },
      drain(client) {
        const peer = client.data.peer;
        if (peer) flush(client, peer.data);
      },
      close(client) {
        sockets.delete(client);
        if (!client.data.dead) client.data.peer?.end();
      },
      error() {},
    },
  });
  handle.port = listener.port;
  handle.drop = () => {
    dropping = true;
    for (const s of sides) s.dead = true;
  };
  handle.restore = () => {
    dropping = false;
  };
  handle[Symbol.asyncDispose] = async () => {
    listener.stop(true);
    for (const s of sockets) s.terminate();
  };
  return handle;
}
