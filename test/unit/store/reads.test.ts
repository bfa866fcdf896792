// Read marks, on both dialects: unread counts per contact that survive a
// restart, a mark that never moves back, a rename that carries it, and an
// older database whose messages all count as read.
import { describe, expect, test } from "bun:test";
import { openStore, parseDbUrl } from "../../../src/store/open.ts";
import type { GroupMessageRow, IncomingMessage, Store } from "../../../src/store/store.ts";
import { groupMessageUuid } from "../../../src/protocol/groups/group-signed.ts";
import type { PeerId } from "../../../src/protocol/peer-id.ts";
import { createOriginalTables, createTestDb, dialects } from "../../helpers/databases.ts";

const BOB = "BOBBBBB-BOBBBBB-BOBBBBB-BOBBBBB-BOBBBBB-BOBBBBB-BOBBBBB-BOBBBBB" as PeerId;
const CAROL = "CAROLCC-CAROLCC-CAROLCC-CAROLCC-CAROLCC-CAROLCC-CAROLCC-CAROLCC" as PeerId;

function incoming(peerId: PeerId, peer: string, n: number, received: number): IncomingMessage {
  return { id: `${peer}-${n}`, peerId, peer, host: "127.0.0.1", port: 20002, body: `${peer} ${n}`, created: received - 5, received };
}

async function counts(store: Store): Promise<Record<string, number>> {
  return Object.fromEntries(await store.unreadCounts());
}

