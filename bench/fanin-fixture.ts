// Light peers for the fan-in figure: each its own identity and TLS link,
// speaking the real protocol (hello, messages, acks) without a node or a
// database behind it.
import type { Socket } from "bun";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { createDecoder, encodeFrame, encodeMessages } from "../src/protocol/codec.ts";
import type { Frame } from "../src/protocol/messages.ts";
import { createIdentity, type Identity } from "../src/transport/identity.ts";
import { tlsOptions } from "../src/transport/tls.ts";
import { serveFixture } from "./fixture.ts";

type Peer = { decoder: ReturnType<typeof createDecoder>; acked: number; want: number; done: () => void; shook: () => void };

let identities: Identity[] = [];
const sockets: Socket<Peer>[] = [];

serveFixture({
  async identities(a) {
    const t0 = performance.now();
    identities = [];
    for (let i = 0; i < Number(a.count); i++) {
      const dir = join(String(a.dir), String(i));
      mkdirSync(dir, { recursive: true });
      identities.push(await createIdentity(dir, `peer${i}`));
    }
    return { ms: performance.now() - t0, peerIds: identities.map((id) => id.peerId) };
  },
  /** Opens a TLS link per identity (those in [from, to)); with `messages`, says hello and sends that many, then waits for all acks. */
  async connect(a) {
    const port = Number(a.port);
    const messages = Number(a.messages ?? 0);
    const from = Number(a.from ?? 0);
    const to = Number(a.to ?? identities.length);
    const t0 = performance.now();
    const all = identities.slice(from, to).map(async (id, k) => {
      const i = from + k;
      const done = Promise.withResolvers<void>();
      const shook = Promise.withResolvers<void>();
      const s = await Bun.connect<Peer>({
        hostname: "127.0.0.1",
        port,
        tls: tlsOptions(id),
        data: { decoder: createDecoder({ expectHello: true }), acked: 0, want: messages, done: done.resolve, shook: shook.resolve },
        socket: {
          handshake(sock) {
            sock.data.shook();
          },
          data(sock, chunk) {
            let frames: Frame[] = [];
            try {
              frames = sock.data.decoder.push(chunk);
            } catch {
              return;
            }
            for (const f of frames) if (f.type === "ack") sock.data.acked += f.ids.length;
            if (sock.data.want > 0 && sock.data.acked >= sock.data.want) sock.data.done();
          },
          close(sock) {
            sock.data.done();
            sock.data.shook();
          },
        },
      });
      sockets.push(s);
      await shook.promise;
      if (messages === 0) return true;
      s.write(encodeFrame({ type: "hello", version: 1, name: `peer${i}`, port: 0, caps: [], session: crypto.randomUUID() }));
      const body = "z".repeat(Number(a.size ?? 100));
      s.write(encodeMessages(Array.from({ length: messages }, () => ({ id: Bun.randomUUIDv7(), created: Date.now(), body }))));
      await done.promise;
      return s.data.acked >= messages;
    });
    const ok = (await Promise.all(all)).filter(Boolean).length;
    return { ok, ms: performance.now() - t0 };
  },
  close() {
    for (const s of sockets) s.end();
    sockets.length = 0;
  },
});
