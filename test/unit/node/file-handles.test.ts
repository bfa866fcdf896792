// The server's reads: several chunks' frames filled by one read, in order,
// and a file shorter than asked fills what it has and says how much (the
// server then fails the transfer: "shorter than when it was offered").
import { expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { FileHandles } from "../../../src/node/files/handles.ts";
import { tempDir } from "../../helpers/tmp.ts";

test("one read fills several buffers in order from the offset; past the end it stops and says how much it got", async () => {
  await using dir = await tempDir();
  const path = join(dir.path, "f.bin");
  writeFileSync(path, Uint8Array.from({ length: 100 }, (_, i) => i));
  const h = new FileHandles();
  try {
    const bufs = [new Uint8Array(30), new Uint8Array(30), new Uint8Array(30)];
    expect(await h.readv(path, bufs, 5)).toBe(90);
    expect(bufs.map((b) => [b[0], b[29]])).toEqual([
      [5, 34],
      [35, 64],
      [65, 94],
    ]);
    const short = [new Uint8Array(30), new Uint8Array(30), new Uint8Array(30)];
    expect(await h.readv(path, short, 40)).toBe(60);
    expect(short.map((b) => [b[0], b[29]])).toEqual([
      [40, 69],
      [70, 99],
      [0, 0],
    ]);
  } finally {
    h.closeAll();
  }
});
