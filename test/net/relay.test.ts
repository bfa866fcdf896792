// Relays in the namespace testbed: alice and bob each behind a NAT router
// that maps nothing, a relay on the internet (Debian's strelaysrv, then
// `p2pchat relay`), real `p2pchat serve` processes. They meet by invite (the
// invite carries the relay), chat through the relay both ways, and a
// 10,000-message stream arrives exactly once and in order across a kill -9
// of the relay; the relay's traffic, captured on its own interface, never
// holds the message text.
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { dialFrom } from "./fixtures.ts";
import { netnsUnavailable, netPrefix } from "./netns.ts";
import { relayWorld, type RelayKind, type RelayWorld } from "./relay-net.ts";
import { destroyLiveTestbeds } from "./testbed.ts";

setDefaultTimeout(90_000);
const PREFIX = netPrefix("rl");
const why = await netnsUnavailable(PREFIX, { tools: ["tcpdump"] });
const noStrelaysrv = why ?? (Bun.which("strelaysrv", { PATH: `${process.env.PATH ?? ""}:/usr/sbin:/sbin` }) ? null : "`strelaysrv` is not installed (Debian: syncthing-relaysrv)");
if (why) console.warn(`p2pchat: network namespace tests skipped: ${why}`);
else if (noStrelaysrv) console.warn(`p2pchat: strelaysrv namespace tests skipped: ${noStrelaysrv}`);
afterAll(destroyLiveTestbeds);

const STREAM = 10_000;
/** Every message text carries this, so the capture can be searched for it. */
const SECRET = "plaintext-canary-7d1e";
/** The relay protocol's magic (0x9E79BC40): a session join crosses the relay's wire in the clear, so a capture that saw the sessions holds it. */
const RELAY_MAGIC = Buffer.from([0x9e, 0x79, 0xbc, 0x40]);

/** tcpdump on the relay's interface, written out packet by packet. */
async function capture(w: RelayWorld, file: string): Promise<{ stop(): Promise<Buffer> }> {
  const p = w.relay.host.spawn(["tcpdump", "-i", "eth0", "-n", "-U", "-s", "0", "-w", file, "tcp"]);
  await p.waitFor(/listening on eth0/, { stream: "stderr" });
  return {
    async stop() {
      await p.stop("SIGINT");
      return readFileSync(file);
    },
  };
}

/** The number of the last stream message alice's serve printed (-1: none yet). */
function lastShown(lines: readonly string[]): number {
  for (let i = lines.length - 1; i >= 0; i--) {
    const m = new RegExp(`: ${SECRET} (\\d+)$`).exec(lines[i]!);
    if (m) return Number(m[1]);
  }
  return -1;
}

const cases: [RelayKind, string | null][] = [
  ["strelaysrv", noStrelaysrv],
  ["p2pchat relay", why],
];

