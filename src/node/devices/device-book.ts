// This identity's devices, as this device knows them: who they are (rows of
// own_devices), which are revoked (ours and contacts'), and the frames that
// tell devices and contacts where every device is (roster) and which one is
// refused from now on (revocation, signed by the identity). Join lines are
// device-joins.ts'.
import { hostname } from "node:os";
import { DEVICES_CAP, type DeviceFrame, type DeviceInfo, type DeviceRevokeFrame } from "../../protocol/devices/device-frames.ts";
import type { PeerId } from "../../protocol/peer-id.ts";
import type { Contact, NewAddress } from "../../domain/contact.ts";
import { formatHostPort } from "../../domain/host-port.ts";
import { NodeError } from "../../domain/node-error.ts";
import type { Store, OwnDeviceRow } from "../../store/store.ts";
import { checkRevocation, signRevocation } from "../../transport/device-proof.ts";
import type { Identity } from "../../transport/identity.ts";
import { childLogger } from "../../log.ts";
import type { NodeLink } from "../engine/link-ctx.ts";
import type { NodeEvent } from "../node-events.ts";

const log = childLogger("node");

export interface DeviceBookDeps {
  identity: Identity;
  store: Store;
  /** The identity's display name (the config's). */
  name(): string;
  /** Where this device can be reached now. */
  addresses(): string[];
  emit(event: NodeEvent): void;
  /** Every adopted link (to send rosters and revocations on). */
  links(): Iterable<NodeLink>;
  /** Closes every link to this device (revoked). */
  closeDevice(deviceId: string, reason: string): void;
  /** Addresses a peer lists for its devices, screened as a hello's are. */
  listed(link: NodeLink, addrs: readonly string[]): NewAddress[];
  /** A contact has more addresses (another device of its identity). */
  saveAddresses(contact: Contact, addrs: NewAddress[]): Promise<void>;
  /** A contact's device was revoked: the addresses its roster gave are not the contact's any more. */
  forgetAddresses(contact: Contact, addrs: readonly string[], deviceId: string): Promise<void>;
  /** Our device list changed: dial the new ones. */
  changed(): void;
}

export interface DeviceListing {
  id: string;
  name: string;
  self: boolean;
  admin: boolean;
  lastSeen: number | null;
  linked: boolean;
  revokedAt: number | null;
}

export class DeviceBook {
  private own = new Map<string, OwnDeviceRow>();
  /** Devices of others' identities we heard of and that are not revoked, by identity. */
  private readonly peerDevices = new Map<string, PeerId[]>();
  /** Revoked device ids by identity (ours included). */
  private readonly revoked = new Map<string, Set<string>>();
  /** `peer id + " " + device id` → every address a roster gave for that device in this run. */
  private readonly rostered = new Map<string, Set<string>>();
  /** Rosters, revocations and sightings change the same rows: one at a time, in the order they came. */
  private chain: Promise<unknown> = Promise.resolve();

  constructor(private readonly d: DeviceBookDeps) {}

  get self(): PeerId {
    return this.d.identity.peerId;
  }

  get deviceId(): string {
    return this.d.identity.deviceId;
  }

  get isAdmin(): boolean {
    return this.d.identity.identityKeyPem !== null;
  }

  async load(): Promise<void> {
    const id = this.deviceId;
    const rows = await this.d.store.ownDevices();
    if (!rows.some((r) => r.deviceId === id)) {
      // The first device of an identity made before devices, or a home that never listed itself.
      await this.d.store.saveOwnDevice({ deviceId: id, name: hostname() || "this device", admin: this.isAdmin, addrs: [], addedAt: Date.now(), lastSeen: null, revokedAt: null, revocation: null });
    }
    await this.reload();
  }

  private async reload(): Promise<void> {
    this.own = new Map((await this.d.store.ownDevices()).map((r) => [r.deviceId, r]));
    this.revoked.clear();
    for (const r of this.own.values()) if (r.revokedAt !== null) this.revokedOf(this.self).add(r.deviceId);
    this.peerDevices.clear();
    for (const r of await this.d.store.peerDevices()) {
      if (r.revokedAt !== null) this.revokedOf(r.peerId).add(r.deviceId);
      else if (r.deviceId !== r.peerId) this.peerDevices.set(r.peerId, [...(this.peerDevices.get(r.peerId) ?? []), r.deviceId as PeerId]);
    }
  }

  private revokedOf(peerId: string): Set<string> {
    let s = this.revoked.get(peerId);
    if (!s) this.revoked.set(peerId, (s = new Set()));
    return s;
  }

  /** A contact's other devices (not its first, not revoked), as its rosters named them. */
  devicesOf(peerId: string): PeerId[] {
    return this.peerDevices.get(peerId) ?? [];
  }

