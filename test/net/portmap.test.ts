// Port mapping against Debian's miniupnpd on router A, in the testbed: alice
// maps her port by UPnP (IGD v2 and v1) and by NAT-PMP, the internet reaches
// her echo server there, renewals keep the port, stop() removes the rules,
// router B (no mapping) leaves current() null and the logs at debug, and a
// new WAN address on router A reaches onChange, and a new LAN address on
// alice's side a new mapping from it. A host on the LAN that answers SSDP or
// NAT-PMP in the gateway's place is not listened to: its description
// (URLBase on alice's own loopback) is never fetched.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { candidatePorts, type PublicAddress } from "../../src/reach/nat/portmap.ts";
import { dialFrom, startEcho } from "./fixtures.ts";
import { homes, type Homes } from "./home.ts";
import type { Host } from "./host.ts";
import { netnsUnavailable, netPrefix } from "./netns.ts";
import type { NsProcess } from "./process.ts";
import { destroyLiveTestbeds } from "./testbed.ts";
import { pollUntil } from "../helpers/wait.ts";

setDefaultTimeout(60_000);
const PREFIX = netPrefix("pm");
const why = await netnsUnavailable(PREFIX, { tools: ["miniupnpd"] });
if (why) console.warn(`p2pchat: network namespace tests skipped: ${why}`);
afterAll(destroyLiveTestbeds);

const FIXTURE = `${import.meta.dir}/portmap-fixture.ts`;

type Line = { ready?: number; fingerprint?: string; started?: PublicAddress | null; change?: PublicAddress | null; moved?: PublicAddress | null; log?: string; msg?: string; stopped?: boolean };

/** portmap-fixture.ts on `host`, its JSON lines parsed. */
class Mapper {
  constructor(readonly proc: NsProcess) {}
  static async start(host: Host, args: string[] = [], env: Record<string, string> = {}): Promise<Mapper & { port: number; started: PublicAddress | null }> {
    const m = new Mapper(host.spawn([process.execPath, FIXTURE, ...args], { env }));
    const port = (await m.next((l) => l.ready !== undefined)).ready!;
    const started = (await m.next((l) => l.started !== undefined)).started!;
    return Object.assign(m, { port, started });
  }
  lines(): Line[] {
    return this.proc.lines().map((l) => JSON.parse(l) as Line);
  }
  /** The first line at or after `from` that matches. */
  async next(match: (l: Line) => boolean, from = 0, timeoutMs = 20_000): Promise<Line> {
    return JSON.parse(await this.proc.waitFor((l) => match(JSON.parse(l) as Line), { from, timeoutMs })) as Line;
  }
  async stop(): Promise<void> {
    const from = this.proc.lines().length;
    this.proc.send("stop");
    await this.next((l) => l.stopped === true, from);
  }
}

