// The serve log: size rotation with a fixed number of old files, owner-only
// mode, and the copy of stdout/stderr (timestamped, uncoloured, whole lines).
import { expect, test } from "bun:test";
import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { RotatingLog } from "../../../src/cli/serve/log-file.ts";
import { noFileModes } from "../../helpers/platform.ts";
import { tempDir } from "../../helpers/tmp.ts";

const read = (p: string) => readFileSync(p, "utf8");
const mode = (p: string) => statSync(p).mode & 0o777;

test.concurrent("rotates before a write would pass maxBytes; keeps `keep` old files, oldest dropped", async () => {
  await using dir = await tempDir();
  const path = join(dir.path, "logs", "serve.log"); // the folder is made
  const log = new RotatingLog(path, { maxBytes: 20, keep: 2 });
  for (let i = 1; i <= 9; i++) log.write(`line ${i} 123456\n`); // 14 bytes: one a file
  log.close();
  expect([read(path), read(`${path}.1`), read(`${path}.2`)]).toEqual(["line 9 123456\n", "line 8 123456\n", "line 7 123456\n"]);
  expect(existsSync(`${path}.3`)).toBe(false);
  if (!noFileModes) {
    for (const p of [path, `${path}.1`, `${path}.2`]) expect(mode(p)).toBe(0o600);
    expect(mode(join(dir.path, "logs"))).toBe(0o700);
  }
});

test.concurrent("appends to an existing log, counts its size, and makes it owner-only", async () => {
  await using dir = await tempDir();
  const path = join(dir.path, "serve.log");
  writeFileSync(path, "0123456789\n");
  chmodSync(path, 0o644);
  const log = new RotatingLog(path, { maxBytes: 16, keep: 3 });
  if (!noFileModes) expect(mode(path)).toBe(0o600);
  log.write("abc\n"); // 15 bytes: fits
  log.write("defg\n"); // would be 20: rotates first
  log.close();
  expect([read(`${path}.1`), read(path)]).toEqual(["0123456789\nabc\n", "defg\n"]);
  expect(existsSync(`${path}.2`)).toBe(false);
});

test.concurrent("a line longer than maxBytes still goes in, alone", async () => {
  await using dir = await tempDir();
  const path = join(dir.path, "serve.log");
  const log = new RotatingLog(path, { maxBytes: 8, keep: 1 });
  log.write("a\n");
  log.write("a long line\n");
  log.write("b\n");
  log.close();
  expect([read(`${path}.1`), read(path)]).toEqual(["a long line\n", "b\n"]);
});

const FIXTURE = join(import.meta.dir, "tee-fixture.ts");
const STAMP = "2026-01-02T03:04:05.678Z";

test.concurrent("teeOutput: stdout and stderr still print, and each line goes into the log stamped and uncoloured", async () => {
  await using dir = await tempDir();
  const path = join(dir.path, "serve.log");
  const p = Bun.spawn([process.execPath, FIXTURE, path], { stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  expect({ out, err, code }).toEqual({ out: "ready: alice\nhéllo\nin pieces\nsecond\nunfinished", err: "\x1b[31mp2pchat: error\x1b[39m\n", code: 0 });
  const lines = ["ready: alice", "p2pchat: error", "héllo", "in pieces", "second", "unfinished"];
  expect(read(path)).toBe(lines.map((l) => `${STAMP} ${l}\n`).join(""));
  if (!noFileModes) expect(mode(path)).toBe(0o600);
});

test.concurrent("teeOutput's stop: writes the unfinished line, then output no longer goes to the log", async () => {
  await using dir = await tempDir();
  const path = join(dir.path, "serve.log");
  const p = Bun.spawn([process.execPath, FIXTURE, path, "stop"], { stdout: "pipe", stderr: "pipe" });
  const [out, code] = await Promise.all([new Response(p.stdout).text(), p.exited]);
  expect(code).toBe(0);
  expect(out.endsWith("unfinished\nafter stop\n")).toBe(true);
  expect(read(path).split("\n").at(-2)).toBe(`${STAMP} unfinished`);
  expect(read(path)).not.toContain("after stop");
});
