// The hole-punching tests' world: carol on the internet (a public address,
// nothing set up: she relays for her contacts on her own), alice and bob
// each behind a home router that maps no ports (no UPnP anywhere) and drops
// what the internet sends it unasked, as home routers' firewalls do. Router
// A keeps source ports (Linux masquerade, most home routers); router B does
// too, or picks them at random (carrier-grade NAT: no hole can be punched).
// Each user is a real `p2pchat serve` in its own namespace.
//
//   carol 198.51.100.10 ─┐
//                        ├─ inet ─┬─ router A 11.0.0.2 (NAT, port-preserving) ── alice 192.168.1.10
//                        │        └─ router B 11.0.0.3 (NAT, as asked)        ── bob   192.168.2.10
import type { Host, Router } from "./host.ts";
import type { NatMapping } from "./miniupnpd.ts";
import { NetUser } from "./p2p-user.ts";
import type { NsProcess } from "./process.ts";
import { Testbed } from "./testbed.ts";
import { pollUntil } from "../helpers/wait.ts";

export const PORT = 20001;
/** No DHT (there is no internet DHT here, and this is about what works without one). */
export const SERVE_ARGS = ["--no-dht"];

export interface PunchWorld extends AsyncDisposable {
  tb: Testbed;
  routerA: Router;
  routerB: Router;
  carolHost: Host;
  carol: NetUser;
  alice: NetUser;
  bob: NetUser;
}

export async function punchWorld(prefix: string, natB: NatMapping = "preserve"): Promise<PunchWorld> {
  const tb = await Testbed.create(prefix);
  const users: NetUser[] = [];
  const dispose = async () => {
    await tb.destroy();
    for (const u of users) await u[Symbol.asyncDispose]();
  };
  try {
    const carolHost = await tb.addServer("carol");
    const routerA = await tb.addRouter("ra", { wanInput: "drop" });
    const routerB = await tb.addRouter("rb", { wanInput: "drop", nat: natB });
    const [aliceHost, bobHost] = [await tb.addHost("alice", routerA), await tb.addHost("bob", routerB)];
    const [carol, alice, bob] = await Promise.all([NetUser.create(carolHost, "carol"), NetUser.create(aliceHost, "alice"), NetUser.create(bobHost, "bob")]);
    users.push(carol, alice, bob);
    return { tb, routerA, routerB, carolHost, carol, alice, bob, [Symbol.asyncDispose]: dispose };
  } catch (e) {
    await dispose();
    throw e;
  }
}

/**
 * carol, alice and bob serving; alice and bob each carol's contact, carol
 * relaying for them (unasked: she can be reached), and each of them joined
 * to her relay (they cannot). Resolves with their serves and carol's relay.
 */
export async function meetThroughCarol(w: PunchWorld, env: Record<string, string> = {}) {
  const carolServe = await w.carol.serve(PORT, SERVE_ARGS, env);
  const aliceServe = await w.alice.serve(PORT, SERVE_ARGS, env);
  const bobServe = await w.bob.serve(PORT, SERVE_ARGS, env);
  await befriend(w.alice, w.carol);
  await befriend(w.bob, w.carol);
  const carolRelay = `${w.carolHost.address}:${PORT + 1}`;
  await untilStatus(w.carol, new RegExp(`^relaying for contacts at ${carolRelay.replaceAll(".", "\\.")}: `, "m"));
  await Promise.all([aliceServe, bobServe].map((p) => p.waitFor(/^\* reachable through carol \(relay\)/, { timeoutMs: 30_000 })));
  return { carolServe, aliceServe, bobServe, carolRelay };
}

/** `user` adds `friend` with the friend's invite (both contacts then); resolves once the friend's serve says so. */
export async function befriend(user: NetUser, friend: NetUser): Promise<void> {
  const invite = (await friend.ok(["invite"])).trim().split("\n")[0]!;
  const joined = friend.serving!.waitFor(new RegExp(`^\\* ${user.name} joined with your invite`), { timeoutMs: 30_000 });
  await user.ok(["add", invite]);
  await joined;
}

/** Until `status` matches `re` (status has no event to wait on from outside: a poll). */
export async function untilStatus(user: NetUser, re: RegExp, timeoutMs = 30_000): Promise<string> {
  try {
    return await pollUntil(() => user.ok(["status"]), (out) => re.test(out), `${user.name}'s status to match ${re}`, { timeoutMs, everyMs: 200 });
  } catch (err) {
    throw new Error(`${(err as Error).message}\nserve:\n${user.serving?.transcript() ?? ""}`);
  }
}

export type { NsProcess };