for (const dialect of dialects) {
  describe(`read marks on ${dialect}`, () => {
    test("unread per contact, marked up to a message, never back, and the same after reopening", async () => {
      await using db = await createTestDb(dialect);
      let store = await openStore(parseDbUrl(db.url));
      try {
        await store.addContact({ name: "bob", host: "127.0.0.1", port: 1, peerId: BOB });
        await store.addContact({ name: "carol", host: "127.0.0.1", port: 2, peerId: CAROL });
        await store.addContact({ name: "dave", host: "127.0.0.1", port: 3 });
        const t = 1_700_000_000_000;
        // Two of bob's at the same millisecond: seq orders them.
        await store.write({ incoming: [incoming(BOB, "bob", 1, t), incoming(BOB, "bob", 2, t), incoming(BOB, "bob", 3, t + 10)], at: t });
        await store.write({ incoming: [incoming(CAROL, "carol", 1, t + 1)], at: t });
        expect(await counts(store)).toEqual({ bob: 3, carol: 1, dave: 0 });

        expect(await store.markRead("bob", "bob-1")).toBe(2);
        expect(await store.markRead("bob", "bob-2")).toBe(1);
        // An older message does not move the mark back.
        expect(await store.markRead("bob", "bob-1")).toBe(1);
        // An id that is not bob's message moves nothing.
        expect(await store.markRead("bob", "carol-1")).toBe(1);
        expect(await counts(store)).toEqual({ bob: 1, carol: 1, dave: 0 });
        await store.close();

        store = await openStore(parseDbUrl(db.url));
        expect(await counts(store)).toEqual({ bob: 1, carol: 1, dave: 0 });
        // No id: everything from carol so far.
        expect(await store.markRead("carol")).toBe(0);
        await store.write({ incoming: [incoming(CAROL, "carol", 2, t + 5)], at: t + 5 });
        expect(await counts(store)).toEqual({ bob: 1, carol: 1, dave: 0 });
        expect(await store.markRead("dave")).toBe(0);
      } finally {
        await store.close();
      }
    });

    test("a group's mark ('#alias'): others' shown messages after it are unread, ours never; never back; the same after reopening", async () => {
      await using db = await createTestDb(dialect);
      let store = await openStore(parseDbUrl(db.url));
      const G = "00112233445566778899aabbccddeeff";
      const [ME, BOB_KEY] = ["aa".repeat(32), "bb".repeat(32)];
      const row = (author: string, seq: number, pos: number | null): GroupMessageRow => ({
        group: G, author, seq, id: groupMessageUuid(G, author, seq), kind: 0, body: `${author.slice(0, 2)} ${seq}`, sig: "5a".repeat(64), created: 1000 + seq, received: 2000 + seq, pos,
      });
      try {
        await store.addContact({ name: "bob", host: "127.0.0.1", port: 1, peerId: BOB });
        await store.write({
          at: 0,
          groups: [{
            groups: [{ id: G, alias: "club", name: "club", creator: BOB_KEY, selfKey: ME, state: "member", createdAt: 1000, joinedAt: 1000 }],
            members: [
              { group: G, author: BOB_KEY, peerId: BOB, name: "bob", addedSeq: 0, until: null, gone: null, contig: 3 },
              { group: G, author: ME, peerId: CAROL, name: "me", addedSeq: 1, until: null, gone: null, contig: 1 },
            ],
            // bob's 1 and 2 shown, his 4 waiting for 3; ours shown.
            messages: [row(BOB_KEY, 1, 1), row(BOB_KEY, 2, 2), row(ME, 1, 3), row(BOB_KEY, 4, null)],
          }],
        });
        expect(await counts(store)).toEqual({ bob: 0, "#club": 2 });
        expect(await store.markRead("#club", groupMessageUuid(G, BOB_KEY, 1))).toBe(1);
        expect(await store.markRead("#club", groupMessageUuid(G, BOB_KEY, 1))).toBe(1);
        // Not shown yet: no position to move to.
        expect(await store.markRead("#club", groupMessageUuid(G, BOB_KEY, 4))).toBe(1);
        await store.close();

        store = await openStore(parseDbUrl(db.url));
        expect(await counts(store)).toEqual({ bob: 0, "#club": 1 });
        // Our own message read: bob's before it are too.
        expect(await store.markRead("#club", groupMessageUuid(G, ME, 1))).toBe(0);
        await store.write({ at: 0, groups: [{ messages: [row(BOB_KEY, 3, 4)], shown: [{ group: G, author: BOB_KEY, seq: 4, pos: 5 }] }] });
        expect(await counts(store)).toEqual({ bob: 0, "#club": 2 });
        expect(await store.markRead("#club", groupMessageUuid(G, BOB_KEY, 2))).toBe(2);
        expect(await store.markRead("#club")).toBe(0);
        // A contact's marks are untouched by the group's.
        await store.write({ incoming: [incoming(BOB, "bob", 1, 1_700_000_000_000)], at: 1_700_000_000_000 });
        expect(await counts(store)).toEqual({ bob: 1, "#club": 0 });
      } finally {
        await store.close();
      }
    });

    test("a renamed contact keeps its mark; a mark left under the new name by someone else goes", async () => {
      await using db = await createTestDb(dialect);
      const store = await openStore(parseDbUrl(db.url));
      try {
        await store.addContact({ name: "bob", host: "127.0.0.1", port: 1, peerId: BOB });
        await store.addContact({ name: "robert", host: "127.0.0.1", port: 2, peerId: CAROL });
        const t = 1_700_000_000_000;
        await store.write({ incoming: [incoming(BOB, "bob", 1, t), incoming(BOB, "bob", 2, t + 1), incoming(CAROL, "robert", 1, t + 2)], at: t });
        await store.markRead("bob", "bob-1");
        expect(await store.renameContact("bob", "bobby")).toBe(true);
        expect(await counts(store)).toEqual({ bobby: 1, robert: 1 });
        // robert read everything, then went; bobby takes the name: bobby's mark (older) holds, not robert's.
        await store.markRead("robert");
        await store.removeContact("robert");
        expect(await store.renameContact("bobby", "robert")).toBe(true);
        // The old robert's message stays under the name (history shows it so) and is after bobby's mark.
        expect(await counts(store)).toEqual({ robert: 2 });
      } finally {
        await store.close();
      }
    });

    test("what a database held before read marks existed counts as read", async () => {
      await using db = await createTestDb(dialect);
      const userTable = await createOriginalTables(db);
      await db.admin.unsafe(`INSERT INTO ${userTable} (name, ip, port) VALUES ('bob', '192.168.1.20', '20001'), ('carol', '192.168.1.30', '20001')`);
      await db.admin.unsafe(
        `INSERT INTO receiver (ip, port, name, message, status, time) VALUES
          ('192.168.1.20', '20001', 'bob', 'hello alice', 'received', '2023/05/01 10:01:00'),
          ('192.168.1.20', '20001', 'bob', 'still there?', 'received', '2023/05/01 10:03:00')`,
      );
      const store = await openStore(parseDbUrl(db.url));
      try {
        expect(await counts(store)).toEqual({ bob: 0, carol: 0 });
        await store.write({ incoming: [incoming(BOB, "bob", 9, Date.now())], at: Date.now() });
        expect(await counts(store)).toEqual({ bob: 1, carol: 0 });
      } finally {
        await store.close();
      }
    });
  });
}
