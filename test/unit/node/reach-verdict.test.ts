// Where you stand, as status, serve and invite say it: each situation a
// node can be in, and the sentence it gets.
import { describe, expect, test } from "bun:test";
import { whereYouStand, type ReachFacts } from "../../../src/reach/reach-verdict.ts";

const base: ReachFacts = {
  running: true,
  discoverable: true,
  listening: { host: "::", port: 20001 },
  local: ["192.168.1.10:20001", "[fd00::2]:20001"],
  mapping: { state: "failed", why: "no-answer", note: "upnp: no gateway answered", gateway: "192.168.1.1", local: "192.168.1.10" },
  relays: [],
};
const say = (over: Partial<ReachFacts>) => whereYouStand({ ...base, ...over });
const mapped = { state: "mapped", public: { address: "203.0.113.5", port: 20001, via: "upnp" } } as const;
const joined = { at: "198.51.100.20:22067", state: "joined", note: null } as const;

describe("whereYouStand", () => {
  test("reachable directly: by a port mapping, by a public address of this machine; relays joined besides", () => {
    expect(say({ mapping: mapped })).toEqual({ reach: "direct", lines: ["reachable directly at 203.0.113.5:20001 (upnp)"] });
    expect(say({ mapping: { state: "off", why: "setting" }, local: ["198.51.100.7:20001", "10.0.0.2:20001"] })).toEqual({
      reach: "direct",
      lines: ["reachable directly at 198.51.100.7:20001 (public address)"],
    });
    expect(say({ mapping: mapped, relays: [joined, { at: "198.51.100.21:22067", state: "waiting", note: "connection refused" }] })).toEqual({
      reach: "direct",
      lines: ["reachable directly at 203.0.113.5:20001 (upnp)", "and through 198.51.100.20:22067 (relay)", "relay 198.51.100.21:22067: not joined (connection refused)"],
    });
  });

  test("reachable through a relay only: and what would make it direct", () => {
    expect(say({ relays: [joined] })).toEqual({
      reach: "relay",
      lines: [
        "reachable through 198.51.100.20:22067 (relay)",
        "to be reached directly: turn on UPnP or NAT-PMP on your router (none answered), or forward TCP port 20001 on your router to 192.168.1.10:20001",
      ],
    });
  });

  test("reachable through a contact that relays for its contacts: named, not numbered", () => {
    const carol = { at: "198.51.100.10:20002", state: "joined", note: null, friend: "carol" } as const;
    expect(say({ relays: [carol] }).lines[0]).toBe("reachable through carol (relay)");
    expect(say({ relays: [joined, carol] }).lines[0]).toBe("reachable through 198.51.100.20:22067 (relay), carol (relay)");
    expect(say({ relays: [{ ...carol, state: "waiting", note: "connection refused" }] }).lines).toEqual([
      "only people on your network can reach you until a relay is joined",
      "relay carol: not joined (connection refused)",
      "to be reached directly: turn on UPnP or NAT-PMP on your router (none answered), or forward TCP port 20001 on your router to 192.168.1.10:20001",
    ]);
  });

  test("only the LAN: add a relay, or what would let the internet in, after why there is no mapping", () => {
    const lan = (mapping: ReachFacts["mapping"]) => say({ mapping }).lines;
    expect(say({})).toEqual({
      reach: "lan",
      lines: ["only people on your network can reach you: add a relay with --relay, or turn on UPnP or NAT-PMP on your router (none answered), or forward TCP port 20001 on your router to 192.168.1.10:20001"],
    });
    expect(lan({ state: "off", why: "setting" })).toEqual([
      "only people on your network can reach you: add a relay with --relay, turn port mapping on (--upnp), or forward TCP port 20001 on your router to 192.168.1.10:20001",
    ]);
    expect(lan({ state: "off", why: "discovery-off" })).toEqual([
      "only people on your network can reach you: add a relay with --relay, or forward TCP port 20001 on your router to 192.168.1.10:20001 (port mapping is off: P2PCHAT_DISCOVERY=off)",
    ]);
    expect(lan({ state: "failed", why: "not-public", note: `upnp: the gateway's own address "100.64.3.4" is not public (a second NAT beyond it?)`, gateway: "192.168.1.1", local: "192.168.1.10" })).toEqual([
      "only people on your network can reach you: add a relay with --relay; your router's own address, 100.64.3.4, is not public (carrier-grade NAT, or a second router): forwarding a port cannot help",
    ]);
    expect(lan({ state: "failed", why: "refused", note: "upnp: UPnP AddPortMapping refused: 718 ConflictInMappingEntry", gateway: "192.168.1.1", local: "192.168.1.10" })).toEqual([
      "only people on your network can reach you: add a relay with --relay, or forward TCP port 20001 on your router to 192.168.1.10:20001 (it refused to do it for us: upnp: UPnP AddPortMapping refused: 718 ConflictInMappingEntry)",
    ]);
    expect(lan({ state: "failed", why: "no-gateway", note: "no default gateway", gateway: null, local: null })).toEqual([
      "only people on your network can reach you: add a relay with --relay once you are online (no default gateway: no network beyond this one)",
    ]);
    expect(lan({ state: "trying" })).toEqual(["not reachable from the internet yet: asking your router to forward port 20001 (UPnP, NAT-PMP)"]);
    // A relay that is not joined (yet) is no path: said as such.
    expect(say({ relays: [{ at: "198.51.100.20:22067", state: "connecting", note: null }] }).lines).toEqual([
      "only people on your network can reach you until a relay is joined",
      "relay 198.51.100.20:22067: joining",
      "to be reached directly: turn on UPnP or NAT-PMP on your router (none answered), or forward TCP port 20001 on your router to 192.168.1.10:20001",
    ]);
  });

  test("this machine, or nobody: loopback only, hidden, not listening, no node running", () => {
    expect(say({ listening: { host: "127.0.0.1", port: 20001 }, mapping: mapped })).toEqual({
      reach: "machine",
      lines: ["only this machine can reach you: listening on 127.0.0.1:20001 (--host 0.0.0.0 listens on your network too)"],
    });
    expect(say({ discoverable: false })).toEqual({ reach: "nobody", lines: ["hidden: nobody can reach you (p2pchat discoverable on)"] });
    expect(say({ listening: null }).lines).toEqual(["not listening: nobody can reach this run (its port was taken: does another node run on this machine?)"]);
    expect(say({ running: false, discoverable: false, listening: null }).lines).toEqual(["no node is running: friends reach you while `p2pchat serve` (or chat) runs"]);
  });
});
