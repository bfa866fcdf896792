// The store suite, run once per dialect: SQLite always, MariaDB when
// P2PCHAT_TEST_MYSQL is set.
import { describe, expect, test } from "bun:test";
import { openStore, parseDbUrl } from "../../../src/store/open.ts";
import type { IncomingMessage, OutgoingMessage, Store } from "../../../src/store/store.ts";
import { StoreError } from "../../../src/store/store-error.ts";
import type { PeerId } from "../../../src/protocol/peer-id.ts";
import { createOriginalTables, createTestDb, dialects, withStore } from "../../helpers/databases.ts";

const BOB = "BOBBBBB-BOBBBBB-BOBBBBB-BOBBBBB-BOBBBBB-BOBBBBB-BOBBBBB-BOBBBBB" as PeerId;
const BOB_UNPINNED = { name: "bob", peerId: null };
const CAROL = "CAROLCC-CAROLCC-CAROLCC-CAROLCC-CAROLCC-CAROLCC-CAROLCC-CAROLCC" as PeerId;


function outgoing(peer: string, body: string, created: number): OutgoingMessage {
  return { id: Bun.randomUUIDv7("hex", created), peer, host: "127.0.0.1", port: 20001, body, created };
}

/** Bob's pending messages read one at a time with the cursor, as an outbox pump reads them. */
async function pagedOutbox(store: Store): Promise<string[]> {
  const bodies: string[] = [];
  for (let after = 0; ; ) {
    const [m] = await store.pendingFor(BOB_UNPINNED, after, 1);
    if (!m) return bodies;
    bodies.push(m.body);
    after = m.seq;
  }
}

function incoming(peerId: PeerId | null, peer: string, id: string, body: string, received: number): IncomingMessage {
  return { id, peerId, peer, host: "127.0.0.1", port: 20002, body, created: received - 5, received };
}

