// Windows names its control pipe at random and keeps the name in the home
// (src/control/pipe-name.ts). Plain files and a process id: checked here on
// every platform; the pipe itself is opened on Windows (control-pipe.test.ts).
import { describe, expect, test } from "bun:test";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { forgetPipe, freshPipeName, PIPE_FILE, recordedPipe, recordPipe } from "../../../src/control/pipe-name.ts";
import { LOCK_FILE } from "../../../src/home/home-lock.ts";
import { tempDir } from "../../helpers/tmp.ts";

/** node.lock as a node writes it, held by `pid`. */
const holdLock = (home: string, pid: number) => writeFileSync(join(home, LOCK_FILE), JSON.stringify({ pid, command: "serve", address: null, since: Date.now() }) + "\n");

/** A process id that was alive a moment ago and is not now. */
async function deadPid(): Promise<number> {
  const p = Bun.spawn([process.execPath, "-e", "0"]);
  await p.exited;
  return p.pid;
}

describe("the control pipe's name", () => {
  test("128 random bits under \\\\.\\pipe\\, new every time", () => {
    const names = new Set(Array.from({ length: 50 }, freshPipeName));
    expect(names.size).toBe(50);
    for (const n of names) expect(n).toMatch(/^\\\\\.\\pipe\\p2pchat-[0-9a-f]{32}$/);
  });

  test("recorded in the home, it is found while the node that holds the home lives, and not after", async () => {
    await using home = await tempDir();
    const name = freshPipeName();
    expect(recordedPipe(home.path)).toBeNull();
    recordPipe(home.path, name);
    expect(recordedPipe(home.path)).toBeNull(); // no node holds the home
    holdLock(home.path, process.pid);
    expect(recordedPipe(home.path)).toBe(name);
    holdLock(home.path, await deadPid()); // killed without letting go: the name may be anyone's now
    expect(recordedPipe(home.path)).toBeNull();
  });

  test("a file that names anything else is not followed", async () => {
    await using home = await tempDir();
    holdLock(home.path, process.pid);
    for (const text of ["\\\\.\\pipe\\someone-else\n", "\\\\server\\pipe\\p2pchat-00000000000000000000000000000000", "/tmp/x.sock", ""]) {
      writeFileSync(join(home.path, PIPE_FILE), text);
      expect(recordedPipe(home.path)).toBeNull();
    }
  });

  test("a stopping serve takes back its own name only", async () => {
    await using home = await tempDir();
    holdLock(home.path, process.pid);
    const [old, later] = [freshPipeName(), freshPipeName()];
    recordPipe(home.path, later);
    forgetPipe(home.path, old); // an older serve stopping late
    expect(recordedPipe(home.path)).toBe(later);
    forgetPipe(home.path, later);
    expect(existsSync(join(home.path, PIPE_FILE))).toBe(false);
  });
});
