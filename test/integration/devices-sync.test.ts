// Devices of one person kept in step: engines linked in memory through the
// real codec, each with a real store (SQLite; MariaDB too when
// P2PCHAT_TEST_MYSQL is set). What a user would notice: messages written on
// one device show on the others in order and once, marked the same; only the
// writing device sends them; a device catches up from any other; a crash
// mid-sync loses and duplicates nothing.
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import type { PeerId } from "../../src/protocol/peer-id.ts";
import type { HistoryEntry } from "../../src/domain/history-entry.ts";
import type { OutgoingMessage, Store } from "../../src/store/store.ts";
import { dialects } from "../helpers/databases.ts";
import { MemLink, newDeviceId, TestDevice } from "../helpers/device-pair.ts";

// Real stores on MariaDB too: seconds each on a loaded machine, not the default five.
setDefaultTimeout(60_000);

const BOB = newDeviceId();

function messages(n: number, from = 0, t0 = 1_700_000_000_000): OutgoingMessage[] {
  return Array.from({ length: n }, (_, i) => ({
    id: Bun.randomUUIDv7("hex", t0 + from + i),
    peer: "bob",
    peerId: BOB,
    host: "127.0.0.1",
    port: 20001,
    body: `message ${from + i}`,
    created: t0 + from + i,
  }));
}

async function conversation(store: Store, peer = "bob"): Promise<HistoryEntry[]> {
  return (await store.history({ peer, limit: 1_000_000 })).sort((a, b) => a.time - b.time);
}

async function count(d: TestDevice, table: "sender" | "receiver" | "device_log"): Promise<{ rows: number; distinct: number }> {
  const key = table === "device_log" ? "device || ' ' || dseq" : "id";
  const sqlKey = d.db.dialect === "mysql" && table === "device_log" ? "CONCAT(device, ' ', dseq)" : key;
  const [r] = await d.db.admin.unsafe(`SELECT COUNT(*) AS n, COUNT(DISTINCT ${sqlKey}) AS d FROM ${table}`);
  return { rows: Number(r.n), distinct: Number(r.d) };
}

