// Relaying for our contacts: while the internet reaches us directly (a
// public address, or a port mapping that works) and the user has not turned
// it off, the node runs the relay protocol it already speaks (relay-server/,
// Syncthing relay v1) on a second port, for its contacts only (the client's
// certificate must be a contact's: relay-permit.ts), with a cap on sessions
// and on bytes per second, and offers it to its contacts (a relay-offer
// frame on each link). A contact that the internet cannot reach joins it,
// and its invites, hellos and DHT record then name it, so two contacts of
// ours reach each other through us. It only ever copies TLS bytes it cannot
// read; what it can see is who talks to whom, and when.
import type { PeerId } from "../../protocol/peer-id.ts";
import { formatHostPort } from "../../domain/host-port.ts";
import type { Identity } from "../../transport/identity.ts";
import { RelayServer } from "../../relay-server/relay-server.ts";
import type { ReachService } from "../../reach/reach-service.ts";
import { formatRelayUri } from "../../reach/relay/uri.ts";
import { childLogger } from "../../log.ts";

const log = childLogger("node");

export interface FriendRelaySettings {
  on: boolean;
  /** Sessions at once. */
  sessions: number;
  /** Bytes per second per session; null: no limit. */
  rate: number | null;
}

export const FRIEND_RELAY_DEFAULTS: FriendRelaySettings = { on: true, sessions: 16, rate: 128 * 1024 };
/** All sessions together carry at most this many times one session's rate. */
const GLOBAL_RATE_SESSIONS = 4;

export interface FriendRelayDeps {
  identity: Identity;
  settings: FriendRelaySettings;
  discoverable(): boolean;
  listening(): { host: string; port: number } | null;
  /** Where we stand (the internet reaches us directly?), and keeping our relay's port reachable as our own is. */
  reach: Pick<ReachService, "verdict" | "help">;
  /** Whether the peer with this certificate may use the relay (a contact). */
  admit(id: PeerId): boolean;
  /** What we offer our contacts changed (a relay URI, or null: nothing). */
  offerChanged(uri: string | null): void;
}

/** What `status` says of it. */
export type FriendRelayStatus =
  | { state: "off"; why: string }
  | { state: "on"; at: string | null; uri: string | null; sessions: number; maxSessions: number; rateKiB: number | null; members: number; bytes: number };

export class FriendRelay {
  private server: RelayServer | null = null;
  private offered: string | null = null;
  private updating = false;

  constructor(private readonly d: FriendRelayDeps) {}

  /** The relay URI we offer our contacts now, or null. */
  get offer(): string | null {
    return this.offered;
  }

  /** Starts or stops the relay, and re-offers, as where we stand says. Called on every change of it. */
  update(): void {
    if (this.updating) return;
    this.updating = true;
    try {
      const l = this.d.listening();
      const want = this.d.settings.on && this.d.discoverable() && l !== null && this.d.reach.verdict().reach === "direct";
      if (want && !this.server) this.server = this.start(l!);
      if (!want && this.server) this.stopServer();
      this.d.reach.help.exposePort(this.server?.address.port ?? null);
      const at = this.server ? this.d.reach.help.exposedAt() : null;
      const uri = at && this.server ? formatRelayUri({ host: at.host, port: at.port, id: this.d.identity.peerId, token: null }) : null;
      if (uri !== this.offered) {
        this.offered = uri;
        log.debug(uri ? `relaying for contacts at ${formatHostPort(at!.host, at!.port)}` : "not relaying for contacts");
        this.d.offerChanged(uri);
      }
    } finally {
      this.updating = false;
    }
  }

  status(): FriendRelayStatus {
    const s = this.d.settings;
    if (!s.on) return { state: "off", why: "turned off (--no-relay-for-contacts, or relayForContacts in config.json)" };
    if (!this.server) return { state: "off", why: this.d.discoverable() ? "the internet cannot reach you directly" : "hidden" };
    const st = this.server.stats();
    const at = this.d.reach.help.exposedAt();
    return {
      state: "on",
      at: at ? formatHostPort(at.host, at.port) : null,
      uri: this.offered,
      sessions: st.activeSessions,
      maxSessions: s.sessions,
      rateKiB: s.rate === null ? null : Math.round(s.rate / 1024),
      members: st.members,
      bytes: st.bytesRelayed,
    };
  }

  async stop(): Promise<void> {
    this.stopServer();
    this.d.reach.help.exposePort(null);
  }

  /** On the port after our own when it is free, else any (contacts learn it from the offer). */
  private start(l: { host: string; port: number }): RelayServer | null {
    const s = this.d.settings;
    const base = { identity: this.d.identity, host: l.host, maxSessions: s.sessions, maxMembers: 1_000, sessionRate: s.rate, globalRate: s.rate === null ? null : s.rate * GLOBAL_RATE_SESSIONS, admit: (id: PeerId) => this.d.admit(id) };
    for (const port of l.port > 0 && l.port < 65535 ? [l.port + 1, 0] : [0]) {
      try {
        return RelayServer.start({ ...base, port });
      } catch (err) {
        log.debug(`relay for contacts: ${(err as Error).message}`);
      }
    }
    return null;
  }

  private stopServer(): void {
    const s = this.server;
    this.server = null;
    void s?.stop();
  }
}
