// Join lines an admin device hands out (`devices add`), and the welcome it
// answers their bearer with: the identity's proof for the bearer's own key
// (the one its TLS certificate holds), on an admin's line the identity key
// too, and where our devices are. One use each, ten minutes, in memory: a
// line outlives neither its node nor its first use.
import type { DeviceInfo, DeviceWelcomeFrame, WelcomeRefusal } from "../../protocol/devices/device-frames.ts";
import { encodeDeviceLine } from "../../protocol/devices/device-line.ts";
import type { Hello } from "../../protocol/messages.ts";
import { certSpki, makeDeviceProof } from "../../transport/device-proof.ts";
import type { Identity } from "../../transport/identity.ts";
import { childLogger } from "../../log.ts";
import type { NodeLink } from "../engine/link-ctx.ts";
import type { NodeEvent } from "../node-events.ts";

const log = childLogger("node");

/** How long a join line admits its bearer. */
export const JOIN_TTL_MS = 10 * 60_000;

export interface DeviceJoinsDeps {
  identity: Identity;
  /** The identity's display name. */
  name(): string;
  /** Where this device can be reached (the line carries it). */
  addresses(): string[];
  emit(event: NodeEvent): void;
  /** The identity key, or NOT_ADMIN. */
  requireAdmin(what: string): string;
  /** Our devices, for the welcome. */
  roster(): DeviceInfo[];
  /** How many devices we know (the default name of the next). */
  count(): number;
}

type Join = { name: string; admin: boolean; expires: number; used: boolean };

export class DeviceJoins {
  private readonly joins = new Map<string, Join>();

  constructor(private readonly d: DeviceJoinsDeps) {}

  /** A join line for a new device: one use, ten minutes. */
  create(opts: { name?: string; admin?: boolean }, now = Date.now()): { text: string; token: string; expires: number } {
    this.d.requireAdmin("add devices");
    const token = Buffer.from(crypto.getRandomValues(new Uint8Array(18))).toString("base64url");
    const expires = now + JOIN_TTL_MS;
    const name = opts.name?.trim() || `device ${this.d.count() + 1}`;
    const admin = opts.admin === true;
    this.joins.set(token, { name, admin, expires, used: false });
    const text = encodeDeviceLine({ owner: this.d.name(), peerId: this.d.identity.peerId, addresses: this.d.addresses(), token, expires, name, admin });
    return { text, token, expires };
  }

  /** The bearer of a join token asks to become a device: the proof for its key, or why not. Spends the token. */
  answer(link: NodeLink, hello: Hello, now = Date.now()): DeviceWelcomeFrame {
    const token = hello.join!;
    const j = this.joins.get(token);
    const no = (code: WelcomeRefusal, reason: string): DeviceWelcomeFrame => {
      log.debug(`join from ${link.address} refused: ${reason}`);
      return { type: "device-welcome", ok: false, code, reason };
    };
    if (!j) return no("unknown", "this device line is unknown here (made by another device, or before this node restarted)");
    if (j.used) return no("used", "this device line was used already: each admits one device (run devices add again)");
    if (now > j.expires) return no("expired", "this device line expired (each admits a device for 10 minutes: run devices add again)");
    const key = this.d.identity.identityKeyPem;
    const spki = link.certDer ? certSpki(link.certDer) : null;
    if (!key || !spki) return no("refused", "this device cannot sign a device proof now");
    j.used = true;
    const proof = makeDeviceProof({ certDer: this.d.identity.identityDer, keyPem: key }, spki, j.name, j.admin, now);
    this.d.emit({ type: "device", change: "joined", id: token, name: j.name });
    return { type: "device-welcome", ok: true, proof, owner: this.d.name(), identityKey: j.admin ? key : null, devices: this.d.roster() };
  }
}
