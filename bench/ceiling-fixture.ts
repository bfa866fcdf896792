// Ceilings: the same bytes between two bare Bun sockets (no TLS, no
// storage), bare round trips, and bare TLS connections' memory. What the
// engine's figures are compared with, measured in the same run.
import type { Socket } from "bun";
import { encodeMessages } from "../src/protocol/codec.ts";
import { loadIdentity } from "../src/transport/identity.ts";
import { tlsOptions } from "../src/transport/tls.ts";
import { serveFixture, settledMemory } from "./fixture.ts";

type Rx = { got: number; expect: number; echo: boolean };

let sinkCpu = 0;

function frames(count: number, size: number, batch = 1000): Uint8Array[] {
  const body = "x".repeat(size);
  const out: Uint8Array[] = [];
  for (let i = 0; i < count; i += batch) {
    const n = Math.min(batch, count - i);
    out.push(encodeMessages(Array.from({ length: n }, () => ({ id: Bun.randomUUIDv7(), created: Date.now(), body }))));
  }
  return out;
}

serveFixture({
  /** A bare receiver: counts bytes and answers one byte when it has `expect` (or, with echo, after every chunk). */
  listen(a) {
    const server = Bun.listen<Rx>({
      hostname: "127.0.0.1",
      port: 0,
      socket: {
        open(s) {
          s.data = { got: 0, expect: Number(a.expect ?? 0), echo: Boolean(a.echo) };
        },
        data(s, d) {
          s.data.got += d.byteLength;
          if (s.data.echo || (s.data.expect > 0 && s.data.got >= s.data.expect)) s.write("k");
        },
      },
    });
    return { port: server.port };
  },
  /** Writes `count` message frames as fast as the socket takes them; ms until the receiver has them all. */
  async blast(a) {
    const chunks = frames(Number(a.count), Number(a.size));
    const done = Promise.withResolvers<void>();
    let i = 0;
    let off = 0;
    const pump = (s: Socket<undefined>) => {
      while (i < chunks.length) {
        const c = chunks[i]!;
        const n = s.write(c.subarray(off));
        if (n < c.byteLength - off) {
          off += Math.max(0, n);
          return;
        }
        i++;
        off = 0;
      }
    };
    const t0 = performance.now();
    await Bun.connect({ hostname: "127.0.0.1", port: Number(a.port), socket: { open: pump, drain: pump, data: () => done.resolve() } });
    await done.promise;
    return { ms: performance.now() - t0, bytes: chunks.reduce((t, c) => t + c.byteLength, 0) };
  },
  /** One message frame, one byte back, `count` times: round trips in ms, sorted. */
  async pingpong(a) {
    const frame = frames(1, Number(a.size))[0]!;
    const out: number[] = [];
    let wake: (() => void) | null = null;
    const s = await Bun.connect({ hostname: "127.0.0.1", port: Number(a.port), socket: { data: () => wake?.() } });
    for (let k = 0; k < Number(a.count); k++) {
      const t0 = performance.now();
      await new Promise<void>((resolve) => {
        wake = resolve;
        s.write(frame);
      });
      out.push(performance.now() - t0);
    }
    s.end();
    return out.sort((x, y) => x - y);
  },
  /** A bare TLS server with our TLS settings, to measure what a TLS connection alone costs in memory. */
  async listenTls(a) {
    const identity = await loadIdentity(String(a.home));
    const server = Bun.listen({ hostname: "127.0.0.1", port: 0, tls: tlsOptions(identity), socket: { data() {}, handshake() {} } });
    return { port: server.port };
  },
  /** A bare TLS receiver with our TLS settings: answers one byte once it has `expect` bytes. */
  async listenTlsSink(a) {
    const identity = await loadIdentity(String(a.home));
    const expect = Number(a.expect);
    let got = 0;
    let cpu0: NodeJS.CpuUsage | null = null;
    sinkCpu = 0;
    const server = Bun.listen({
      hostname: "127.0.0.1",
      port: 0,
      tls: tlsOptions(identity),
      socket: {
        data(s, d) {
          got += d.byteLength;
          if (got >= expect) {
            const c = process.cpuUsage(cpu0 ?? undefined);
            sinkCpu = (c.user + c.system) / 1000;
            s.write("k");
          }
        },
        handshake() {
          cpu0 = process.cpuUsage();
        },
      },
    });
    return { port: server.port };
  },
  /** `bytes` over a bare TLS connection as fast as it takes them: ms until the receiver has them all. */
  async blastTls(a) {
    const identity = await loadIdentity(String(a.home));
    const total = Number(a.bytes);
    const block = new Uint8Array(256 * 1024).fill(7);
    const done = Promise.withResolvers<void>();
    let sent = 0;
    let off = 0;
    const pump = (s: Socket<undefined>) => {
      while (sent < total) {
        const n = s.write(block.subarray(off));
        if (n < block.length - off) {
          off += Math.max(0, n);
          sent += Math.max(0, n);
          return;
        }
        sent += block.length - off;
        off = 0;
      }
    };
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    await Bun.connect({ hostname: "127.0.0.1", port: Number(a.port), tls: tlsOptions(identity), socket: { handshake: pump, drain: pump, data: () => done.resolve() } });
    await done.promise;
    const cpu = process.cpuUsage(cpu0);
    return { ms: performance.now() - t0, cpuMs: (cpu.user + cpu.system) / 1000 };
  },
  /** CPU ms the TLS sink spent receiving (from the handshake to the last byte). */
  async sinkCpu() {
    return { cpuMs: sinkCpu };
  },
  async rss() {
    return { rss: (await settledMemory()).rss };
  },
});