for (const dialect of dialects) {
  describe(`store on ${dialect}`, () => {
    test("migrates an empty database to the latest version, and a second time changes nothing", async () => {
      await using db = await createTestDb(dialect);
      const first = await openStore(parseDbUrl(db.url));
      await first.close();
      const again = await openStore(parseDbUrl(db.url));
      const second = await again.migrate();
      await again.close();
      expect(second).toEqual({ applied: [], version: 17 });
      const versions = await db.admin`SELECT version, name FROM schema_migrations ORDER BY version`;
      expect(versions.map((r: { version: number; name: string }) => [Number(r.version), r.name])).toEqual([
        [1, "original"],
        [2, "keys-ids-times"],
        [3, "search"],
        [4, "trust"],
        [5, "addresses"],
        [6, "reach"],
        [7, "read-marks"],
        [8, "groups"],
        [9, "group-read-marks"],
        [10, "failed-pending-forks"],
        [12, "files"],
        [13, "devices"],
        [14, "device-log"],
        [15, "outbox-partial-indexes"],
        [16, "search-own-later"],
        [17, "read-ahead"],
      ]);
    });

    test("contacts: add, find by name and by id, block, pin, remove", async () => {
      await withStore(dialect, async (store) => {
        await store.addContact({ name: "bob", host: "192.168.1.20", port: 20001 });
        await store.addContact({ name: "carol", host: "::1", port: 20002, peerId: CAROL });
        expect(await store.findContact("bob")).toMatchObject({ name: "bob", host: "192.168.1.20", port: 20001, peerId: null, blocked: false, legacy: false });
        expect((await store.findContactByPeerId(CAROL))?.name).toBe("carol");
        expect(await store.updateContact("bob", { peerId: BOB, blocked: true })).toBe(true);
        expect(await store.findContact("bob")).toMatchObject({ peerId: BOB, blocked: true });
        expect(await store.updateContact("nobody", { blocked: true })).toBe(false);
        expect((await store.listContacts()).map((c) => c.name)).toEqual(["bob", "carol"]);
        expect(await store.removeContact("bob")).toBe(true);
        expect(await store.removeContact("bob")).toBe(false);
        expect(await store.findContact("bob")).toBeNull();
      });
    });

    test("names and pinned ids are unique keys; names compare exactly", async () => {
      await withStore(dialect, async (store) => {
        await store.addContact({ name: "bob", host: "10.0.0.1", port: 1, peerId: BOB });
        const dupName = await store.addContact({ name: "bob", host: "10.0.0.2", port: 2 }).catch((e) => e);
        expect(dupName).toBeInstanceOf(StoreError);
        expect(dupName.code).toBe("DUPLICATE_NAME");
        const dupPeer = await store.addContact({ name: "bobby", host: "10.0.0.2", port: 2, peerId: BOB }).catch((e) => e);
        expect(dupPeer.code).toBe("DUPLICATE_PEER");
        await store.addContact({ name: "Bob", host: "10.0.0.3", port: 3 });
        expect((await store.listContacts()).map((c) => c.name).sort()).toEqual(["Bob", "bob"]);
      });
    });

    test("outbox: pending in creation order, sent, reset after a lost link, delivered", async () => {
      await withStore(dialect, async (store) => {
        await store.addContact({ name: "bob", host: "127.0.0.1", port: 20001 });
        const t = Date.now();
        const msgs = [outgoing("bob", "one", t), outgoing("bob", "two", t), outgoing("bob", "three", t + 1)];
        await store.write({ outgoing: msgs, at: t });
        const pending = await store.pendingFor(BOB_UNPINNED, 0, 10);
        expect(pending.map((m) => m.body)).toEqual(["one", "two", "three"]);
        expect(await store.pendingFor(BOB_UNPINNED, pending[0]!.seq, 10)).toEqual(pending.slice(1));
        expect(await store.pendingFor(BOB_UNPINNED, 0, 2)).toEqual(pending.slice(0, 2));

        await store.write({ sent: [msgs[0]!.id, msgs[1]!.id], at: t + 2 });
        expect(await store.outboxCounts()).toEqual([{ peer: "bob", pending: 1, sent: 2, legacy: false }]);
        expect((await store.pendingFor(BOB_UNPINNED, 0, 10)).map((m) => m.body)).toEqual(["three"]);

        // The link died before the acks came: both go again, still in order.
        await store.write({ unsent: [msgs[1]!.id], at: t + 2 });
        expect((await store.pendingFor(BOB_UNPINNED, 0, 10)).map((m) => m.body)).toEqual(["two", "three"]);
        expect(await store.resetInFlight(BOB_UNPINNED)).toBe(1);
        expect((await store.pendingFor(BOB_UNPINNED, 0, 10)).map((m) => m.body)).toEqual(["one", "two", "three"]);

        const res = await store.write({ sent: msgs.map((m) => m.id), at: t + 3 });
        expect(res.stored).toEqual([]);
        await store.write({ delivered: msgs.map((m) => m.id), at: t + 4 });
        const status = await store.statusOf(msgs.map((m) => m.id));
        expect([...status.values()]).toEqual(["delivered", "delivered", "delivered"]);
        expect(await store.outboxCounts()).toEqual([]);
        expect(await store.resetInFlight()).toBe(0);
      });
    });

    test("delivered marks by seq: runs of acked rows, never a row between them that was not acked", async () => {
      await withStore(dialect, async (store) => {
        await store.addContact({ name: "bob", host: "127.0.0.1", port: 20001, peerId: BOB });
        await store.addContact({ name: "carol", host: "127.0.0.1", port: 20002, peerId: CAROL });
        const t = 1_700_000_000_000;
        const to = (peer: "bob" | "carol", body: string, i: number) => ({ ...outgoing(peer, body, t + i), peerId: peer === "bob" ? BOB : CAROL });
        // 20 to bob in a row, then bob and carol in turn, then 20 more to bob.
        const msgs = [
          ...Array.from({ length: 20 }, (_, i) => to("bob", `bob a${i}`, i)),
          ...Array.from({ length: 20 }, (_, i) => to(i % 2 ? "carol" : "bob", `mixed ${i}`, 20 + i)),
          ...Array.from({ length: 20 }, (_, i) => to("bob", `bob b${i}`, 40 + i)),
        ];
        await store.write({ outgoing: msgs, at: t });
        const bobs = await store.pendingFor({ name: "bob", peerId: BOB }, 0, 100);
        expect(bobs).toHaveLength(50);
        // Acked: all of bob's but one in the first run, in the order acks may come.
        const acked = bobs.filter((m) => m.body !== "bob a7").reverse();
        await store.write({ delivered: acked.map((m) => m.id), deliveredSeqs: acked.map((m) => m.seq), at: t + 100 });
        const status = await store.statusOf(msgs.map((m) => m.id));
        const byBody = new Map(msgs.map((m) => [m.body, status.get(m.id)]));
        expect(byBody.get("bob a7")).toBe("pending");
        expect(msgs.filter((m) => m.peer === "carol").map((m) => byBody.get(m.body))).toEqual(Array(10).fill("pending"));
        expect(msgs.filter((m) => m.peer === "bob" && m.body !== "bob a7").every((m) => byBody.get(m.body) === "delivered")).toBe(true);
        expect((await store.pendingFor({ name: "bob", peerId: BOB }, 0, 100)).map((m) => m.body)).toEqual(["bob a7"]);
        expect(await store.pendingFor({ name: "carol", peerId: CAROL }, 0, 100)).toHaveLength(10);
      });
    });

    test("the outbox goes in the order messages were written, whatever the clock said; its cursor skips none", async () => {
      await withStore(dialect, async (store) => {
        await store.addContact({ name: "bob", host: "127.0.0.1", port: 20001 });
        const t = 1_700_000_000_000;
        // The clock was stepped back (NTP) before each write: the ids, made
        // from the clock (UUIDv7), fall while the messages go in order.
        const bodies = ["first", "second", "third", "fourth"];
        const written = bodies.map((body, i) => outgoing("bob", body, t - i * 60_000));
        for (const m of written) await store.write({ outgoing: [m], at: t });
        expect(written[0]!.id > written[3]!.id).toBe(true);
        expect((await store.pendingFor(BOB_UNPINNED, 0, 10)).map((m) => m.body)).toEqual(bodies);
        expect(await pagedOutbox(store)).toEqual(bodies);
      });
    });

    test("the original program's pending rows go in the order it wrote them, even when its clock went back", async () => {
      await using db = await createTestDb(dialect);
      const userTable = await createOriginalTables(db);
      await db.admin.unsafe(`INSERT INTO ${userTable} (name, ip, port) VALUES ('bob', '192.168.1.20', '20001')`);
      await db.admin.unsafe(
        `INSERT INTO sender (ip, port, name, message, status, time) VALUES
          ('192.168.1.20', '20001', 'bob', 'first', 'pending', '2023/05/01 10:05:00'),
          ('192.168.1.20', '20001', 'bob', 'second', 'pending', '2023/05/01 10:00:00'),
          ('192.168.1.20', '20001', 'bob', 'third', 'pending', '2023/05/01 09:55:00')`,
      );
      const store = await openStore(parseDbUrl(db.url));
      try {
        const pending = await store.pendingFor(BOB_UNPINNED, 0, 10);
        expect(pending.map((m) => m.body)).toEqual(["first", "second", "third"]);
        // Their ids come from those times: they fall.
        expect(pending[0]!.id > pending[2]!.id).toBe(true);
        expect(await pagedOutbox(store)).toEqual(["first", "second", "third"]);
      } finally {
        await store.close();
      }
    });

    test("a pin claims only the messages to that name no identity holds yet; another identity's stay its own", async () => {
      await withStore(dialect, async (store) => {
        await store.addContact({ name: "bob", host: "127.0.0.1", port: 20001 });
        const t = Date.now();
        const toBob = { ...outgoing("bob", "for the bob we pinned before", t), peerId: BOB };
        const unclaimed = outgoing("bob", "written before any pin", t + 1);
        await store.write({ outgoing: [toBob, unclaimed], at: t });
        // The name is pinned (again) on a link we dialed: to carol's identity this time.
        await store.write({ claims: [{ name: "bob", peerId: CAROL }], at: t + 2 });
        expect((await store.pendingFor({ name: "bob", peerId: CAROL }, 0, 10)).map((m) => m.body)).toEqual(["written before any pin"]);
        expect((await store.pendingFor({ name: "bob", peerId: BOB }, 0, 10)).map((m) => m.body)).toEqual(["for the bob we pinned before"]);
        expect(await store.pendingFor(BOB_UNPINNED, 0, 10)).toEqual([]);
      });
    });

    test("a redelivered message is stored once, per sender", async () => {
      await withStore(dialect, async (store) => {
        const t = Date.now();
        const id = Bun.randomUUIDv7();
        const first = await store.write({ incoming: [incoming(BOB, "bob", id, "hello", t)], at: t });
        expect(first.stored.map((m) => m.body)).toEqual(["hello"]);
        // Again, and twice inside one batch, and the same id from another peer.
        const again = await store.write({
          incoming: [incoming(BOB, "bob", id, "hello", t + 1), incoming(BOB, "bob", id, "hello", t + 1), incoming(CAROL, "carol", id, "hi", t + 2)],
          at: t + 2,
        });
        expect(again.stored.map((m) => m.peer)).toEqual(["carol"]);
        const rows = await store.history({ limit: 10 });
        expect(rows.map((r) => [r.direction, r.peer, r.text, r.status])).toEqual([
          ["in", "bob", "hello", "received"],
          ["in", "carol", "hi", "received"],
        ]);
      });
    });

    test("text survives exactly: emoji, accents, Japanese, quotes, a 64 KiB body", async () => {
      await withStore(dialect, async (store) => {
        await store.addContact({ name: "bob", host: "127.0.0.1", port: 20001 });
        const big = "é".repeat(32 * 1024); // 64 KiB of UTF-8
        const texts = ["🎉 party 👩‍👩‍👧", "café crème", "日本語のテキスト", `it's "quoted" \\ back%slash_`, big];
        const t = Date.now();
        await store.write({ outgoing: texts.map((x, i) => outgoing("bob", x, t + i)), at: t });
        const h = await store.history({ peer: "bob", limit: 10 });
        expect(h.map((e) => e.text)).toEqual(texts);
      });
    });

    test("history merges both directions in time order, newest N shown oldest first, pages with before", async () => {
      await withStore(dialect, async (store) => {
        await store.addContact({ name: "bob", host: "127.0.0.1", port: 20001 });
        const t = 1_700_000_000_000;
        await store.write({ outgoing: [outgoing("bob", "o1", t + 10), outgoing("bob", "o2", t + 30), outgoing("bob", "o3", t + 50)], at: t });
        await store.write({
          incoming: [incoming(BOB, "bob", Bun.randomUUIDv7(), "i1", t + 20), incoming(BOB, "bob", Bun.randomUUIDv7(), "i2", t + 40), incoming(CAROL, "carol", Bun.randomUUIDv7(), "c1", t + 45)],
          at: t,
        });
        const all = await store.history({ peer: "bob", limit: 50 });
        expect(all.map((e) => e.text)).toEqual(["o1", "i1", "o2", "i2", "o3"]);
        expect(all.map((e) => e.direction)).toEqual(["out", "in", "out", "in", "out"]);
        const last2 = await store.history({ peer: "bob", limit: 2 });
        expect(last2.map((e) => e.text)).toEqual(["i2", "o3"]);
        const before = await store.history({ peer: "bob", limit: 2, before: last2[0]!.id });
        expect(before.map((e) => e.text)).toEqual(["i1", "o2"]);
        const first = await store.history({ peer: "bob", limit: 10, before: before[0]!.id });
        expect(first.map((e) => e.text)).toEqual(["o1"]);
        expect(await store.history({ peer: "bob", limit: 10, before: first[0]!.id })).toEqual([]);
        expect((await store.history({ limit: 50 })).map((e) => e.text)).toEqual(["o1", "i1", "o2", "i2", "c1", "o3"]);
        expect((await store.history({ limit: 50, since: t + 40 })).map((e) => e.text)).toEqual(["i2", "c1", "o3"]);
        expect(await store.history({ peer: "nobody", limit: 50 })).toEqual([]);
        expect(await store.history({ peer: "bob", limit: 5, before: "no-such-id" })).toEqual([]);
      });
    });

    test("a message received late: its time is when it was written, it stays where it arrived", async () => {
      await withStore(dialect, async (store) => {
        await store.addContact({ name: "bob", host: "127.0.0.1", port: 20001 });
        const t = 1_700_000_000_000;
        const hours = 3 * 3600_000;
        await store.write({ outgoing: [outgoing("bob", "before", t + hours - 1000)], at: t });
        // Written at t, while we were away; it arrives three hours later.
        await store.write({ incoming: [{ ...incoming(BOB, "bob", Bun.randomUUIDv7(), "late", t + hours), created: t }], at: t });
        await store.write({ outgoing: [outgoing("bob", "after", t + hours + 1000)], at: t });
        const h = await store.history({ peer: "bob", limit: 10 });
        expect(h.map((e) => [e.text, e.time, e.received])).toEqual([
          ["before", t + hours - 1000, undefined],
          ["late", t, t + hours],
          ["after", t + hours + 1000, undefined],
        ]);
        const found = await store.search({ text: "late", limit: 10 });
        expect(found.map((e) => [e.text, e.time, e.received])).toEqual([["late", t, t + hours]]);
      });
    });

    test("a database the original program made is migrated in place: rows survive and show in order", async () => {
      await using db = await createTestDb(dialect);
      const userTable = await createOriginalTables(db);
      // As the original wrote them: local-time text, 'received' in receiver, a duplicate contact name.
      await db.admin.unsafe(`INSERT INTO ${userTable} (name, ip, port) VALUES ('bob', '192.168.1.20', '20001'), ('carol', '192.168.1.30', '20001'), ('bob', '192.168.1.21', '20001')`);
      await db.admin.unsafe(
        `INSERT INTO sender (ip, port, name, message, status, time) VALUES
          ('192.168.1.20', '20001', 'bob', 'hi bob', 'sent', '2023/05/01 10:00:00'),
          ('192.168.1.20', '20001', 'bob', 'are you there?', 'pending', '2023/05/01 10:02:00')`,
      );
      await db.admin.unsafe(
        `INSERT INTO receiver (ip, port, name, message, status, time) VALUES
          ('192.168.1.20', '20001', 'bob', 'hello alice', 'received', '2023/05/01 10:01:00'),
          ('192.168.1.40', '20001', NULL, 'who is this', 'received', '2023/05/01 09:00:00')`,
      );

      const store = await openStore(parseDbUrl(db.url));
      try {
        const contacts = await store.listContacts();
        expect(contacts.map((c) => [c.name, c.host, c.port])).toEqual([
          ["bob", "192.168.1.20", 20001],
          ["bob-3", "192.168.1.21", 20001],
          ["carol", "192.168.1.30", 20001],
        ]);
        const bob = await store.history({ peer: "bob", limit: 50 });
        expect(bob.map((e) => [e.direction, e.text, e.status])).toEqual([
          ["out", "hi bob", "sent"],
          ["in", "hello alice", "received"],
          ["out", "are you there?", "pending"],
        ]);
        // Integer times parsed from the local-time text; ids time-sortable.
        expect(bob[0]!.time).toBe(new Date(2023, 4, 1, 10, 0, 0).getTime());
        expect(bob[0]!.id < bob[2]!.id).toBe(true);
        const all = await store.history({ limit: 50 });
        expect(all.map((e) => [e.peer, e.text])).toEqual([
          ["192.168.1.40:20001", "who is this"],
          ["bob", "hi bob"],
          ["bob", "hello alice"],
          ["bob", "are you there?"],
        ]);
        // The original's pending message waits in p2pchat's outbox; its sent one is not resent.
        expect((await store.pendingFor(BOB_UNPINNED, 0, 10)).map((m) => m.body)).toEqual(["are you there?"]);
        expect(await store.resetInFlight()).toBe(0);
        // New rows keep writing the original columns too.
        await store.write({ outgoing: [outgoing("carol", "new style", Date.now())], at: Date.now() });
        const [row] = await db.admin.unsafe(`SELECT ip, port, name, message, status, time FROM sender WHERE message = 'new style'`);
        expect(row).toMatchObject({ ip: "127.0.0.1", port: "20001", name: "carol", status: "pending" });
        expect(String(row.time)).toMatch(/^\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2}$/);
      } finally {
        await store.close();
      }
    });
  });
}

describe("bad database input", () => {
  test("an unknown URL scheme is refused with a clear message", () => {
    expect(() => parseDbUrl("postgres://localhost/x")).toThrow(/unsupported database "postgres".*expected mysql:\/\//);
    expect(() => parseDbUrl("mysql://localhost")).toThrow(/no database name/);
  });

  test("a MySQL server that is down is reported as unavailable, not as a stack trace", async () => {
    // Port 1 on loopback: nothing listens there.
    const err = await openStore(parseDbUrl("mysql://root@127.0.0.1:1/test")).catch((e) => e);
    expect(err).toBeInstanceOf(StoreError);
    expect(err.code).toBe("UNAVAILABLE");
    expect(err.message).toMatch(/cannot reach the database at mysql:\/\/root@127\.0\.0\.1:1\/test: connection refused/);
  });
});
