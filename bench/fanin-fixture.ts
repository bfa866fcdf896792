// Light peers for the fan-in and idle-links figures: each its own identity
// and TLS link, speaking the real protocol (hello, messages, acks,
// keep-alives) without a node or a database behind it.
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
/** Identities made at once (key generation and two small files each; in /dev/shm the files cost nothing). */
const MAKE_AT_ONCE = 200;
/** A keep-alive from every link this often (the node drops a link that says nothing for 45 s). */
const KEEPALIVE_MS = 10_000;
let keepalive: ReturnType<typeof setInterval> | null = null;

serveFixture({
  async identities(a) {
    const t0 = performance.now();
    identities = [];
    const count = Number(a.count);
    for (let i = 0; i < count; i += MAKE_AT_ONCE) {
      const made = Array.from({ length: Math.min(MAKE_AT_ONCE, count - i) }, (_, k) => {
        const dir = join(String(a.dir), String(i + k));
        mkdirSync(dir, { recursive: true });
        return createIdentity(dir, `peer${i + k}`);
      });
      identities.push(...(await Promise.all(made)));
    }
    return { ms: performance.now() - t0, peerIds: identities.map((id) => id.peerId) };
  },
  /**
   * Opens a TLS link per identity (those in [from, to)), `parallel` at a
   * time (all at once by default); with `messages`, says hello and sends that
   * many, then waits for all acks. The links stay up (keep-alives) until close.
   */
  async connect(a) {
    const port = Number(a.port);
    const messages = Number(a.messages ?? 0);
    const from = Number(a.from ?? 0);
    const to = Number(a.to ?? identities.length);
    const parallel = Number(a.parallel ?? to - from);
    const t0 = performance.now();
    keepalive ??= setInterval(() => {
      for (const s of sockets) if (s.data.want > 0) s.write(encodeFrame({ type: "keepalive" }));
    }, KEEPALIVE_MS);
    const one = async (id: Identity, i: number) => {
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
    };
    let ok = 0;
    for (let i = from; i < to; i += parallel) {
      const wave = identities.slice(i, Math.min(to, i + parallel)).map((id, k) => one(id, i + k));
      ok += (await Promise.all(wave)).filter(Boolean).length;
    }
    return { ok, ms: performance.now() - t0 };
  },
  close() {
    for (const s of sockets) s.end();
    sockets.length = 0;
    if (keepalive) clearInterval(keepalive);
    keepalive = null;
  },
});