  isRevoked(peerId: string, deviceId: string): boolean {
    return this.revoked.get(peerId)?.has(deviceId) ?? false;
  }

  /** Our other devices, not revoked: those to link to. */
  others(): OwnDeviceRow[] {
    return [...this.own.values()].filter((r) => r.deviceId !== this.deviceId && r.revokedAt === null);
  }

  list(linked: ReadonlySet<string>): DeviceListing[] {
    return [...this.own.values()].map((r) => ({
      id: r.deviceId,
      name: r.name,
      self: r.deviceId === this.deviceId,
      admin: r.admin,
      lastSeen: r.deviceId === this.deviceId ? Date.now() : r.lastSeen,
      linked: linked.has(r.deviceId),
      revokedAt: r.revokedAt,
    }));
  }

  /** The identity's key, or NOT_ADMIN saying who may do `what`. */
  requireAdmin(what: string): string {
    const key = this.d.identity.identityKeyPem;
    if (!key) throw new NodeError("NOT_ADMIN", `only an admin device (one that holds the identity key) may ${what}: this device is not one. Run it on the device that created the identity, or one added with --admin`);
    return key;
  }

  /** Our devices and where they are (this one: where it listens now). */
  roster(): DeviceInfo[] {
    const mine = { id: this.deviceId, name: this.own.get(this.deviceId)?.name ?? "this device", addrs: this.d.addresses().slice(0, 16) };
    return [mine, ...this.others().map((r) => ({ id: r.deviceId, name: r.name, addrs: r.addrs.slice(0, 16) }))];
  }

