// Devices' rows (013-devices.sql) on each dialect: our devices with their
// addresses and sightings, others' devices from rosters, and revocations
// that stay revoked whatever a later roster says.
import { describe, expect, test } from "bun:test";
import { entryKindNumber, entryText, type DeviceEntry } from "../../../src/protocol/devices/sync-entries.ts";
import type { PeerId } from "../../../src/protocol/peer-id.ts";
import { dialects, withStore } from "../../helpers/databases.ts";

const LAPTOP = "LAPTOPL-LAPTOPL-LAPTOPL-LAPTOPL-LAPTOPL-LAPTOPL-LAPTOPL-LAPTOPL";
const SERVER = "SERVERS-SERVERS-SERVERS-SERVERS-SERVERS-SERVERS-SERVERS-SERVERS";
const BOB = "BOBBBBB-BOBBBBB-BOBBBBB-BOBBBBB-BOBBBBB-BOBBBBB-BOBBBBB-BOBBBBB";

/** Entry `seq` of `device`'s log, as device sync hands it to the store. */
const fromLog = (device: string, seq: number, entry: DeviceEntry) => ({ device: device as PeerId, seq, created: 1000 + seq, kind: entryKindNumber(entry.kind), text: entryText(entry), entry });
const inEntry = (id: string, body: string): DeviceEntry => ({ kind: "in", id, peerId: BOB, name: "bob", host: "127.0.0.1", port: 20002, body, created: 10, received: 20 });

for (const dialect of dialects) {
  describe(`devices on ${dialect}`, () => {
    test("our devices: added, seen with new addresses, revoked once and for good", async () => {
      await withStore(dialect, async (store) => {
        await store.saveOwnDevice({ deviceId: LAPTOP, name: "laptop", admin: true, addrs: [], addedAt: 1, lastSeen: null, revokedAt: null, revocation: null });
        await store.saveOwnDevice({ deviceId: SERVER, name: "server", admin: false, addrs: ["10.0.0.2:20001"], addedAt: 2, lastSeen: null, revokedAt: null, revocation: null });
        await store.ownDeviceSeen(SERVER, 50, ["10.0.0.3:20001", "[::1]:20001"]);
        expect(await store.ownDevices()).toEqual([
          { deviceId: LAPTOP, name: "laptop", admin: true, addrs: [], addedAt: 1, lastSeen: null, revokedAt: null, revocation: null },
          { deviceId: SERVER, name: "server", admin: false, addrs: ["10.0.0.3:20001", "[::1]:20001"], addedAt: 2, lastSeen: 50, revokedAt: null, revocation: null },
        ]);
        expect(await store.revokeOwnDevice(SERVER, 60, '{"signed":1}')).toBe(true);
        expect(await store.revokeOwnDevice(SERVER, 70, '{"signed":2}')).toBe(false);
        // A roster naming it again changes its name, never its revocation.
        await store.saveOwnDevice({ deviceId: SERVER, name: "server2", admin: false, addrs: [], addedAt: 2, lastSeen: null, revokedAt: null, revocation: null });
        expect((await store.ownDevices()).find((d) => d.deviceId === SERVER)).toMatchObject({ name: "server2", revokedAt: 60, revocation: '{"signed":1}' });
      });
    });

    test("a contact's devices: from its roster, revoked even before we heard of them", async () => {
      await withStore(dialect, async (store) => {
        await store.savePeerDevice({ peerId: BOB, deviceId: LAPTOP, name: "bob's laptop", addrs: ["10.0.0.9:1"], lastSeen: null, revokedAt: null, revocation: null });
        expect(await store.revokePeerDevice(BOB, SERVER, 80, "r")).toBe(true);
        await store.savePeerDevice({ peerId: BOB, deviceId: SERVER, name: "bob's server", addrs: [], lastSeen: 90, revokedAt: null, revocation: null });
        expect(await store.peerDevices(BOB)).toEqual([
          { peerId: BOB, deviceId: LAPTOP, name: "bob's laptop", addrs: ["10.0.0.9:1"], lastSeen: null, revokedAt: null, revocation: null },
          { peerId: BOB, deviceId: SERVER, name: "bob's server", addrs: [], lastSeen: 90, revokedAt: 80, revocation: "r" },
        ]);
        expect(await store.peerDevices("NOBODY")).toEqual([]);
      });
    });

    test("a read mark from the laptop's log that comes before the server's log brings the message: the mark moves when the message is stored", async () => {
      await withStore(dialect, async (store) => {
        const a = "0190aaaa-0000-7000-8000-000000000001";
        const b = "0190aaaa-0000-7000-8000-000000000002";
        await store.addContact({ name: "bob", host: "127.0.0.1", port: 20002, peerId: BOB as PeerId });
        await store.write({ at: Date.now(), applied: [fromLog(SERVER, 1, inEntry(a, "first"))] });
        expect((await store.unreadCounts()).get("bob")).toBe(1);
        // The laptop read both; its log reaches us before the server's second entry.
        await store.write({ at: Date.now(), applied: [fromLog(LAPTOP, 1, { kind: "read", name: "bob", id: b })] });
        expect((await store.unreadCounts()).get("bob")).toBe(1);
        await store.write({ at: Date.now(), applied: [fromLog(SERVER, 2, inEntry(b, "second"))] });
        expect((await store.unreadCounts()).get("bob") ?? 0).toBe(0);
        // The same entries again (from a third device, after a crash) change nothing.
        await store.write({ at: Date.now(), applied: [fromLog(LAPTOP, 1, { kind: "read", name: "bob", id: b }), fromLog(SERVER, 2, inEntry(b, "second"))] });
        expect((await store.unreadCounts()).get("bob") ?? 0).toBe(0);
      });
    });
  });
}
