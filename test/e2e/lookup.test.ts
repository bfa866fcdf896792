// `p2pchat lookup` as a person runs it, against a DHT testnet on loopback.
import { describe, expect, test, setDefaultTimeout } from "bun:test";
import { createSocket } from "node:dgram";
import { peerIdFromDigest, type PeerId } from "../../src/protocol/peer-id.ts";
import { DhtClient } from "../../src/reach/dht/dht-client.ts";
import { generateDiscoveryKey } from "../../src/reach/dht/discovery-key.ts";
import { encodeRecord } from "../../src/reach/dht/record.ts";
import { openLocal, openLocalStore } from "../../src/home/open-local.ts";
import { runCli } from "../helpers/cli.ts";
import { makeUser } from "../helpers/serve.ts";
import { tempDir } from "../helpers/tmp.ts";
import { startTestnet } from "../net/dht-testnet.ts";

setDefaultTimeout(60_000);

const ALICE = "P56IOI7-MZJNU2Y-IQGDREY-DM2MGTI-MGL3BXN-PQ6W5BM-TBBZ4TJ-XZWICQ2" as PeerId;

describe("lookup", () => {
  test.concurrent("prints the peer id, addresses, relays and age of a published record; --json too", async () => {
    await using net = await startTestnet({ size: 4 });
    await using publisher = await DhtClient.start({ bootstrap: net.bootstrap, host: "127.0.0.1" });
    const alice = generateDiscoveryKey();
    const seq = BigInt(Date.now() - 90_000) * 1000n; // published a minute and a half ago
    await publisher.publish(encodeRecord({ peerId: ALICE, addresses: ["127.0.0.1:20001", "[::1]:20002"], relays: ["relay://127.0.0.1:22067/?id=R"] }, alice, seq));
    const flag = ["--dht-bootstrap", net.bootstrap.map((b) => `${b.host}:${b.port}`).join(",")];

    const text = await runCli(["lookup", alice.z32, ...flag]);
    const published = new Date(Number(seq / 1000n)).toISOString();
    expect([text.stderr, text.exitCode]).toEqual(["", 0]);
    const lines = text.stdout.split("\n");
    expect(lines.slice(0, 5)).toEqual([`key: ${alice.z32}`, `peer id: ${ALICE}`, "address: 127.0.0.1:20001", "address: [::1]:20002", "relay: relay://127.0.0.1:22067/?id=R"]);
    // 90 s, plus however long the CLI took to start on a busy machine.
    expect(lines.slice(5)).toEqual([expect.stringMatching(new RegExp(`^published: ${published} \\((9\\d|1[01]\\d) s ago\\)$`)), ""]);

    const json = await runCli(["lookup", `pk:${alice.z32}`, "--json", ...flag]);
    expect([json.stderr, json.exitCode]).toEqual(["", 0]);
    expect(JSON.parse(json.stdout)).toEqual({
      key: alice.z32,
      found: true,
      peerId: ALICE,
      addresses: ["127.0.0.1:20001", "[::1]:20002"],
      relays: ["relay://127.0.0.1:22067/?id=R"],
      seq: String(seq),
      published,
      ageSeconds: expect.any(Number),
    });
    expect(JSON.parse(json.stdout).ageSeconds).toBeGreaterThanOrEqual(90);
  });

  test.concurrent("lookup NAME: a record naming another peer id than the contact's pin is shown with a warning, and no command to re-pin", async () => {
    await using net = await startTestnet({ size: 3 });
    await using publisher = await DhtClient.start({ bootstrap: net.bootstrap, host: "127.0.0.1" });
    const key = generateDiscoveryKey();
    const MALLORY = peerIdFromDigest(crypto.getRandomValues(new Uint8Array(32)));
    await publisher.publish(encodeRecord({ peerId: MALLORY, addresses: ["127.0.0.1:20001"], relays: [] }, key));
    await using home = await tempDir();
    expect((await runCli(["init", "--home", home.path])).exitCode).toBe(0);
    // alice's contact, pinned and with her discovery key (as her invite or hello gives it).
    const local = await openLocal({ home: home.path });
    const store = await openLocalStore(local);
    await store.addContact({ name: "alice", host: "127.0.0.1", port: 20001, peerId: ALICE, dkey: key.z32 });
    await store.close();
    const flag = ["--dht-bootstrap", `127.0.0.1:${net.bootstrap[0]!.port}`, "--home", home.path];

    const text = await runCli(["lookup", "alice", ...flag]);
    expect(text.exitCode).toBe(0);
    expect(text.stdout).toContain(`peer id: ${MALLORY}\n`);
    expect(text.stderr).toBe(
      `p2pchat: warning: this record names peer id ${MALLORY}, but alice is pinned to ${ALICE}: it is not alice's identity, and alice's node will not talk to it. Only alice can tell you whether they made a new identity\n`,
    );
    expect(text.stderr).not.toContain("contacts pin");
    const json = await runCli(["lookup", "alice", "--json", ...flag]);
    expect(JSON.parse(json.stdout)).toMatchObject({ found: true, peerId: MALLORY, warning: expect.stringContaining(`alice is pinned to ${ALICE}`) });

    // Her own record: no warning.
    await publisher.publish(encodeRecord({ peerId: ALICE, addresses: ["127.0.0.1:20001"], relays: [] }, key));
    const own = await runCli(["lookup", "alice", ...flag]);
    expect([own.stderr, own.exitCode]).toEqual(["", 0]);
    expect(own.stdout).toContain(`peer id: ${ALICE}\n`);
  });

  test.concurrent("a key with no record says so, exit 1", async () => {
    await using net = await startTestnet({ size: 3 });
    const nobody = generateDiscoveryKey();
    const flag = ["--dht-bootstrap", `127.0.0.1:${net.bootstrap[0]!.port}`];
    expect(await runCli(["lookup", nobody.z32, ...flag])).toEqual({
      stdout: "",
      stderr: `p2pchat: no record on the DHT for ${nobody.z32} (never published, or not republished for hours)\n`,
      exitCode: 1,
    });
    expect(await runCli(["lookup", nobody.z32, "--json", ...flag])).toEqual({ stdout: `{\n  "key": "${nobody.z32}",\n  "found": false\n}\n`, stderr: "", exitCode: 1 });
  });

  test.concurrent("no DHT node answers: says so rather than 'no record', exit 1", async () => {
    const silent = createSocket("udp4");
    await new Promise<void>((r) => silent.bind(0, "127.0.0.1", () => r()));
    try {
      const key = generateDiscoveryKey().z32;
      expect(await runCli(["lookup", key, "--dht-bootstrap", `127.0.0.1:${silent.address().port}`])).toEqual({
        stdout: "",
        stderr: `p2pchat: DHT lookup for ${key}: no DHT node answered\n`,
        exitCode: 1,
      });
    } finally {
      silent.close();
    }
  });

  test.concurrent("bad input and no DHT: one line, exit 2; the public DHT is never asked", async () => {
    const key = generateDiscoveryKey().z32;
    const cases: [string[], string][] = [
      [["lookup", key], "no DHT to ask: discovery is off (P2PCHAT_DISCOVERY=off) and no --dht-bootstrap HOST:PORT was given"],
      [["lookup", key.slice(0, -1) + "!", "--dht-bootstrap", "127.0.0.1:9"], "is neither a discovery key"],
      [["lookup", "l" + key.slice(1), "--dht-bootstrap", "127.0.0.1:9"], "not z-base-32"],
      [["lookup", "alice", "--dht-bootstrap", "127.0.0.1:9"], `"alice" is neither a discovery key (52 characters of z-base-32) nor a contact whose discovery key we know`],
      [["lookup", key, "--dht-bootstrap", "[::1]:9"], "IPv6 is not supported by the DHT client"],
      [["lookup", key, "--dht-bootstrap", "127.0.0.1"], "expected HOST:PORT"],
    ];
    await using home = await tempDir();
    expect((await runCli(["init", "--home", home.path])).exitCode).toBe(0);
    for (const [args, message] of cases) {
      const r = await runCli([...args, "--home", home.path]);
      expect([r.stdout, r.exitCode]).toEqual(["", 2]);
      expect(r.stderr).toContain(message);
      expect(r.stderr).toContain("(see `p2pchat lookup --help`)");
      expect(r.stderr.trim().split("\n").length).toBe(1);
    }
  });
});

describe("nearby", () => {
  test("with LAN discovery off, or hidden, nearby says why it hears nobody rather than 'nobody heard'", async () => {
    await using alice = await makeUser("alice");
    const none = await alice.cli(["nearby"]);
    expect(none.exitCode).toBe(1);
    expect(none.stderr).toContain("no node is running for this home");
    await alice.serve(); // the tests run with P2PCHAT_DISCOVERY=off
    expect((await alice.cli(["nearby"])).stdout).toBe("LAN discovery is off for this node (--no-lan, the lan setting, or P2PCHAT_DISCOVERY=off)\n");
    expect(JSON.parse((await alice.cli(["nearby", "--json"])).stdout)).toEqual([]);
    expect((await alice.cli(["discoverable", "off"])).exitCode).toBe(0);
    expect((await alice.cli(["nearby"])).stdout).toStartWith("you are hidden");
  });
});