  /** A link is up (a contact's or our own device's): it hears where our devices are and which we revoked. */
  greet(link: NodeLink): void {
    if (!link.peerHello?.caps.includes(DEVICES_CAP)) return;
    if (this.others().length > 0 || link.ctx.ownDevice) link.sendDevice({ type: "device-roster", devices: this.roster() });
    for (const r of this.own.values()) {
      const f = r.revocation ? parseRevocation(r.revocation) : null;
      if (f) link.sendDevice(f);
    }
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn);
    this.chain = run.catch(() => {});
    return run;
  }

  /** Another device of ours linked: recorded (its name from its proof, where it listens from its hello). */
  ownLinked(link: NodeLink, addrs: NewAddress[]): Promise<void> {
    return this.serial(() => this.recordOwn(link, addrs));
  }

  private async recordOwn(link: NodeLink, addrs: NewAddress[]): Promise<void> {
    const id = link.deviceId!;
    const known = this.own.get(id);
    const now = Date.now();
    const list = addrs.map((a) => formatHostPort(a.host, a.port));
    if (!known) {
      await this.d.store.saveOwnDevice({ deviceId: id, name: link.device?.name ?? "device", admin: link.device?.admin ?? id === this.self, addrs: list, addedAt: now, lastSeen: now, revokedAt: null, revocation: null });
    } else {
      await this.d.store.ownDeviceSeen(id, now, list.length > 0 ? list : null);
    }
    await this.reload();
    this.greet(link);
    if (!known) this.announce();
    else if (list.length > 0 && list.join() !== known.addrs.join()) this.d.changed(); // it moved: our record points to where it is now
  }

  /** Our device list changed: every link hears the new roster. */
  private announce(): void {
    for (const link of this.d.links()) if (link.ctx.ownDevice || link.ctx.contact) this.greet(link);
    this.d.changed();
  }

  /** A roster or revocation from a link (our device's, or a contact's). */
  frame(link: NodeLink, f: DeviceFrame): Promise<void> {
    return this.serial(() => this.take(link, f));
  }

  private async take(link: NodeLink, f: DeviceFrame): Promise<void> {
    if (f.type === "device-revoke") return this.revoked_(link, f);
    if (f.type !== "device-roster") return;
    if (link.ctx.ownDevice) {
      let news = false;
      for (const e of f.devices) {
        if (e.id === this.deviceId || this.isRevoked(this.self, e.id)) continue;
        const addrs = this.d.listed(link, e.addrs).map((a) => formatHostPort(a.host, a.port));
        const known = this.own.get(e.id);
        if (!known) news = true;
        await this.d.store.saveOwnDevice({ deviceId: e.id, name: e.name, admin: known?.admin ?? false, addrs: addrs.length > 0 ? addrs : (known?.addrs ?? []), addedAt: known?.addedAt ?? Date.now(), lastSeen: known?.lastSeen ?? null, revokedAt: null, revocation: null });
      }
      await this.reload();
      if (news) this.d.changed();
      return;
    }
    const contact = link.ctx.contact;
    if (!contact?.peerId) return;
    const all: NewAddress[] = [];
    for (const e of f.devices) {
      if (this.isRevoked(contact.peerId, e.id)) continue;
      const addrs = this.d.listed(link, e.addrs);
      all.push(...addrs);
      const texts = addrs.map((a) => formatHostPort(a.host, a.port));
      await this.d.store.savePeerDevice({ peerId: contact.peerId, deviceId: e.id, name: e.name, addrs: texts, lastSeen: null, revokedAt: null, revocation: null });
      // Each of its devices' rosters may list it at other addresses: all are forgotten with it.
      const key = `${contact.peerId} ${e.id}`;
      this.rostered.set(key, new Set([...(this.rostered.get(key) ?? []), ...texts]));
    }
    await this.reload();
    if (all.length > 0) await this.d.saveAddresses(contact, all);
  }

  private async revoked_(link: NodeLink, f: DeviceRevokeFrame): Promise<void> {
    const peerId = link.peerId!;
    if (!checkRevocation(peerId, { identityDer: f.identity, deviceId: f.deviceId, time: f.time, sig: f.sig })) {
      log.debug(`a revocation from ${link.address} is not signed by ${peerId}: ignored`);
      return;
    }
    const text = revocationText(f);
    const heard = peerId === this.self ? [] : [...((await this.d.store.peerDevices(peerId)).find((r) => r.deviceId === f.deviceId)?.addrs ?? []), ...(this.rostered.get(`${peerId} ${f.deviceId}`) ?? [])];
    const news = peerId === this.self ? await this.d.store.revokeOwnDevice(f.deviceId, f.time, text) : await this.d.store.revokePeerDevice(peerId, f.deviceId, f.time, text);
    if (!news) return;
    await this.reload();
    this.d.closeDevice(f.deviceId, "this device was revoked by its identity");
    const contact = link.ctx.contact;
    if (contact) await this.d.forgetAddresses(contact, heard, f.deviceId);
    if (peerId === this.self) {
      this.d.emit({ type: "device", change: "revoked", id: f.deviceId, name: this.own.get(f.deviceId)?.name ?? "" });
      // Handed on: a contact or device that links to us later hears it from us too.
      for (const l of this.d.links()) if (l !== link && l.peerHello?.caps.includes(DEVICES_CAP)) l.sendDevice(f);
    }
  }

  /** Revokes one of our devices by id (or its first characters) or name: signed, stored, told to every link, and its links closed. */
  revoke(which: string): Promise<DeviceListing> {
    return this.serial(() => this.revokeNow(which));
  }

  private async revokeNow(which: string): Promise<DeviceListing> {
    const key = this.requireAdmin("revoke devices");
    const row = this.find(which);
    if (row.deviceId === this.deviceId) throw new NodeError("NOT_A_DEVICE", `${which} is this device: revoke it from another admin device`);
    const time = Date.now();
    const f: DeviceRevokeFrame = { type: "device-revoke", identity: this.d.identity.identityDer, deviceId: row.deviceId, time, sig: signRevocation(key, row.deviceId, time) };
    await this.d.store.revokeOwnDevice(row.deviceId, time, revocationText(f));
    await this.reload();
    for (const l of this.d.links()) if (l.peerHello?.caps.includes(DEVICES_CAP)) l.sendDevice(f);
    this.d.closeDevice(row.deviceId, "this device was revoked by its identity");
    this.d.emit({ type: "device", change: "revoked", id: row.deviceId, name: row.name });
    return { id: row.deviceId, name: row.name, self: false, admin: row.admin, lastSeen: row.lastSeen, linked: false, revokedAt: time };
  }

  private find(which: string): OwnDeviceRow {
    const rows = [...this.own.values()].filter((r) => r.revokedAt === null);
    const flat = (s: string) => s.toUpperCase().replace(/[-\s]/g, "");
    const byName = rows.filter((r) => r.name === which);
    const byId = which.length >= 4 ? rows.filter((r) => flat(r.deviceId).startsWith(flat(which))) : [];
    const hits = byName.length > 0 ? byName : byId;
    if (hits.length === 1) return hits[0]!;
    if (hits.length > 1) throw new NodeError("NOT_A_DEVICE", `${which} names ${hits.length} devices: give more of its id (p2pchat devices lists them)`);
    throw new NodeError("NOT_A_DEVICE", `no device of yours is named ${JSON.stringify(which)} or has an id starting so (p2pchat devices lists them)`);
  }
}

function revocationText(f: DeviceRevokeFrame): string {
  return JSON.stringify({ c: Buffer.from(f.identity).toString("base64"), i: f.deviceId, t: f.time, s: Buffer.from(f.sig).toString("base64") });
}

function parseRevocation(text: string): DeviceRevokeFrame | null {
  try {
    const o = JSON.parse(text) as { c: string; i: string; t: number; s: string };
    return { type: "device-revoke", identity: new Uint8Array(Buffer.from(o.c, "base64")), deviceId: o.i, time: o.t, sig: new Uint8Array(Buffer.from(o.s, "base64")) };
  } catch {
    return null;
  }
}
