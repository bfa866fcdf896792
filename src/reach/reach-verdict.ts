// Where you stand: from what the node knows about being reached (where it
// listens, its port mapping, its relays), which paths lead to it, said the
// way `status`, `serve` and `invite` all say it:
//
//   reachable directly at 203.0.113.5:20001 (upnp)
//   reachable through 198.51.100.20:22067 (relay)
//   reachable through carol (relay)            a contact that relays for its contacts
//   only people on your network can reach you: add a relay with --relay, or ...
//
// Pure: the one place these sentences are made.
import { formatHostPort } from "../domain/host-port.ts";
import type { MapperState } from "./nat/portmap.ts";
import { addressScope } from "./net/addresses.ts";

export interface RelayFacts {
  /** HOST:PORT of the relay. */
  at: string;
  state: "connecting" | "joined" | "waiting" | "stopped";
  note: string | null;
  /** The contact whose relay it is, for a friend's relay (named so, not by its address). */
  friend?: string;
}

/** The port mapping: off (and why), or the mapper's own state. */
export type MappingFacts = { state: "off"; why: "setting" | "discovery-off" } | MapperState;

export interface ReachFacts {
  /** False for a command's own short-lived node: no node runs for this home. */
  running: boolean;
  discoverable: boolean;
  /** Where the node listens; null when it does not (hidden, or its port was taken). */
  listening: { host: string; port: number } | null;
  /** The addresses on this machine it can be dialed at (host:port), best first. */
  local: string[];
  mapping: MappingFacts;
  relays: RelayFacts[];
}

/** From the widest reach down: the internet directly, through a relay, this network, this machine, nobody. */
export type Reach = "direct" | "relay" | "lan" | "machine" | "nobody";

export interface Verdict {
  reach: Reach;
  /** The first line says it; the others add what helps. */
  lines: string[];
}

export function whereYouStand(f: ReachFacts): Verdict {
  if (!f.running) return { reach: "nobody", lines: ["no node is running: friends reach you while `p2pchat serve` (or chat) runs"] };
  if (!f.discoverable) return { reach: "nobody", lines: ["hidden: nobody can reach you (p2pchat discoverable on)"] };
  const l = f.listening;
  if (!l) return { reach: "nobody", lines: ["not listening: nobody can reach this run (its port was taken: does another node run on this machine?)"] };
  if (addressScope(l.host) === "loopback") {
    return { reach: "machine", lines: [`only this machine can reach you: listening on ${formatHostPort(l.host, l.port)} (--host 0.0.0.0 listens on your network too)`] };
  }
  const direct: string[] = [];
  if (f.mapping.state === "mapped") direct.push(`${formatHostPort(f.mapping.public.address, f.mapping.public.port)} (${f.mapping.public.via})`);
  for (const a of f.local) if (!a.startsWith("[") && addressScope(a.slice(0, a.lastIndexOf(":"))) === "public") direct.push(`${a} (public address)`);
  const name = (r: RelayFacts) => r.friend ?? r.at;
  const joined = f.relays.filter((r) => r.state === "joined").map((r) => `${name(r)} (relay)`);
  const notJoined = f.relays.filter((r) => r.state !== "joined").map((r) => `relay ${name(r)}: ${r.state === "waiting" ? `not joined${r.note ? ` (${r.note})` : ""}` : "joining"}`);
  if (direct.length > 0) {
    return { reach: "direct", lines: [`reachable directly at ${direct.join(", ")}`, ...(joined.length > 0 ? [`and through ${joined.join(", ")}`] : []), ...notJoined] };
  }
  const lan = f.local.find((a) => addressScope(a.slice(0, a.lastIndexOf(":"))) === "lan");
  const fix = directFix(f.mapping, l.port, lan);
  if (joined.length > 0) return { reach: "relay", lines: [`reachable through ${joined.join(", ")}`, `to be reached directly: ${fix.alone}`, ...notJoined] };
  if (f.mapping.state === "trying") {
    return { reach: "lan", lines: [`not reachable from the internet yet: asking your router to forward port ${l.port} (UPnP, NAT-PMP)`, ...notJoined] };
  }
  if (f.relays.length > 0) return { reach: "lan", lines: ["only people on your network can reach you until a relay is joined", ...notJoined, `to be reached directly: ${fix.alone}`] };
  return { reach: "lan", lines: [`only people on your network can reach you: add a relay with --relay${fix.withRelay}`] };
}

/** What would let the internet in directly, worded after "add a relay" (withRelay) or on its own (alone). */
function directFix(m: MappingFacts, port: number, lan: string | undefined): { withRelay: string; alone: string } {
  const local = m.state === "failed" && m.local ? formatHostPort(m.local, port) : lan;
  const forward = `forward TCP port ${port} on your router to ${local ?? `this machine's port ${port}`}`;
  switch (m.state) {
    case "off":
      if (m.why === "setting") return { withRelay: `, turn port mapping on (--upnp), or ${forward}`, alone: `port mapping is off (--upnp turns it on), or ${forward}` };
      return { withRelay: `, or ${forward} (port mapping is off: P2PCHAT_DISCOVERY=off)`, alone: `${forward} (port mapping is off: P2PCHAT_DISCOVERY=off)` };
    case "failed":
      if (m.why === "not-public") {
        const own = m.note.match(/"([^"]*)"/)?.[1];
        const why = `your router's own address${own ? `, ${own},` : ""} is not public (carrier-grade NAT, or a second router): forwarding a port cannot help`;
        return { withRelay: `; ${why}`, alone: why };
      }
      if (m.why === "no-gateway") return { withRelay: " once you are online (no default gateway: no network beyond this one)", alone: "no default gateway: no network beyond this one" };
      if (m.why === "refused") return { withRelay: `, or ${forward} (it refused to do it for us: ${m.note})`, alone: `${forward} (it refused to do it for us: ${m.note})` };
      return { withRelay: `, or turn on UPnP or NAT-PMP on your router (none answered), or ${forward}`, alone: `turn on UPnP or NAT-PMP on your router (none answered), or ${forward}` };
    case "trying":
      return { withRelay: "", alone: `waiting for your router to forward port ${port} (UPnP, NAT-PMP)` };
    case "mapped":
      return { withRelay: "", alone: "" };
  }
}
