// The beacon's sockets over node:dgram: one IPv4 socket that broadcasts and
// one IPv6 socket that multicasts, both bound to the beacon port with
// reuseAddr so every node on a host hears every beacon. The socket knows
// nothing of what a packet says (syncthing lib/beacon: Send/Recv/Error).
import dgram from "node:dgram";
import type { HostPort } from "./lan-announce.ts";
import { MAX_PACKET } from "./lan-announce.ts";
import { LAN_GROUP, LAN_PORT, readBeaconTargets, type BeaconTargets } from "./lan-interfaces.ts";

export interface LanSocketOptions {
  /** Default LAN_PORT; 0 binds a free port (loopback tests). */
  port?: number;
  /** Each family can be turned off; default both on. */
  ipv4?: boolean;
  ipv6?: boolean;
  /** Default "0.0.0.0" and "::". */
  bind4?: string;
  bind6?: string;
  /** Where packets go, read at each send. Default: this machine's broadcast addresses and multicast interfaces. */
  targets?: (port: number) => BeaconTargets;
}

export type PacketHandler = (p: Uint8Array, from: HostPort) => void;

export class LanSocket {
  private lastError: Error | null = null;

  private constructor(
    private readonly v4: dgram.Socket | null,
    private readonly v6: dgram.Socket | null,
    private readonly port: number,
    private readonly targets: (port: number) => BeaconTargets,
  ) {}

  /** Binds what it can; fails only when neither family binds. */
  static async open(onPacket: PacketHandler, opts: LanSocketOptions = {}): Promise<LanSocket> {
    const port = opts.port ?? LAN_PORT;
    const errors: Error[] = [];
    const open = async (type: "udp4" | "udp6", host: string) => {
      const s = dgram.createSocket(type === "udp6" ? { type, reuseAddr: true, ipv6Only: true } : { type, reuseAddr: true });
      try {
        await new Promise<void>((resolve, reject) => {
          s.once("error", reject);
          s.bind(port, host, () => {
            s.off("error", reject);
            resolve();
          });
        });
      } catch (err) {
        s.close();
        errors.push(new Error(`cannot bind the ${type} beacon socket to port ${port}: ${(err as Error).message}`, { cause: err }));
        return null;
      }
      if (type === "udp4") s.setBroadcast(true);
      return s;
    };
    const v4 = opts.ipv4 === false ? null : await open("udp4", opts.bind4 ?? "0.0.0.0");
    const v6 = opts.ipv6 === false ? null : await open("udp6", opts.bind6 ?? "::");
    if (!v4 && !v6) {
      const err = new Error(errors.map((e) => e.message).join("; ") || "both beacon families are turned off", { cause: errors[0] });
      throw err;
    }
    const sock = new LanSocket(v4, v6, port, opts.targets ?? readBeaconTargets);
    for (const s of [v4, v6]) {
      s?.on("message", (msg, rinfo) => {
        if (msg.byteLength <= MAX_PACKET) onPacket(new Uint8Array(msg), { host: rinfo.address, port: rinfo.port });
      });
      s?.on("error", (err) => (sock.lastError = err));
    }
    sock.lastError = errors[0] ?? null;
    sock.join();
    return sock;
  }

  /** The ports bound, per family (differs from the option only when it was 0). */
  ports(): { v4: number | null; v6: number | null } {
    return { v4: this.v4?.address().port ?? null, v6: this.v6?.address().port ?? null };
  }

  /**
   * Sends `p` to every target; resolves with how many sends the kernel took.
   * One target failing is normal (255.255.255.255 needs a default route);
   * error() reports a round in which none went out.
   */
  async send(p: Uint8Array): Promise<number> {
    const t = this.targets(this.port);
    this.join(t.v6);
    let firstError: Error | null = null;
    const one = (s: dgram.Socket, to: HostPort) =>
      new Promise<boolean>((resolve) => {
        const done = (err: Error | null) => {
          firstError ??= err;
          resolve(!err);
        };
        try {
          s.send(p, to.port, to.host, done);
        } catch (err) {
          done(err as Error);
        }
      });
    const sends: Promise<boolean>[] = [];
    if (this.v4) for (const to of t.v4) sends.push(one(this.v4, to));
    if (this.v6) for (const to of t.v6) sends.push(one(this.v6, to));
    const n = (await Promise.all(sends)).filter(Boolean).length;
    this.lastError = n > 0 ? null : (firstError ?? new Error("no network to send LAN beacons on"));
    return n;
  }

  /** The last socket error (a failed bind, send or read), for `status`. */
  error(): Error | null {
    return this.lastError;
  }

  async close(): Promise<void> {
    await Promise.all([this.v4, this.v6].map((s) => (s ? new Promise<void>((r) => s.close(() => r())) : undefined)));
  }

  /**
   * Joins the group on each interface a target names. Tried at every send:
   * the kernel drops a membership when its interface goes away, and an
   * interface that came back must be joined again; EADDRINUSE means joined.
   */
  join(v6: HostPort[] = this.targets(this.port).v6): void {
    if (!this.v6) return;
    for (const { host } of v6) {
      const [group, zone] = host.split("%");
      if (group !== LAN_GROUP || !zone) continue;
      try {
        this.v6.addMembership(LAN_GROUP, `::%${zone}`);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EADDRINUSE") this.lastError = err as Error;
      }
    }
  }
}