for (const dialect of dialects) {
  describe(`device sync on ${dialect}`, () => {
    test("1,000 messages written on A appear on B in order, once; only A sends them; their status moves the same on B", async () => {
      await using a = await TestDevice.create("a", dialect);
      await using b = await TestDevice.create("b", dialect);
      await a.store.addContact({ name: "bob", host: "127.0.0.1", port: 20001, peerId: BOB });
      MemLink.connect(a, b);
      const written = messages(1000);
      await a.journal.outgoingMany(written);
      await b.holdsAllOf(a);

      const onB = await conversation(b.store);
      expect(onB.map((e) => e.text)).toEqual(written.map((m) => m.body));
      expect(new Set(onB.map((e) => e.id)).size).toBe(1000);
      expect(onB.every((e) => e.direction === "out" && e.status === "pending")).toBe(true);
      // The contact came with its identity, so B knows whom they are for...
      expect((await b.store.findContact("bob"))?.peerId).toBe(BOB);
      // ...but B's outbox never hands them to a link: A wrote them, A sends them.
      expect(await b.store.pendingFor({ name: "bob", peerId: BOB }, 0, 10)).toEqual([]);
      expect(await b.store.outboxCounts()).toEqual([]);
      expect((await a.store.pendingFor({ name: "bob", peerId: BOB }, 0, 2000)).length).toBe(1000);

      const ids = written.map((m) => m.id);
      await a.journal.sent(ids.slice(0, 600));
      await a.journal.delivered(ids.slice(0, 500));
      await a.journal.failed([ids[999]!], "blank");
      await b.holdsAllOf(a);
      const statuses = (await b.store.statusOf(ids)).values();
      const tally: Record<string, number> = {};
      for (const s of statuses) tally[s] = (tally[s] ?? 0) + 1;
      expect(tally).toEqual({ delivered: 500, sent: 100, pending: 399, failed: 1 });
      // B's chat heard of each: written (pending), then moved, in a few events per conversation, not one per message.
      const heard: Record<string, number> = {};
      const statusEvents = b.events.filter((e) => e.type === "status");
      for (const e of statusEvents) if (e.type === "status" && e.peer === "bob") heard[e.status] = (heard[e.status] ?? 0) + e.ids.length;
      expect(heard).toEqual({ pending: 1000, sent: 600, delivered: 500, failed: 1 });
      expect(statusEvents.length).toBeLessThan(50);
      expect(await count(b, "sender")).toEqual({ rows: 1000, distinct: 1000 });
    });

    test("a message a contact delivered to B shows on A; read marks, renames and blocks follow", async () => {
      await using a = await TestDevice.create("a", dialect);
      await using b = await TestDevice.create("b", dialect);
      MemLink.connect(a, b);
      await b.store.addContact({ name: "bob", host: "127.0.0.1", port: 20001, peerId: BOB });
      const t = 1_700_000_000_000;
      const got = [1, 2, 3].map((i) => ({ id: Bun.randomUUIDv7("hex", t + i), peerId: BOB, peer: "bob", host: "127.0.0.1", port: 20001, body: `hi ${i}`, created: t + i, received: t + 10 + i }));
      await b.journal.incoming(got);
      await b.store.markRead("bob", got[1]!.id);
      await a.holdsAllOf(b);
      expect((await conversation(a.store)).map((e) => [e.direction, e.text])).toEqual([["in", "hi 1"], ["in", "hi 2"], ["in", "hi 3"]]);
      expect((await a.store.unreadCounts()).get("bob")).toBe(1);
      expect(a.events.filter((e) => e.type === "message").length).toBe(3);

      // Redelivered to A by the contact (its ack to B was lost): stored once.
      await a.journal.incoming([got[2]!]);
      expect(await count(a, "receiver")).toEqual({ rows: 3, distinct: 3 });

      await a.store.renameContact("bob", "robert");
      await a.store.updateContact("robert", { blocked: true });
      await b.holdsAllOf(a);
      expect(await b.store.findContact("bob")).toBeNull();
      expect(await b.store.findContact("robert")).toMatchObject({ peerId: BOB, blocked: true });
      expect((await conversation(b.store, "robert")).length).toBe(3);
    });

    test("a third device catches up from B, never having linked to A", async () => {
      await using a = await TestDevice.create("a", dialect);
      await using b = await TestDevice.create("b", dialect);
      await using c = await TestDevice.create("c", dialect);
      await a.store.addContact({ name: "bob", host: "127.0.0.1", port: 20001, peerId: BOB });
      const ab = MemLink.connect(a, b);
      await a.journal.outgoingMany(messages(300));
      await a.journal.delivered(messages(300).slice(0, 0).map((m) => m.id));
      await b.holdsAllOf(a);
      ab.cut();
      const aHeld = a.sync.vectorHeld().get(a.id)!;
      await a.close();

      MemLink.connect(b, c);
      await c.until(() => (c.sync.vectorHeld().get(a.id) ?? 0) >= aHeld && c.sync.progress().done);
      expect((await conversation(c.store)).map((e) => e.text)).toEqual(messages(300).map((m) => m.body));
      expect((await c.store.findContact("bob"))?.peerId).toBe(BOB);
      expect(await count(c, "device_log")).toEqual({ rows: aHeld, distinct: aHeld });
      await a.open(); // for dispose
    });

    test("a crash of B mid-sync, then a restart: every message once", async () => {
      await using a = await TestDevice.create("a", dialect);
      await using b = await TestDevice.create("b", dialect);
      await a.store.addContact({ name: "bob", host: "127.0.0.1", port: 20001, peerId: BOB });
      await a.sync.start();
      const written = messages(5000);
      await a.journal.outgoingMany(written);
      await a.journal.delivered(written.slice(0, 2500).map((m) => m.id));
      MemLink.connect(a, b);
      // Part way: some entries committed on B, more on their way.
      await b.until(() => b.sync.applied > 0);
      await b.close({ crash: true });
      const before = await count(b, "sender");
      expect(before.rows).toBeLessThan(5000);
      expect(before.rows).toBe(before.distinct);

      await b.open();
      MemLink.connect(a, b);
      await b.holdsAllOf(a);
      expect(await count(b, "sender")).toEqual({ rows: 5000, distinct: 5000 });
      expect((await conversation(b.store)).map((e) => e.text)).toEqual(written.map((m) => m.body));
      const delivered = [...(await b.store.statusOf(written.map((m) => m.id))).values()].filter((s) => s === "delivered").length;
      expect(delivered).toBe(2500);
    });

    test("a home with history from before devices: its contacts, requests, messages and read marks reach a new device", async () => {
      await using a = await TestDevice.create("a", dialect);
      await using b = await TestDevice.create("b", dialect);
      // Written while A was a single device: no log yet.
      expect(a.store.deviceLogSelf()).toBeNull();
      await a.store.addContact({ name: "bob", host: "127.0.0.1", port: 20001, peerId: BOB });
      await a.store.addContact({ name: "eve", host: "127.0.0.1", port: 20009, peerId: newDeviceId(), blocked: true });
      await a.journal.outgoingMany(messages(20));
      const t = 1_700_000_100_000;
      const got = [1, 2].map((i) => ({ id: Bun.randomUUIDv7("hex", t + i), peerId: BOB, peer: "bob", host: "127.0.0.1", port: 20001, body: `back ${i}`, created: t + i, received: t + i }));
      await a.journal.incoming(got);
      await a.store.markRead("bob", got[0]!.id);
      const stranger = newDeviceId() as PeerId;
      await a.store.saveRequest({ peerId: stranger, name: "carol", host: "10.0.0.9", port: 20003, at: t });
      await a.journal.incoming([{ id: Bun.randomUUIDv7(), peerId: stranger, peer: "", request: true, host: "10.0.0.9", port: 20003, body: "knock knock", created: t, received: t }]);

      MemLink.connect(a, b);
      await b.until(() => b.sync.progress().done);
      expect((await b.store.listContacts()).map((c) => [c.name, c.blocked])).toEqual([["bob", false], ["eve", true]]);
      expect((await conversation(b.store)).map((e) => e.text)).toEqual([...messages(20).map((m) => m.body), "back 1", "back 2"]);
      expect((await b.store.unreadCounts()).get("bob")).toBe(1);
      expect((await b.store.listRequests()).map((r) => [r.name, r.waiting])).toEqual([["carol", 1]]);
      // The request accepted on B becomes a contact on A with its message.
      await b.store.acceptRequest(stranger, { name: "carol", host: "10.0.0.9", port: 20003 });
      await a.holdsAllOf(b);
      expect(await a.store.listRequests()).toEqual([]);
      expect((await conversation(a.store, "carol")).map((e) => e.text)).toEqual(["knock knock"]);
    });

    test("garbage from a device changes nothing: bad bytes are refused by the codec, misplaced entries are dropped", async () => {
      await using a = await TestDevice.create("a", dialect);
      await using b = await TestDevice.create("b", dialect);
      await a.store.addContact({ name: "bob", host: "127.0.0.1", port: 20001, peerId: BOB });
      const ab = MemLink.connect(a, b);
      await a.journal.outgoingMany(messages(10));
      await b.holdsAllOf(a);
      const before = { sender: await count(b, "sender"), log: await count(b, "device_log") };

      // Bytes that are no frame of ours: the codec says why, before anything reaches the engine.
      const bad = Uint8Array.of(0, 0, 0, 3, 18, 0, 0);
      expect(() => ab.raw(bad)).toThrow("device-entry payload of 2 bytes");
      // Well-formed entries that are not the next of their log, or claim to be B's own: dropped.
      const text = JSON.stringify({ id: "x", name: "bob", peerId: null, host: "h", port: 1, body: "forged", created: 1 });
      const entry = { kind: "out" as const, id: "x", name: "bob", peerId: null, host: "h", port: 1, body: "forged", created: 1 };
      b.sync.onFrame(a.id, { type: "device-entry", device: a.id, seq: 500, created: 1, kind: 1, text, entry });
      b.sync.onFrame(a.id, { type: "device-entry", device: b.id, seq: 1, created: 1, kind: 1, text, entry });
      // A want for more than A holds is answered with what it holds, nothing invented.
      a.sync.onFrame(b.id, { type: "device-want", ranges: [{ device: a.id, from: 1, to: 1_000_000 }] });
      await a.journal.outgoingMany(messages(1, 10));
      await b.holdsAllOf(a);
      expect(await count(b, "sender")).toEqual({ rows: before.sender.rows + 1, distinct: before.sender.rows + 1 });
      expect(await count(b, "device_log")).toEqual({ rows: before.log.rows + 1, distinct: before.log.rows + 1 });
      expect((await conversation(b.store)).some((e) => e.text === "forged")).toBe(false);
    });

    test("an entry this database cannot take is skipped alone: the entries around it and a contact's messages in the same commit are kept, and sync goes on", async () => {
      await using a = await TestDevice.create("a", dialect);
      await using b = await TestDevice.create("b", dialect);
      // B's database refuses one contact's row (as a column too short for it would).
      if (dialect === "sqlite") {
        await b.db.admin.unsafe(`CREATE TRIGGER refuse BEFORE INSERT ON user WHEN new.name = 'refused' BEGIN SELECT RAISE(ABORT, 'refused here'); END`);
      } else {
        await b.db.admin.unsafe("CREATE TRIGGER refuse BEFORE INSERT ON `user` FOR EACH ROW BEGIN IF new.name = 'refused' THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'refused here'; END IF; END");
      }
      await a.store.addContact({ name: "bob", host: "127.0.0.1", port: 20001, peerId: BOB });
      await a.store.addContact({ name: "refused", host: "127.0.0.1", port: 20002, peerId: newDeviceId() });
      await a.store.addContact({ name: "carol", host: "127.0.0.1", port: 20003, peerId: newDeviceId() });
      await a.journal.outgoingMany(messages(50));
      await b.store.addContact({ name: "dave", host: "127.0.0.1", port: 20004, peerId: newDeviceId() });
      const dave = (await b.store.findContact("dave"))!;
      MemLink.connect(a, b);
      // A contact's message arriving on B while it catches up: it may share a commit with A's entries.
      const t = 1_700_000_000_500;
      await b.journal.incoming([{ id: Bun.randomUUIDv7("hex", t), peerId: dave.peerId, peer: "dave", host: "127.0.0.1", port: 20004, body: "from dave", created: t, received: t }]);
      await b.holdsAllOf(a);
      expect((await b.store.listContacts()).map((c) => c.name)).toEqual(["bob", "carol", "dave"]);
      expect((await conversation(b.store)).length).toBe(50);
      expect((await conversation(b.store, "dave")).map((e) => e.text)).toEqual(["from dave"]);
      // Held, not asked again: A's next entries still come.
      await a.store.markRead("bob");
      await a.store.renameContact("carol", "caroline");
      await b.holdsAllOf(a);
      expect((await b.store.listContacts()).map((c) => c.name)).toEqual(["bob", "caroline", "dave"]);
    });

    // Without the drain, serving pauses at a full write queue until the range stalls (5 s) and is asked again: counted, not timed.
    test("large entries fill the link's write queue: serving pauses and goes on when it drains, never waiting for a stall", async () => {
      await using a = await TestDevice.create("a", dialect);
      await using b = await TestDevice.create("b", dialect);
      await a.store.addContact({ name: "bob", host: "127.0.0.1", port: 20001, peerId: BOB });
      await a.sync.start();
      const big = messages(600).map((m) => ({ ...m, body: m.body + " " + "x".repeat(8_000) }));
      await a.journal.outgoingMany(big);
      const ab = MemLink.connect(a, b);
      await b.holdsAllOf(a);
      expect(await count(b, "sender")).toEqual({ rows: 600, distinct: 600 });
      expect(ab.bytes).toBeGreaterThan(4 * 1024 * 1024);
      expect(b.sync.stalls).toBe(0);
    });

    test("a device whose hello does not list the sync (an older p2pchat) is sent no sync frame", async () => {
      await using a = await TestDevice.create("a", dialect);
      await using b = await TestDevice.create("b", dialect);
      await a.store.addContact({ name: "bob", host: "127.0.0.1", port: 20001, peerId: BOB });
      const ab = MemLink.connect(a, b, { oldB: true });
      await a.journal.outgoingMany(messages(5));
      await a.journal.drain();
      // A writes nothing to it (not even its vector) and starts no log for it.
      expect(ab.bytes).toBe(0);
      expect(a.store.deviceLogSelf()).toBeNull();
    });
  });
}
