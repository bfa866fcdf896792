// Ports for tests that must know a port before the process that listens on
// it runs (a contact's address is written before its serve starts; a relay
// announces the port it was given). Port 0 picks from the kernel's ephemeral
// range, where every outgoing connection on the machine takes its local port
// too: a node dialing a peer could take the very port a serve is about to
// bind ("cannot listen on 127.0.0.1:33355: the port is in use"). These come
// from below that range, where the kernel never picks on its own, are free
// when handed out, and are handed out once per test process.
import { readFileSync } from "node:fs";

/** Below p2pchat's own defaults (20001, beacons on 20021, relays on 22067) and their neighbours. */
const FIRST = 23_000;

function ephemeralStart(): number {
  try {
    const low = Number(readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/)[0]);
    if (Number.isInteger(low) && low > FIRST + 1000) return low;
  } catch {
    // not Linux: the IANA range's start, which macOS and Windows use
  }
  return 49_152;
}

const END = ephemeralStart();
const given = new Set<number>();

function bindable(port: number): boolean {
  try {
    const l = Bun.listen({ hostname: "127.0.0.1", port, socket: { data() {} } });
    l.stop(true);
    return true;
  } catch {
    return false;
  }
}

/** A TCP port on 127.0.0.1 that is free now and that no outgoing connection will take meanwhile. */
export async function freePort(): Promise<number> {
  for (let tries = 0; tries < 1000; tries++) {
    const port = FIRST + Math.floor(Math.random() * (END - FIRST));
    if (given.has(port)) continue;
    given.add(port);
    if (bindable(port)) return port;
  }
  throw new Error(`no free port between ${FIRST} and ${END - 1} on 127.0.0.1`);
}
