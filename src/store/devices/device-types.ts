// Devices as the store sees them (013-devices.sql): this identity's own
// devices, and the devices of others' identities we heard of or were told
// were revoked.

export interface DeviceRow {
  deviceId: string;
  name: string;
  /** Where it said it listens (HOST:PORT each). */
  addrs: string[];
  lastSeen: number | null;
  revokedAt: number | null;
  /** The identity's signed revocation (JSON, as device-book.ts writes it), handed on to who missed it. */
  revocation: string | null;
}

export interface OwnDeviceRow extends DeviceRow {
  admin: boolean;
  addedAt: number;
}

export interface PeerDeviceRow extends DeviceRow {
  peerId: string;
}

export interface DeviceStore {
  ownDevices(): Promise<OwnDeviceRow[]>;
  /** Adds a device of ours, or updates what is known of it (a revoked one stays revoked). */
  saveOwnDevice(row: OwnDeviceRow): Promise<void>;
  /** A link to it is up now: its last sighting and addresses. */
  ownDeviceSeen(deviceId: string, at: number, addrs: readonly string[] | null): Promise<void>;
  /** True when it was known and not revoked yet. */
  revokeOwnDevice(deviceId: string, at: number, revocation: string): Promise<boolean>;
  /** Devices of `peerId` (all peers' when omitted). */
  peerDevices(peerId?: string): Promise<PeerDeviceRow[]>;
  /** Adds or updates a device of another identity (name, addresses; a revoked one stays revoked). */
  savePeerDevice(row: PeerDeviceRow): Promise<void>;
  /** True when the revocation is news. */
  revokePeerDevice(peerId: string, deviceId: string, at: number, revocation: string): Promise<boolean>;
}
