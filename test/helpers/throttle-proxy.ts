// A TCP forwarder on loopback that moves at most `rate` bytes a second each
// way, and counts what it moved: a file between two nodes on the same
// machine takes seconds instead of milliseconds, so a test can kill a side
// at about a third, and tell afterwards how many bytes crossed in all.
import type { Socket } from "bun";

interface Side {
  peer: Socket<Side> | null;
  queue: Uint8Array[];
  queued: number;
}

export interface ThrottleProxy extends AsyncDisposable {
  port: number;
  /** Bytes forwarded so far, both ways, all connections. */
  readonly forwarded: number;
}

export function startThrottleProxy(targetPort: number, rate: number): ThrottleProxy {
  let forwarded = 0;
  let budget = rate / 10;
  const sides = new Set<Side>();
  const sockets = new Set<Socket<Side>>();
  const pump = (to: Socket<Side> | null, from: Side) => {
    while (to && from.queue.length > 0 && budget > 0) {
      const b = from.queue[0]!;
      const take = Math.min(b.byteLength, Math.floor(budget));
      const n = to.write(b.subarray(0, take));
      if (n <= 0) return;
      budget -= n;
      forwarded += n;
      from.queued -= n;
      if (n < b.byteLength) from.queue[0] = b.subarray(n);
      else from.queue.shift();
      if (n < take) return;
    }
  };
  // Ten refills a second: the rate, smoothly enough for TLS and keep-alives.
  const timer = setInterval(() => {
    budget = rate / 10;
    for (const s of sides) if (s.peer) pump(s.peer, s);
  }, 100);
  const listener = Bun.listen<Side>({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      open(client) {
        sockets.add(client);
        const inbound: Side = { peer: null, queue: [], queued: 0 };
        const outbound: Side = { peer: client, queue: [], queued: 0 };
        client.data = inbound;
        sides.add(inbound);
        sides.add(outbound);
        Bun.connect<Side>({
          hostname: "127.0.0.1",
          port: targetPort,
          data: outbound,
          socket: {
            open(server) {
              sockets.add(server);
              inbound.peer = server;
              pump(server, inbound);
            },
            data(server, bytes) {
              server.data.queue.push(new Uint8Array(bytes));
              server.data.queued += bytes.byteLength;
              pump(client, server.data);
            },
            drain(server) {
              pump(server, inbound);
            },
            close(server) {
              sockets.delete(server);
              sides.delete(outbound);
              client.end();
            },
            error() {},
          },
        }).catch(() => client.end());
      },
      data(client, bytes) {
        client.data.queue.push(new Uint8Array(bytes));
        client.data.queued += bytes.byteLength;
        pump(client.data.peer, client.data);
      },
      drain(client) {
        const out = [...sides].find((s) => s.peer === client);
        if (out) pump(client, out);
      },
      close(client) {
        sockets.delete(client);
        sides.delete(client.data);
        client.data.peer?.end();
      },
      error() {},
    },
  });
  return {
    port: listener.port,
    get forwarded() {
      return forwarded;
    },
    async [Symbol.asyncDispose]() {
      clearInterval(timer);
      listener.stop(true);
      for (const s of sockets) s.terminate();
    },
  };
}
