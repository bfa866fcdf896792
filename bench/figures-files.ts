// Files between two nodes, each in a process of its own, on loopback:
// file_throughput, MB/s from the offer to the receiver's verified whole,
// beside tls_ceiling, the same bytes over one bare TLS connection between
// two processes in the same run (file_throughput_ratio: at least 0.5 of it);
// file_rss_mb, the larger of the two processes' peak RSS while a 1 GiB file
// goes (memory must not grow with the file: < 150); and
// chat_latency_during_file_ms, the p99 of messages sent one at a time while
// that file goes, each written, carried, stored and acked (chat does not
// wait behind file chunks).
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { figure, type Figure, type Scale } from "./figure.ts";
import { percentile, spawnFixture } from "./fixture.ts";
import { pair } from "./figures-link.ts";

const MB = 1e6;

/** A file of `bytes` (a multiple of 1 MiB), no two chunks alike. */
async function makeFile(path: string, bytes: number): Promise<void> {
  const block = Buffer.alloc(1024 * 1024);
  const out = Bun.file(path).writer();
  for (let i = 0; i < bytes / block.length; i++) {
    for (let j = 0; j < block.length; j += 4) block.writeUInt32LE((i * 2654435761 + j * 40503) >>> 0, j);
    out.write(block);
    await out.flush();
  }
  await out.end();
}

async function tlsCeiling(dir: string, home: string, bytes: number): Promise<number> {
  await using rx = spawnFixture("ceiling-fixture.ts");
  await using tx = spawnFixture("ceiling-fixture.ts");
  const { port } = await rx.call<{ port: number }>("listenTlsSink", { home, expect: bytes });
  const { ms, cpuMs } = await tx.call<{ ms: number; cpuMs: number }>("blastTls", { home, port, bytes });
  const sink = await rx.call<{ cpuMs: number }>("sinkCpu");
  void dir;
  if (process.env.P2PCHAT_BENCH_CPU) process.stderr.write(`\ntls: ${(cpuMs / (bytes / MB)).toFixed(2)} ms CPU/MB sending, ${(sink.cpuMs / (bytes / MB)).toFixed(2)} receiving\n`);
  return bytes / MB / (ms / 1000);
}

export async function figureFiles(s: Scale): Promise<Figure[]> {
  const dir = await mkdtemp(join(tmpdir(), "p2pchat-bench-files-"));
  // The receiver's folder in memory: the figure is the protocol's, not the disk's (this VM's writes 389 MB/s with fsync).
  const shm = await mkdtemp(join("/dev/shm", "p2pchat-bench-"));
  try {
    const bytes = s.fileMiB * 1024 * 1024;
    const src = join(dir, "big.bin");
    await makeFile(src, bytes);
    await using p = await pair(dir);
    const ceiling = await tlsCeiling(dir, join(dir, "a"), bytes);
    await p.b.call("fileSettings", { autoAcceptMiB: 1e6, downloads: shm });
    // A small file first: the link comes up, the JIT warms.
    const warm = join(dir, "warm.bin");
    await makeFile(warm, 4 * 1024 * 1024);
    const w = await p.a.call<{ id: string }>("sendFile", { peer: "bob", path: warm });
    await p.b.call("waitFile", { id: w.id });

    // Throughput and memory: one file, timed from the offer (hashed) to the receiver's verified whole.
    await Promise.all([p.a.call("rssStart"), p.b.call("rssStart")]);
    const sent = await p.a.call<{ id: string; at: number }>("sendFile", { peer: "bob", path: src });
    const got = await p.b.call<{ state: string; at: number; error?: string }>("waitFile", { id: sent.id });
    const aDone = await p.a.call<{ state: string; at: number }>("waitFile", { id: sent.id });
    const [ra, rb] = await Promise.all([p.a.call<{ peak: number; cpuMs: number }>("rssStop"), p.b.call<{ peak: number; cpuMs: number }>("rssStop")]);
    if (process.env.P2PCHAT_BENCH_CPU) process.stderr.write(`files: ${(ra.cpuMs / (bytes / MB)).toFixed(2)} ms CPU/MB sending, ${(rb.cpuMs / (bytes / MB)).toFixed(2)} receiving\n`);
    if (got.state !== "done") throw new Error(`the file ended ${got.state}: ${got.error}`);
    const rate = bytes / MB / ((aDone.at - sent.at) / 1000);

    // Chat while another file goes: messages one at a time, each delivered before the next.
    const again = await p.a.call<{ id: string }>("sendFile", { peer: "bob", path: src });
    const lat = await p.a.call<number[]>("latency", { peer: "bob", count: s.fileChatMessages, size: 100 });
    const moving = await p.b.call<{ state: string }>("waitFile", { id: again.id });
    if (moving.state !== "done") throw new Error(`the second file ended ${moving.state}`);

    return [
      figure("tls_ceiling", ceiling, "MB/s", null, null),
      figure("file_throughput", rate, "MB/s", ceiling, null),
      figure("file_throughput_ratio", rate / ceiling, "ratio", null, ">= 0.5"),
      figure("file_rss_mb", Math.max(ra.peak, rb.peak) / 2 ** 20, "MB", null, "< 150"),
      figure("chat_latency_during_file_ms", percentile(lat, 99), "ms", "latency_p99", "< 50"),
    ];
  } finally {
    await rm(dir, { recursive: true, force: true });
    await rm(shm, { recursive: true, force: true });
  }
}