describe.skipIf(why !== null)("port mapping through miniupnpd (IGD v2 and NAT-PMP)", () => {
  let h: Homes;
  beforeAll(async () => {
    h = await homes(PREFIX);
  });
  afterAll(async () => {
    await h?.tb.destroy();
  });

  for (const via of ["upnp", "nat-pmp"] as const) {
    test(`${via}: the internet reaches alice at the mapped address; stop() removes the mapping`, async () => {
      const m = await Mapper.start(h.alice, ["--via", via]);
      expect(m.started).toEqual({ address: h.routerA.wanAddress, port: m.port, via });
      expect(await h.routerA.miniupnpd!.rules()).toEqual([`iif "wan" @nh,72,8 0x6 th dport ${m.port} dnat ip to ${h.alice.address}:${m.port}`]);
      // DNAT only: alice sees the dialler's own address.
      expect(await dialFrom(h.server, h.routerA.wanAddress, m.port)).toEqual({ ok: true, hello: `hello ${h.server.address}` });
      expect(await dialFrom(h.bob, h.routerA.wanAddress, m.port)).toEqual({ ok: true, hello: `hello ${h.routerB.wanAddress}` });
      await m.stop();
      expect(await h.routerA.miniupnpd!.rules()).toEqual([]);
      // The echo server still listens, but nothing leads to it any more.
      expect(await dialFrom(h.alice, "127.0.0.1", m.port)).toMatchObject({ ok: true });
      expect(await dialFrom(h.server, h.routerA.wanAddress, m.port)).toEqual({ ok: false, error: "ECONNREFUSED" });
      expect(m.lines().filter((l) => l.change !== undefined)).toEqual([{ change: m.started }, { change: null }]);
      await m.proc.stop();
    });

    test(`${via}: renewals keep the mapping and its port well past the lease`, async () => {
      const m = await Mapper.start(h.alice, ["--via", via, "--lease", "2"]);
      expect(m.started).toMatchObject({ port: m.port, via });
      // Renewed at half-time: the third renewal comes after 3 s, past the first lease of 2 s.
      let renewals = 0;
      await m.next((l) => /renewed port/.test(l.msg ?? "") && ++renewals === 3);
      expect(m.lines().filter((l) => /renewed/.test(l.msg ?? ""))).toEqual(Array(3).fill({ log: "debug", msg: `${via}: renewed port ${m.port} for 2 s` }));
      expect(await h.routerA.miniupnpd!.rules()).toHaveLength(1);
      expect(await dialFrom(h.server, h.routerA.wanAddress, m.port)).toMatchObject({ ok: true });
      expect(m.lines().filter((l) => l.change !== undefined)).toEqual([{ change: m.started }]);
      await m.stop();
      await m.proc.stop();
    });
  }

  test("upnp: a port another host holds falls back to a stable pseudo-random one, the same after a restart", async () => {
    const carol = await h.tb.addHost("carol", h.routerA);
    const first = await Mapper.start(carol, ["--via", "upnp"]);
    const port = first.port;
    const taken = await Mapper.start(h.alice, ["--via", "upnp", "--port", String(port), "--seed", "alice"]);
    const expected = candidatePorts(port, "alice", `uuid:${h.routerA.miniupnpd!.uuid}`)[1];
    expect(taken.started).toEqual({ address: h.routerA.wanAddress, port: expected!, via: "upnp" });
    expect(await dialFrom(h.server, h.routerA.wanAddress, expected!)).toEqual({ ok: true, hello: `hello ${h.server.address}` });
    await taken.stop();
    await taken.proc.stop();
    const again = await Mapper.start(h.alice, ["--via", "upnp", "--port", String(port), "--seed", "alice"]);
    expect(again.started).toEqual(taken.started);
    for (const m of [again, first]) {
      await m.stop();
      await m.proc.stop();
    }
    expect(await h.routerA.miniupnpd!.rules()).toEqual([]);
  });

  test("TLS through the mapping: bob, behind his own NAT, reaches alice and sees her certificate", async () => {
    const m = await Mapper.start(h.alice, ["--tls"]);
    const fp = m.lines()[0]!.fingerprint!;
    expect(m.started?.via).toBe("upnp"); // the default order: UPnP first
    expect(await dialFrom(h.bob, m.started!.address, m.started!.port, { tls: fp })).toEqual({ ok: true, hello: `hello ${h.routerB.wanAddress}`, fingerprint: fp });
    await m.stop();
    await m.proc.stop();
  });

  test("behind router B (no port mapping): start() retries quietly, current() stays null", async () => {
    const m = await Mapper.start(h.bob, ["--retry", "1", "--discover-ms", "500"]);
    expect(m.started).toBeNull();
    // A second round of attempts a second later, all at debug level, and no change.
    let rounds = 0;
    await m.next((l) => /^nat-pmp:/.test(l.msg ?? "") && ++rounds === 2);
    const round = [
      { log: "debug", msg: "upnp: no gateway answered" },
      { log: "debug", msg: `nat-pmp: no gateway: nothing answers NAT-PMP at ${h.routerB.lanAddress}` },
    ];
    expect(m.lines().slice(1, 6)).toEqual([...round, { started: null }, ...round]);
    await m.stop();
    expect(m.lines().at(-1)).toEqual({ stopped: true, current: null } as Line);
    await m.proc.stop();
  });

  test("P2PCHAT_DISCOVERY=off: the gateway hears nothing from alice", async () => {
    const before = h.routerA.miniupnpd!.log().length;
    const m = await Mapper.start(h.alice, [], { P2PCHAT_DISCOVERY: "off" });
    expect(m.started).toBeNull();
    await m.stop();
    expect(m.lines().filter((l) => l.log || l.change !== undefined)).toEqual([]);
    expect(h.routerA.miniupnpd!.log().slice(before)).not.toMatch(/192\.168\.1\.10/);
    await m.proc.stop();
  });

  for (const via of ["upnp", "nat-pmp"] as const) {
    test(`${via}: when router A's WAN address changes, onChange reports the new public address`, async () => {
      const m = await Mapper.start(h.alice, ["--via", via, "--check", "0.5"]);
      const before = h.routerA.wanAddress;
      const from = m.proc.lines().length;
      await h.routerA.setWanAddress("11.0.0.50");
      try {
        const change = await m.next((l) => l.change !== undefined, from);
        expect(change).toEqual({ change: { address: "11.0.0.50", port: m.port, via } });
        expect(await dialFrom(h.server, "11.0.0.50", m.port)).toEqual({ ok: true, hello: `hello ${h.server.address}` });
      } finally {
        await h.routerA.setWanAddress(before);
      }
      await m.stop();
      await m.proc.stop();
    });
  }

  for (const via of ["upnp", "nat-pmp"] as const) {
    test(`${via}: alice's LAN address changes: networkChanged() maps again from the new one; the router keeps the old one for its lease`, async () => {
      const m = await Mapper.start(h.alice, ["--via", via]);
      const before = h.alice.address;
      await h.alice.setAddress("192.168.1.88");
      try {
        const from = m.proc.lines().length;
        m.proc.send("moved");
        const moved = (await m.next((l) => l.moved !== undefined, from)).moved!;
        expect(moved).toMatchObject({ address: h.routerA.wanAddress, via });
        expect(moved.port).not.toBe(m.port); // the old mapping holds it
        expect(m.lines().filter((l) => l.change !== undefined)).toEqual([{ change: m.started }, { change: null }, { change: moved }]);
        // Secure mode: only the old address could remove its mapping (UPnP refuses; NAT-PMP cannot name it).
        const why = via === "upnp" ? /could not remove the mapping of port \d+ \(upnp, this machine's address changed .*606/ : /NAT-PMP cannot name from here/;
        expect(m.lines().some((l) => why.test(l.msg ?? ""))).toBe(true);
        const rules = await h.routerA.miniupnpd!.rules();
        expect(rules).toContain(`iif "wan" @nh,72,8 0x6 th dport ${moved.port} dnat ip to 192.168.1.88:${m.port}`);
        expect(rules).toContain(`iif "wan" @nh,72,8 0x6 th dport ${m.port} dnat ip to ${before}:${m.port}`);
        expect(await dialFrom(h.server, h.routerA.wanAddress, moved.port)).toEqual({ ok: true, hello: `hello ${h.server.address}` });
        await m.stop();
        expect(await h.routerA.miniupnpd!.rules()).not.toContainEqual(expect.stringContaining("192.168.1.88"));
      } finally {
        await h.alice.setAddress(before);
      }
      await m.proc.stop();
    });
  }
});

describe.skipIf(why !== null)("port mapping through miniupnpd with an IGD v1 description", () => {
  test("upnp: WANIPConnection:1 maps, the internet reaches alice, stop() removes it", async () => {
    await using h = await homes(`${PREFIX}1`, { upnp: { igd: "v1", natpmp: false } });
    const m = await Mapper.start(h.alice);
    expect(m.started).toEqual({ address: h.routerA.wanAddress, port: m.port, via: "upnp" });
    expect(h.routerA.miniupnpd!.log()).toContain("SOAPAction: urn:schemas-upnp-org:service:WANIPConnection:1#AddPortMapping");
    expect(await dialFrom(h.server, h.routerA.wanAddress, m.port)).toMatchObject({ ok: true });
    await m.stop();
    expect(await h.routerA.miniupnpd!.rules()).toEqual([]);
    await m.proc.stop();
  });
});

const SSDP_LIAR = `${import.meta.dir}/ssdp-liar-fixture.ts`;
const NATPMP_LIAR = `${import.meta.dir}/natpmp-liar-fixture.ts`;
const parsed = (lines: readonly string[]) => lines.map((l) => JSON.parse(l) as Record<string, unknown>);

describe.skipIf(why !== null)("a LAN host answering in the gateway's place", () => {
  /** carol on router A's LAN answers M-SEARCH with a description whose URLBase is alice's own loopback, where a service listens. */
  async function ssrfSetup(h: Homes) {
    const carol = await h.tb.addHost("carol", h.routerA);
    const victim = await startEcho(h.alice, { host: "127.0.0.1", port: 8999 });
    const liar = carol.spawn([process.execPath, SSDP_LIAR, "--address", carol.address, "--urlbase", "http://127.0.0.1:8999/"]);
    await liar.waitFor(/"ready"/);
    const ignored = { log: "debug", msg: `upnp: an SSDP answer from ${carol.address}, not the gateway ${h.routerA.lanAddress}: ignored` };
    return { carol, victim, liar, ignored };
  }

  test("a gateway without UPnP: the liar's description is never fetched, alice's loopback hears nothing, NAT-PMP maps", async () => {
    await using h = await homes(`${PREFIX}s`, { upnp: { upnp: false } });
    const { victim, liar, ignored } = await ssrfSetup(h);
    const m = await Mapper.start(h.alice, ["--retry", "1", "--discover-ms", "500"]);
    expect(m.started).toEqual({ address: h.routerA.wanAddress, port: m.port, via: "nat-pmp" });
    await liar.waitFor(/"answered"/);
    expect(victim.proc.lines().filter((l) => l.startsWith("conn"))).toEqual([]);
    expect(parsed(liar.lines()).filter((l) => l.http)).toEqual([]);
    expect(m.lines().filter((l) => l.msg?.includes("not the gateway"))).toEqual([ignored]);
    await m.stop();
    await m.proc.stop();

    // UPnP alone, retried each second: the liar answers each search, and is said once.
    const upnp = await Mapper.start(h.alice, ["--via", "upnp", "--retry", "1", "--discover-ms", "500"]);
    expect(upnp.started).toBeNull();
    let rounds = 0;
    await upnp.next((l) => l.msg === "upnp: no gateway answered" && ++rounds === 3);
    expect(parsed(liar.lines()).filter((l) => l.answered === h.alice.address).length).toBeGreaterThanOrEqual(3 * 2);
    expect(upnp.lines().filter((l) => l.msg?.includes("not the gateway"))).toEqual([ignored]);
    expect(parsed(liar.lines()).filter((l) => l.http)).toEqual([]);
    expect(victim.proc.lines().filter((l) => l.startsWith("conn"))).toEqual([]);
    await upnp.stop();
    await upnp.proc.stop();
  });

  test("miniupnpd on the real gateway still maps by UPnP, with the liar answering beside it", async () => {
    await using h = await homes(`${PREFIX}t`);
    const { victim, liar } = await ssrfSetup(h);
    const m = await Mapper.start(h.alice, ["--via", "upnp"]);
    expect(m.started).toEqual({ address: h.routerA.wanAddress, port: m.port, via: "upnp" });
    expect(await h.routerA.miniupnpd!.rules()).toEqual([`iif "wan" @nh,72,8 0x6 th dport ${m.port} dnat ip to ${h.alice.address}:${m.port}`]);
    await liar.waitFor(/"answered"/);
    expect(parsed(liar.lines()).filter((l) => l.http)).toEqual([]);
    expect(victim.proc.lines().filter((l) => l.startsWith("conn"))).toEqual([]);
    await m.stop();
    expect(await h.routerA.miniupnpd!.rules()).toEqual([]);
    await m.proc.stop();
  });

  test("NAT-PMP answers from a host that is not the gateway are not taken", async () => {
    await using h = await homes(`${PREFIX}u`);
    const mallory = await h.tb.addHost("mallory", h.routerB);
    // Router B speaks no NAT-PMP and drops what is sent to it, so bob asks four times over 3.75 s.
    await h.routerB.exec(["nft", "add chain inet filter input { type filter hook input priority 0; policy accept; }"]);
    await h.routerB.exec(["nft", "add rule inet filter input udp dport 5351 drop"]);
    // What of mallory's reaches bob's machine is counted there.
    await h.bob.exec(["nft", "add table inet count"]);
    await h.bob.exec(["nft", "add chain inet count input { type filter hook input priority 0; policy accept; }"]);
    await h.bob.exec(["nft", `add rule inet count input ip saddr ${mallory.address} udp sport 5351 counter`]);

    const m = new Mapper(h.bob.spawn([process.execPath, FIXTURE, "--via", "nat-pmp", "--retry", "30"]));
    const port = (await m.next((l) => l.ready !== undefined)).ready!;
    // bob's socket towards the gateway, as mallory would see it in his requests.
    const bobSocket = async () => /\s(\d+\.\d+\.\d+\.\d+:\d+)\s/.exec((await h.bob.exec(["ss", "-Hnu", "dst", `${h.routerB.lanAddress}:5351`])).stdout)?.[1] ?? "";
    const socket = await pollUntil(bobSocket, (s) => s !== "", "bob's socket towards the gateway", { timeoutMs: 3000 });
    expect(socket).toStartWith(`${h.bob.address}:`);
    const r = await mallory.exec([process.execPath, NATPMP_LIAR, "--to", socket, "--internal", String(port), "--count", "20"]);
    expect(r.stdout.trim()).toBe('{"sent":40}');
    const started = (await m.next((l) => l.started !== undefined)).started;
    expect(started).toBeNull();
    const counted = /packets (\d+)/.exec((await h.bob.exec(["nft", "list", "table", "inet", "count"])).stdout)?.[1];
    expect(Number(counted)).toBeGreaterThan(0);
    expect(m.lines().filter((l) => l.change !== undefined)).toEqual([]);
    expect(m.lines().filter((l) => l.log)).toEqual([{ log: "debug", msg: expect.stringMatching(/^nat-pmp: NAT-PMP request to 192\.168\.2\.1 timed out/) }]);
    await m.stop();
    await m.proc.stop();
  });
});
