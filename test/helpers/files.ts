// What file transfer tests share: a big file no two chunks of which are
// alike, a file's SHA-256 read in pieces, and what a receiver's database
// says it has verified (what survives a kill -9), read from outside.
import { SQL } from "bun";
import { createReadStream } from "node:fs";
import { join } from "node:path";

/** Writes `size` bytes (a multiple of 1 MiB) of pseudo-random data; returns their SHA-256. */
export async function bigFile(path: string, size: number): Promise<string> {
  const h = new Bun.CryptoHasher("sha256");
  const block = Buffer.alloc(1024 * 1024);
  const out = Bun.file(path).writer();
  for (let i = 0; i < size / block.length; i++) {
    for (let j = 0; j < block.length; j += 4) block.writeUInt32LE((i * 2654435761 + j * 40503) >>> 0, j);
    h.update(block);
    out.write(block);
    await out.flush();
  }
  await out.end();
  return h.digest("hex");
}

export async function sha256File(path: string): Promise<string> {
  const h = new Bun.CryptoHasher("sha256");
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest("hex");
}

/** Verified bytes of the incoming file in the SQLite database of the home at `home` (0 when none, or busy). */
export async function durableBytes(home: string): Promise<number> {
  const db = new SQL({ adapter: "sqlite", filename: join(home, "p2pchat.db"), readonly: true });
  try {
    const [row] = await db.unsafe("SELECT bytes FROM file_transfer WHERE direction = 'in' ORDER BY created_at DESC LIMIT 1");
    return row ? Number(row.bytes) : 0;
  } catch {
    return 0; // not migrated yet, or a writer holds it
  } finally {
    await db.close();
  }
}

/** Samples `durableBytes` until stopped: a resumed transfer never records less than it had. */
export function watchDurable(home: string): { stop(): Promise<number[]> } {
  const seen: number[] = [];
  let on = true;
  const run = (async () => {
    while (on) {
      seen.push(await durableBytes(home));
      await Bun.sleep(5);
    }
  })();
  return {
    async stop() {
      on = false;
      await run;
      return seen.filter((b) => b > 0);
    },
  };
}
