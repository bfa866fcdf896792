// kill -9 in the middle of a 200 MiB file, of the receiver and then of the
// sender: after a restart the transfer finishes by itself, from the last
// verified chunk (not from the start), the SHA-256 matches, and `files
// --json` says done on both sides. The nodes first reach each other through
// a throttling proxy (40 MiB/s), so "about a third" is a moment a test can
// hit; after the restart they may link directly (each learned the other's
// own address from its hello), at full speed.
import { expect, setDefaultTimeout, test } from "bun:test";
import { join } from "node:path";
import { bigFile, durableBytes, sha256File, watchDurable } from "../helpers/files.ts";
import { makeUser, said, type ServeProcess, type User } from "../helpers/serve.ts";
import { startThrottleProxy, type ThrottleProxy } from "../helpers/throttle-proxy.ts";
import { tempDir } from "../helpers/tmp.ts";
import { eventually } from "../helpers/wait.ts";

setDefaultTimeout(240_000);

const SIZE = 200 * 1024 * 1024;
const RATE = 40 * 1024 * 1024;

/** Each knows the other only through its proxy. */
async function pair(alice: User, bob: User): Promise<{ toAlice: ThrottleProxy; toBob: ThrottleProxy } & AsyncDisposable> {
  const toAlice = startThrottleProxy(alice.port, RATE);
  const toBob = startThrottleProxy(bob.port, RATE);
  for (const [x, y, proxy] of [
    [alice, bob, toBob],
    [bob, alice, toAlice],
  ] as const) {
    const r = await x.cli(["contacts", "add", y.name, `127.0.0.1:${proxy.port}`, "--id", y.peerId]);
    if (r.exitCode !== 0) throw new Error(r.stderr);
  }
  expect((await bob.cli(["files", "settings", "--auto-accept", "1024"])).exitCode).toBe(0);
  return {
    toAlice,
    toBob,
    async [Symbol.asyncDispose]() {
      await toAlice[Symbol.asyncDispose]();
      await toBob[Symbol.asyncDispose]();
    },
  };
}

for (const victim of ["receiver", "sender"] as const) {
  test(`a 200 MiB file survives kill -9 of the ${victim} at about a third`, async () => {
    await using dir = await tempDir();
    await using alice = await makeUser("alice");
    await using bob = await makeUser("bob");
    await using proxies = await pair(alice, bob);
    const src = join(dir.path, "big.iso");
    const sha = await bigFile(src, SIZE);
    let aliceServe: ServeProcess = await alice.serve();
    let bobServe: ServeProcess = await bob.serve();
    const sent = await alice.cli(["send", "bob", "--file", src, "--no-wait"]);
    expect(sent).toMatchObject({ exitCode: 0, stdout: expect.stringMatching(/^offered to bob: big\.iso \(200 MiB, [0-9a-f]{8}\)/) });

    await eventually(async () => (await durableBytes(bob.home)) >= SIZE / 3, "a third verified and recorded", 120_000, 20);
    const killed = victim === "receiver" ? bobServe : aliceServe;
    killed.proc.kill("SIGKILL");
    await killed.proc.exited;
    const atKill = await durableBytes(bob.home);
    expect(atKill).toBeLessThan(SIZE);
    if (victim === "receiver") bobServe = await bob.serve();
    else aliceServe = await alice.serve();
    // Resumed, not started over: from the restart on, what the receiver has recorded never falls below what it had.
    const watch = watchDurable(bob.home);

    await said(`after the kill at ${atKill} bytes`, bobServe.waitFor(/^\* file from alice: "big\.iso" \(200 MiB\) saved as .+big\.iso$/, 180_000).then(() => {}));
    const recorded = await watch.stop();
    expect(recorded.length).toBeGreaterThan(0);
    expect(Math.min(...recorded)).toBeGreaterThanOrEqual(atKill);
    const [theirs] = JSON.parse((await bob.cli(["files", "--json"])).stdout);
    expect(theirs).toMatchObject({ name: "big.iso", state: "done", bytes: SIZE, sha256: sha, path: join(bob.home, "downloads", "big.iso") });
    expect(await sha256File(theirs.path)).toBe(sha);
    await eventually(async () => JSON.parse((await alice.cli(["files", "--json"])).stdout)[0]?.state === "done", "done at the sender too", 30_000, 100);
    void aliceServe;
    void proxies;
  });
}
