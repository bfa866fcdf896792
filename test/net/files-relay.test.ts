// A 200 MiB file through a relay, alice and bob each behind a NAT router
// that maps nothing (the relay is the only way between them), the relay
// limited to 40 MiB/s a session so "about a third" is a moment a test can
// hit: bob's serve killed with kill -9 there, started again, and the file
// finishes by itself from where it was, verified, done on both sides.
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { join } from "node:path";
import { bigFile, durableBytes, sha256File, watchDurable } from "../helpers/files.ts";
import { tempDir } from "../helpers/tmp.ts";
import { eventually } from "../helpers/wait.ts";
import { netnsUnavailable, netPrefix } from "./netns.ts";
import { relayWorld } from "./relay-net.ts";
import { destroyLiveTestbeds } from "./testbed.ts";

setDefaultTimeout(240_000);
const PREFIX = netPrefix("fr");
const why = await netnsUnavailable(PREFIX);
if (why) console.warn(`p2pchat: network namespace tests skipped: ${why}`);
afterAll(destroyLiveTestbeds);

const SIZE = 200 * 1024 * 1024;

describe.skipIf(why !== null)("a file through a relay", () => {
  test("200 MiB through p2pchat relay survives kill -9 of the receiver at about a third", async () => {
    await using dir = await tempDir();
    await using w = await relayWorld(PREFIX, "p2pchat relay", ["--rate", String(40 * 1024)]);
    const src = join(dir.path, "big.iso");
    const sha = await bigFile(src, SIZE);
    await w.alice.serve([w.relay.uri]);
    let bobServe = await w.bob.serve([w.relay.uri]);
    const joined = /^relay: relay:\/\/\S+ joined$/m;
    await Promise.all([w.alice.untilStatus(joined), w.bob.untilStatus(joined)]);
    const invite = (await w.alice.ok(["invite"])).trim();
    await w.bob.ok(["contacts", "add", invite]);
    await w.bob.ok(["files", "settings", "--auto-accept", "1024"]);

    expect(await w.alice.ok(["send", "bob", "--file", src, "--no-wait"])).toMatch(/^offered to bob: big\.iso \(200 MiB, [0-9a-f]{8}\)/);
    await eventually(async () => (await durableBytes(w.bob.home)) >= SIZE / 3, "a third verified and recorded", 120_000, 20);
    await bobServe.stop("SIGKILL");
    const atKill = await durableBytes(w.bob.home);
    expect(atKill).toBeLessThan(SIZE);
    const watch = watchDurable(w.bob.home);
    bobServe = await w.bob.serve([w.relay.uri]);
    await bobServe.waitFor(/^\* file from alice: "big\.iso" \(200 MiB\) saved as .+big\.iso$/, { timeoutMs: 180_000 });
    const recorded = await watch.stop();
    expect(Math.min(...recorded)).toBeGreaterThanOrEqual(atKill);
    expect(await w.bob.ok(["status"])).toContain(`  alice  linked (via relay ${w.relay.hostPort})`);

    const [theirs] = JSON.parse(await w.bob.ok(["files", "--json"]));
    expect(theirs).toMatchObject({ name: "big.iso", state: "done", bytes: SIZE, sha256: sha });
    expect(await sha256File(theirs.path)).toBe(sha);
    await eventually(async () => JSON.parse(await w.alice.ok(["files", "--json"]))[0]?.state === "done", "done at the sender too", 30_000, 100);
  });
});
