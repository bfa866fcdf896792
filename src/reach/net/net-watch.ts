// Notices that this machine moved: an address came, went or changed (DHCP,
// Wi-Fi joined, a cable plugged in: Node's interface list shows an
// interface only once it has carrier), or the default route points at
// another gateway (another router). Everything built on the old addresses
// (a port mapping, the DHT record, what LAN peers heard) must be redone,
// once the change has settled: a burst of changes makes one report, 2 s
// after the last (syncthing re-announces after the same debounce).
//
// Polled (a read of the interface list and /proc/net/route a second: no
// packet, no subprocess), since Bun offers no netlink socket.
import { networkInterfaces } from "node:os";
import { defaultGateway } from "../nat/gateway.ts";
import { addressScope } from "./addresses.ts";

export const POLL_MS = 1_000;
export const SETTLE_MS = 2_000;

export interface NetState {
  /** This machine's addresses with carrier, loopback and link-local left out, sorted. */
  addresses: string[];
  /** The IPv4 default gateway, or null. */
  gateway: string | null;
}

export interface NetWatchOptions {
  /** Called once per settled change. */
  onChange(before: NetState, after: NetState): void;
  /** Reads the state (tests give their own). */
  read?: () => Promise<NetState>;
  pollMs?: number;
  settleMs?: number;
}

/** The state now. */
export async function readNetState(): Promise<NetState> {
  const addresses = new Set<string>();
  for (const list of Object.values(networkInterfaces())) {
    for (const i of list ?? []) {
      const scope = addressScope(i.address);
      if (!i.internal && (scope === "lan" || scope === "public")) addresses.add(i.address);
    }
  }
  return { addresses: [...addresses].sort(), gateway: await defaultGateway() };
}

/** What changed from `a` to `b`, for the log ("address 192.168.1.10 → 192.168.1.77"), or null when nothing did. */
export function describeChange(a: NetState, b: NetState): string | null {
  const parts: string[] = [];
  const gone = a.addresses.filter((x) => !b.addresses.includes(x));
  const came = b.addresses.filter((x) => !a.addresses.includes(x));
  if (gone.length > 0 || came.length > 0) parts.push(`address ${gone.join(" ") || "none"} → ${came.join(" ") || "none"}`);
  if (a.gateway !== b.gateway) parts.push(`gateway ${a.gateway ?? "none"} → ${b.gateway ?? "none"}`);
  return parts.length > 0 ? parts.join(", ") : null;
}

export class NetWatch {
  private reported: NetState | null = null;
  /** The changed state being waited on (settling), or null. */
  private last: NetState | null = null;
  private poll: ReturnType<typeof setInterval> | null = null;
  private settle: ReturnType<typeof setTimeout> | null = null;
  private reading = false;
  private stopped = false;

  constructor(private readonly o: NetWatchOptions) {}

  /** Reads the state once (the baseline: no report for it), then polls. */
  async start(): Promise<void> {
    if (this.poll || this.stopped) return;
    this.reported = await (this.o.read ?? readNetState)();
    if (this.stopped) return;
    this.poll = setInterval(() => void this.tick(), this.o.pollMs ?? POLL_MS);
    this.poll.unref?.();
  }

  stop(): void {
    this.stopped = true;
    if (this.poll) clearInterval(this.poll);
    if (this.settle) clearTimeout(this.settle);
    this.poll = this.settle = null;
  }

  /** A poll: a change (re)starts the settle timer; a change undone before it fires is no change. */
  private async tick(): Promise<void> {
    if (this.reading || !this.reported) return;
    this.reading = true;
    try {
      const now = await (this.o.read ?? readNetState)();
      if (this.stopped) return;
      const changed = describeChange(this.reported, now) !== null;
      if (!changed) {
        if (this.settle) clearTimeout(this.settle);
        this.settle = null;
        this.last = null;
        return;
      }
      if (this.last && describeChange(this.last, now) === null && this.settle) return; // still settling on the same state
      this.last = now;
      if (this.settle) clearTimeout(this.settle);
      this.settle = setTimeout(() => this.fire(), this.o.settleMs ?? SETTLE_MS);
      this.settle.unref?.();
    } catch {
      // an unreadable state now is no change; the next poll reads again
    } finally {
      this.reading = false;
    }
  }

  private fire(): void {
    this.settle = null;
    const before = this.reported;
    const after = this.last;
    this.last = null;
    if (!before || !after || this.stopped) return;
    this.reported = after;
    this.o.onChange(before, after);
  }
}
