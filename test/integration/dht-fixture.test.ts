// test/net/dht-node-fixture.ts, the DHT nodes of the namespace testbed, run
// here on loopback: it prints its nodes, serves records, stops on SIGTERM.
import { expect, test, setDefaultTimeout } from "bun:test";
import { join } from "node:path";
import type { PeerId } from "../../src/protocol/peer-id.ts";
import { DhtClient } from "../../src/reach/dht/dht-client.ts";
import { parseBootstrap } from "../../src/reach/dht/dht-bootstrap.ts";
import { generateDiscoveryKey } from "../../src/reach/dht/discovery-key.ts";
import { encodeRecord } from "../../src/reach/dht/record.ts";
import { textLines } from "../../src/transport/lines.ts";
import { isWindows, skipped } from "../helpers/platform.ts";

setDefaultTimeout(60_000);

const FIXTURE = join(import.meta.dir, "..", "net", "dht-node-fixture.ts");
const ALICE = "P56IOI7-MZJNU2Y-IQGDREY-DM2MGTI-MGL3BXN-PQ6W5BM-TBBZ4TJ-XZWICQ2" as PeerId;

// The fixture serves the namespace testbed (Linux) and stops on SIGTERM, which Windows does not have.
const noSigterm = isWindows ? "the fixture stops on SIGTERM, which Windows does not have (a kill there ends a process outright)" : null;
test.skipIf(noSigterm !== null)(`runs K nodes, prints them and a ready line, carries records, stops on SIGTERM${skipped(noSigterm)}`, async () => {
  const proc = Bun.spawn([process.execPath, FIXTURE, "--count", "3"], { stdout: "pipe", stderr: "pipe", env: { ...process.env, P2PCHAT_DISCOVERY: "off" } });
  try {
    const lines = textLines(proc.stdout);
    const nodes = [(await lines.next()).value, (await lines.next()).value, (await lines.next()).value];
    const ready = (await lines.next()).value as string;
    for (const n of nodes) expect(n).toMatch(/^dht-node 127\.0\.0\.1:\d+$/);
    expect(ready).toBe(`ready ${nodes.map((n) => n!.slice("dht-node ".length)).join(",")}`);
    const bootstrap = parseBootstrap(ready.slice("ready ".length));
    const alice = generateDiscoveryKey();
    {
      await using a = await DhtClient.start({ bootstrap, host: "127.0.0.1" });
      await using b = await DhtClient.start({ bootstrap: bootstrap.slice(2), host: "127.0.0.1" });
      await a.publish(encodeRecord({ peerId: ALICE, addresses: ["127.0.0.1:20001"], relays: [] }, alice));
      expect((await b.resolve(alice.publicKey))?.addresses).toEqual(["127.0.0.1:20001"]);
    }
    proc.kill("SIGTERM");
    expect((await lines.next()).value).toBe("stopped");
    expect(await proc.exited).toBe(0);
    expect(await new Response(proc.stderr).text()).toBe("");
  } finally {
    proc.kill();
  }
});

test("refuses bad options with a message, exit 2", async () => {
  const r = Bun.spawnSync([process.execPath, FIXTURE, "--count", "0"], { stdout: "pipe", stderr: "pipe" });
  expect([r.exitCode, r.stderr.toString()]).toEqual([2, "dht-node-fixture: --count must be 1..100, not 0\n"]);
});
