// A contact's addresses in the store, per dialect: at most 16 kept whatever
// their history, one forgotten on request (another peer answers there), and
// one heard of long ago that fails now forgotten on its own; a typed one stays.
import { describe, expect, test } from "bun:test";
import { openStore, parseDbUrl } from "../../../src/store/open.ts";
import { MAX_ADDRESSES, STALE_ADDRESS_MS } from "../../../src/store/sql-addresses.ts";
import type { Store } from "../../../src/store/store.ts";
import { createTestDb, dialects, type TestDb } from "../../helpers/databases.ts";

/** A store on a fresh database, with raw access to it for ageing rows. */
async function withDb(dialect: "sqlite" | "mysql", fn: (store: Store, db: TestDb) => Promise<void>): Promise<void> {
  await using db = await createTestDb(dialect);
  const store = await openStore(parseDbUrl(db.url));
  try {
    await fn(store, db);
  } finally {
    await store.close();
  }
}

const hosts = (c: { addresses: { host: string; port: number }[] } | null) => (c?.addresses ?? []).map((a) => `${a.host}:${a.port}`);

for (const dialect of dialects) {
  describe(`contact addresses on ${dialect}`, () => {
    test("at most 16 are kept even when every one has worked: the stalest go, the typed one stays, the newest is kept", async () => {
      await withDb(dialect, async (store) => {
        await store.addContact({ name: "bob", host: "192.0.2.1", port: 1 });
        const heard = Array.from({ length: MAX_ADDRESSES }, (_, i) => ({ host: `198.51.100.${i + 1}`, port: 7000, source: "hello" as const }));
        await store.saveAddresses("bob", heard);
        for (const a of heard) await store.addressTried("bob", a.host, a.port, { ok: true });
        await store.saveAddresses("bob", [{ host: "203.0.113.9", port: 7000, source: "dht" }], { preferred: true });
        const list = hosts(await store.findContact("bob"));
        expect(list).toHaveLength(MAX_ADDRESSES);
        expect(list[0]).toBe("203.0.113.9:7000");
        expect(list).toContain("192.0.2.1:1");
        // The two that worked first (the stalest) made room.
        expect(list).not.toContain("198.51.100.1:7000");
        expect(list).not.toContain("198.51.100.2:7000");
      });
    });

    test("forgetAddress removes one address; an unknown one is false", async () => {
      await withDb(dialect, async (store) => {
        await store.addContact({ name: "bob", host: "192.0.2.1", port: 1, addresses: [{ host: "198.51.100.7", port: 7000, source: "dht" }] });
        expect(await store.forgetAddress("bob", "198.51.100.7", 7000)).toBe(true);
        expect(await store.forgetAddress("bob", "198.51.100.7", 7000)).toBe(false);
        expect(await store.forgetAddress("nobody", "198.51.100.7", 7000)).toBe(false);
        expect(hosts(await store.findContact("bob"))).toEqual(["192.0.2.1:1"]);
      });
    });

    test("an address heard of that has not worked for 30 days is forgotten when it fails; a typed one, or a fresher one, stays", async () => {
      await withDb(dialect, async (store, db) => {
        await store.addContact({
          name: "bob",
          host: "192.0.2.1",
          port: 1,
          addresses: [
            { host: "198.51.100.7", port: 7000, source: "dht" },
            { host: "198.51.100.8", port: 7000, source: "hello" },
          ],
        });
        const old = Date.now() - STALE_ADDRESS_MS - 60_000;
        await db.admin`UPDATE contact_address SET added_at = ${old}, last_ok = ${old}`;
        await db.admin`UPDATE contact_address SET last_ok = ${Date.now()} WHERE host = '198.51.100.8'`;
        for (const host of ["192.0.2.1", "198.51.100.7", "198.51.100.8"]) {
          await store.addressTried("bob", host, host === "192.0.2.1" ? 1 : 7000, { ok: false, error: "connection refused" });
        }
        expect(hosts(await store.findContact("bob")).sort()).toEqual(["192.0.2.1:1", "198.51.100.8:7000"]);
      });
    });
  });
}
