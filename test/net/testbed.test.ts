// The testbed itself: NAT lets alice out and hides her, nothing comes in
// unasked, a router's address can change, a plain LAN speaks IPv4 and IPv6
// link-local, services start on the internet, and teardown leaves nothing.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { dialFrom, startEcho, type Echo } from "./fixtures.ts";
import { homes, type Homes } from "./home.ts";
import { namespacesWithPrefix, netnsUnavailable, netPrefix, run } from "./netns.ts";
import { destroyLiveTestbeds, Testbed } from "./testbed.ts";

setDefaultTimeout(60_000);
const PREFIX = netPrefix("tb");
const why = await netnsUnavailable(PREFIX, { tools: ["miniupnpd"] });
if (why) console.warn(`p2pchat: network namespace tests skipped: ${why}`);
afterAll(destroyLiveTestbeds);

describe.skipIf(why !== null)("testbed: two homes behind NAT", () => {
  let h: Homes;
  let echo: Echo;
  beforeAll(async () => {
    h = await homes(PREFIX);
    echo = await startEcho(h.server);
  });
  afterAll(async () => {
    await h?.tb.destroy();
  });

  test("alice reaches a server on the internet, which sees router A's address, not hers", async () => {
    expect(await dialFrom(h.alice, h.server.address, echo.port)).toEqual({ ok: true, hello: `hello ${h.routerA.wanAddress}` });
    expect(await dialFrom(h.bob, h.server.address, echo.port)).toEqual({ ok: true, hello: `hello ${h.routerB.wanAddress}` });
    expect(h.alice.address).toStartWith("192.168.1.");
    expect(h.routerA.wanAddress).not.toBe(h.alice.address);
  });

  test("the internet cannot reach alice: her router refuses her port, her private address is dropped", async () => {
    const atAlice = await startEcho(h.alice);
    expect(await dialFrom(h.alice, "127.0.0.1", atAlice.port)).toMatchObject({ ok: true });
    // Nothing is mapped: the router's own stack answers, and refuses.
    expect(await dialFrom(h.server, h.routerA.wanAddress, atAlice.port)).toEqual({ ok: false, error: "ECONNREFUSED" });
    // Even a hostile internet that routes alice's private network to router A
    // gets nowhere: the router forwards nothing it was not asked to.
    await run(["ip", "-n", h.tb.internet.ns, "route", "add", h.routerA.lan.subnet, "via", h.routerA.wanAddress]);
    try {
      expect(await dialFrom(h.server, h.alice.address, atAlice.port, { timeoutMs: 1500 })).toEqual({ ok: false, error: "timeout" });
    } finally {
      await run(["ip", "-n", h.tb.internet.ns, "route", "del", h.routerA.lan.subnet]);
    }
    // and bob cannot reach alice either
    expect(await dialFrom(h.bob, h.routerA.wanAddress, atAlice.port)).toEqual({ ok: false, error: "ECONNREFUSED" });
    await atAlice.proc.stop();
  });

  test("hosts behind one router share its LAN", async () => {
    const carol = await h.tb.addHost("carol", h.routerA);
    const atCarol = await startEcho(carol);
    expect(await dialFrom(h.alice, carol.address, atCarol.port)).toEqual({ ok: true, hello: `hello ${h.alice.address}` });
  });

  test("when router A's WAN address changes, alice goes out from the new one", async () => {
    const before = h.routerA.wanAddress;
    await h.routerA.setWanAddress("11.0.0.77");
    expect(await dialFrom(h.alice, h.server.address, echo.port)).toEqual({ ok: true, hello: "hello 11.0.0.77" });
    await h.routerA.setWanAddress(before);
    expect(await dialFrom(h.alice, h.server.address, echo.port)).toEqual({ ok: true, hello: `hello ${before}` });
  });

  test("startServers: services on the internet, each with its own public address, waited for", async () => {
    const servers = await h.tb.startServers(
      ["svc1", "svc2"].map((name) => ({ name, argv: (host) => [process.execPath, `${import.meta.dir}/echo-fixture.ts`, "--host", host.address], ready: /^ready \d+/ })),
    );
    expect(servers.map((s) => s.host.address)).toEqual(["198.51.100.11", "198.51.100.12"]);
    for (const s of servers) {
      const port = Number(s.readyLine!.split(" ")[1]);
      expect(await dialFrom(h.alice, s.host.address, port)).toEqual({ ok: true, hello: `hello ${h.routerA.wanAddress}` });
    }
  });
});

describe.skipIf(why !== null)("testbed: a plain LAN", () => {
  test("hosts on one bridge reach each other by IPv4 and by IPv6 link-local", async () => {
    await using tb = await Testbed.create(`${PREFIX}l`);
    const lan = await tb.addLan("lan");
    const [a, b] = [await tb.addHost("a", lan), await tb.addHost("b", lan)];
    expect([a.address, b.address]).toEqual(["10.1.0.10", "10.1.0.11"]);
    const echo = await startEcho(b, { host: "::" });
    expect(await dialFrom(a, b.address, echo.port)).toEqual({ ok: true, hello: `hello ::ffff:${a.address}` });
    const ll = await b.linkLocal();
    expect(ll).toStartWith("fe80::");
    expect(await dialFrom(a, `${ll}%eth0`, echo.port)).toEqual({ ok: true, hello: `hello ${await a.linkLocal()}` });
    // LAN discovery's paths: IPv4 broadcast, IPv6 link-local multicast.
    const udp = `${import.meta.dir}/udp-fixture.ts`;
    const listener = b.spawn([process.execPath, udp, "listen", "21099", "ff12::8384"]);
    await listener.waitFor(/^ready$/);
    for (const to of ["255.255.255.255", "10.1.0.255", "ff02::1%eth0", "ff12::8384%eth0"]) expect((await a.exec([process.execPath, udp, "send", to, "21099", to])).exitCode).toBe(0);
    const from6 = `${await a.linkLocal()}%eth0`;
    for (const l of [`10.1.0.10 255.255.255.255`, `10.1.0.10 10.1.0.255`, `${from6} ff02::1%eth0`, `${from6} ff12::8384%eth0`]) await listener.waitFor((x) => x === l);

    await b.setAddress("10.1.0.99");
    expect(await dialFrom(a, "10.1.0.99", echo.port)).toMatchObject({ ok: true });
    expect(await dialFrom(a, "10.1.0.11", echo.port, { timeoutMs: 1500 })).toMatchObject({ ok: false });
  });
});

describe.skipIf(why !== null)("testbed: cleanup", () => {
  test("destroy deletes every namespace; create clears what a crashed run left", async () => {
    const prefix = `${PREFIX}c`;
    const tb = await Testbed.create(prefix);
    await tb.addRouter("ra", { upnp: {} });
    expect((await namespacesWithPrefix(prefix)).sort()).toEqual([`${prefix}-inet`, `${prefix}-ra`]);
    await tb.destroy();
    expect(await namespacesWithPrefix(prefix)).toEqual([]);

    // A crashed run: a namespace of ours with a process still in it.
    await run(["ip", "netns", "add", `${prefix}-stale`]);
    const sleeper = Bun.spawn(["ip", "netns", "exec", `${prefix}-stale`, "sh", "-c", "echo in; exec sleep 600"], { stdout: "pipe" });
    const reader = sleeper.stdout.getReader();
    await reader.read(); // "in": it runs inside the namespace now
    await using tb2 = await Testbed.create(prefix);
    expect(await sleeper.exited).not.toBe(0);
    expect(await namespacesWithPrefix(prefix)).toEqual([`${prefix}-inet`]);
    expect(tb2.prefix).toBe(prefix);
  });
});
