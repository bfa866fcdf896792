// Devices' tables (013-devices.sql) in the SQL both dialects share.
import type { SQL } from "bun";
import type { DeviceStore, OwnDeviceRow, PeerDeviceRow } from "./device-types.ts";

type Row = Record<string, unknown>;

const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));

function addrsOf(v: unknown): string[] {
  try {
    const a = JSON.parse(String(v ?? "[]")) as unknown;
    return Array.isArray(a) ? a.filter((x): x is string => typeof x === "string") : [];
  } catch {
    return [];
  }
}

function base(r: Row) {
  return {
    deviceId: String(r.device_id),
    name: String(r.name),
    addrs: addrsOf(r.addrs),
    lastSeen: num(r.last_seen),
    revokedAt: num(r.revoked_at),
    revocation: r.revocation === null || r.revocation === undefined ? null : String(r.revocation),
  };
}

export class SqlDevices implements DeviceStore {
  constructor(private readonly sql: SQL) {}

  async ownDevices(): Promise<OwnDeviceRow[]> {
    const rows: Row[] = await this.sql`SELECT * FROM own_devices ORDER BY added_at, device_id`;
    return rows.map((r) => ({ ...base(r), admin: Number(r.admin) === 1, addedAt: Number(r.added_at) }));
  }

  async saveOwnDevice(d: OwnDeviceRow): Promise<void> {
    await this.sql.begin(async (tx) => {
      const [have]: Row[] = await tx`SELECT device_id FROM own_devices WHERE device_id = ${d.deviceId}`;
      const addrs = JSON.stringify(d.addrs);
      if (have) {
        await tx`UPDATE own_devices SET name = ${d.name}, admin = ${d.admin ? 1 : 0}, addrs = ${addrs} WHERE device_id = ${d.deviceId}`;
      } else {
        await tx`INSERT INTO own_devices (device_id, name, admin, addrs, added_at, last_seen, revoked_at, revocation)
          VALUES (${d.deviceId}, ${d.name}, ${d.admin ? 1 : 0}, ${addrs}, ${d.addedAt}, ${d.lastSeen}, ${d.revokedAt}, ${d.revocation})`;
      }
    });
  }

  async ownDeviceSeen(deviceId: string, at: number, addrs: readonly string[] | null): Promise<void> {
    if (addrs) await this.sql`UPDATE own_devices SET last_seen = ${at}, addrs = ${JSON.stringify(addrs)} WHERE device_id = ${deviceId}`;
    else await this.sql`UPDATE own_devices SET last_seen = ${at} WHERE device_id = ${deviceId}`;
  }

  async revokeOwnDevice(deviceId: string, at: number, revocation: string): Promise<boolean> {
    return await this.sql.begin(async (tx) => {
      const [have]: Row[] = await tx`SELECT revoked_at FROM own_devices WHERE device_id = ${deviceId}`;
      if (have && have.revoked_at !== null) return false;
      if (have) await tx`UPDATE own_devices SET revoked_at = ${at}, revocation = ${revocation} WHERE device_id = ${deviceId}`;
      else await tx`INSERT INTO own_devices (device_id, name, admin, addrs, added_at, revoked_at, revocation) VALUES (${deviceId}, '', 0, '[]', ${at}, ${at}, ${revocation})`;
      return true;
    });
  }

  async peerDevices(peerId?: string): Promise<PeerDeviceRow[]> {
    const rows: Row[] = peerId === undefined ? await this.sql`SELECT * FROM peer_devices ORDER BY peer_id, device_id` : await this.sql`SELECT * FROM peer_devices WHERE peer_id = ${peerId} ORDER BY device_id`;
    return rows.map((r) => ({ ...base(r), peerId: String(r.peer_id) }));
  }

  async savePeerDevice(d: PeerDeviceRow): Promise<void> {
    await this.sql.begin(async (tx) => {
      const [have]: Row[] = await tx`SELECT device_id FROM peer_devices WHERE peer_id = ${d.peerId} AND device_id = ${d.deviceId}`;
      const addrs = JSON.stringify(d.addrs);
      if (have) await tx`UPDATE peer_devices SET name = ${d.name}, addrs = ${addrs}, last_seen = COALESCE(${d.lastSeen}, last_seen) WHERE peer_id = ${d.peerId} AND device_id = ${d.deviceId}`;
      else await tx`INSERT INTO peer_devices (peer_id, device_id, name, addrs, last_seen) VALUES (${d.peerId}, ${d.deviceId}, ${d.name}, ${addrs}, ${d.lastSeen})`;
    });
  }

  async revokePeerDevice(peerId: string, deviceId: string, at: number, revocation: string): Promise<boolean> {
    return await this.sql.begin(async (tx) => {
      const [have]: Row[] = await tx`SELECT revoked_at FROM peer_devices WHERE peer_id = ${peerId} AND device_id = ${deviceId}`;
      if (have && have.revoked_at !== null) return false;
      if (have) await tx`UPDATE peer_devices SET revoked_at = ${at}, revocation = ${revocation} WHERE peer_id = ${peerId} AND device_id = ${deviceId}`;
      else await tx`INSERT INTO peer_devices (peer_id, device_id, name, addrs, revoked_at, revocation) VALUES (${peerId}, ${deviceId}, '', '[]', ${at}, ${revocation})`;
      return true;
    });
  }
}