for (const [kind, skip] of cases) {
  describe.skipIf(skip !== null)(`through ${kind} on the internet, alice and bob behind NAT without port mapping`, () => {
    test("they meet by invite and chat both ways via the relay; 10,000 messages arrive once, in order, across a kill -9 of the relay; its wire holds no text", async () => {
      await using w = await relayWorld(`${PREFIX}${kind === "strelaysrv" ? "s" : "p"}`, kind);
      const pcap = await capture(w, join(w.tb.dir, "relay.pcap"));
      const aliceServe = await w.alice.serve([w.relay.uri]);
      const bobServe = await w.bob.serve([w.relay.uri]);
      const joined = new RegExp(`^relay: relay://${w.relay.hostPort.replaceAll(".", "\\.")}/\\S* joined$`, "m");
      await Promise.all([w.alice.untilStatus(joined), w.bob.untilStatus(joined)]);

      // Nothing direct works: alice's private address leads nowhere from
      // bob's home, and her router forwards nothing to her.
      const direct = await Promise.all([w.alice.host.address, w.routerA.wanAddress].map((h) => dialFrom(w.bob.host, h, 20001, { timeoutMs: 1000 })));
      expect(direct).toEqual([expect.objectContaining({ ok: false }), expect.objectContaining({ ok: false })]);

      // The invite carries the relay: adding it reaches alice through it, and
      // her node adds bob at once, before he writes anything.
      const invite = (await w.alice.ok(["invite"])).trim();
      await w.bob.ok(["contacts", "add", invite]);
      await aliceServe.waitFor(/^\* bob joined with your invite: a contact now/);
      // Where bob's hello says he is, not the relay's address.
      const contacts = JSON.parse(await w.alice.ok(["contacts", "list", "--json"])) as { name: string; address: string; addresses: { address: string }[] }[];
      expect(contacts.map((c) => [c.name, c.address, c.addresses.map((a) => a.address)])).toEqual([["bob", `${w.bob.host.address}:20001`, [`${w.bob.host.address}:20001`]]]);
      expect(await w.bob.ok(["send", "alice", `${SECRET} hello alice`])).toStartWith("delivered to alice");
      expect(await w.alice.ok(["send", "bob", `${SECRET} hello bob`])).toStartWith("delivered to bob");
      const via = `via relay ${w.relay.hostPort}`;
      const bobStatus = await w.bob.ok(["status"]);
      expect(bobStatus).toContain(`  alice  ${via}  we dialed  since `);
      expect(bobStatus).toContain(`  alice  linked (${via})`);
      expect(await w.alice.ok(["status"])).toContain(`  bob  ${via}  they dialed  since `);

      // The stream, and the relay killed in the middle of it.
      const texts = Array.from({ length: STREAM }, (_, i) => `${SECRET} ${i}`);
      const chat = w.bob.cli(["chat", "alice", "--wait", "60"], { stdin: texts.join("\n") + "\n" });
      await aliceServe.waitFor((l) => l.endsWith(`: ${SECRET} ${STREAM / 5}`), { timeoutMs: 60_000 });
      const [aliceAtKill, bobAtKill] = [aliceServe.lines().length, bobServe.lines().length];
      await w.relay.kill();
      await w.relay.restart();
      const done = await chat;
      expect({ exitCode: done.exitCode, stderr: done.stderr }).toEqual({ exitCode: 0, stderr: "" });
      // The kill cut the stream in the middle: both links went down, and came
      // back through the restarted relay; the rest of the stream came after.
      const aliceAfter = aliceServe.lines().slice(aliceAtKill);
      const cut = aliceAfter.findIndex((l) => l.startsWith("* bob disconnected"));
      expect(cut).toBeGreaterThanOrEqual(0);
      expect(lastShown(aliceServe.lines().slice(0, aliceAtKill + cut))).toBeLessThan(STREAM - 1);
      expect(aliceAfter.slice(cut)).toContain(`* bob connected (${via}, they dialed)`);
      const bobAfter = bobServe.lines().slice(bobAtKill);
      const down = bobAfter.findIndex((l) => l.startsWith("* alice disconnected"));
      expect(down).toBeGreaterThanOrEqual(0);
      expect(bobAfter.indexOf(`* alice connected (${via}, we dialed)`)).toBeGreaterThan(down);

      const history = JSON.parse(await w.alice.ok(["history", "bob", "--json", "--limit", String(STREAM + 10)])) as { direction: string; text: string }[];
      expect(history.filter((e) => e.direction === "in").map((e) => e.text)).toEqual([`${SECRET} hello alice`, ...texts]);
      expect(await w.bob.ok(["status"])).toContain("pending: none");

      // The capture saw the relayed sessions (their joins cross in the clear,
      // and the stream's bytes went through it), yet holds no message text.
      const wire = await pcap.stop();
      expect(wire.indexOf(RELAY_MAGIC)).toBeGreaterThanOrEqual(0);
      expect(wire.byteLength).toBeGreaterThan(2 * texts.join("\n").length);
      expect(wire.indexOf(SECRET)).toBe(-1);
      expect(wire.indexOf("hello alice")).toBe(-1);
    });
  });
}
