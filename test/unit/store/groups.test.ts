// The groups' tables on both dialects: stored once per (group, author, seq),
// shown in order once gaps close, a removed member's late rows dropped,
// receipts that only rise, and history and search for '#alias'.
import { describe, expect, test } from "bun:test";
import type { GroupMessageRow, GroupRow, Store } from "../../../src/store/store.ts";
import type { PeerId } from "../../../src/protocol/peer-id.ts";
import { groupMessageUuid } from "../../../src/protocol/groups/group-signed.ts";
import { dialects, withStore } from "../../helpers/databases.ts";

const G = "00112233445566778899aabbccddeeff";
const ME = "aa".repeat(32);
const BOB = "bb".repeat(32);
const CAROL = "cc".repeat(32);
const BOB_PEER = "BOBBBBB-BOBBBBB-BOBBBBB-BOBBBBB-BOBBBBB-BOBBBBB-BOBBBBB-BOBBBBB" as PeerId;
const CAROL_PEER = "CAROLCC-CAROLCC-CAROLCC-CAROLCC-CAROLCC-CAROLCC-CAROLCC-CAROLCC" as PeerId;
const ME_PEER = "MEMEMEM-MEMEMEM-MEMEMEM-MEMEMEM-MEMEMEM-MEMEMEM-MEMEMEM-MEMEMEM" as PeerId;
const SIG = "5a".repeat(64);

const group: GroupRow = { id: G, alias: "club", name: "club", creator: ME, selfKey: ME, state: "member", createdAt: 1000, joinedAt: 1000 };

function msg(author: string, seq: number, body: string, pos: number | null, kind = 0): GroupMessageRow {
  return { group: G, author, seq, id: groupMessageUuid(G, author, seq), kind, body, sig: SIG, created: 1000 + seq, received: 2000 + seq, pos };
}


/** The group with three members: me (creator), bob, carol. */
async function seed(store: Store): Promise<void> {
  await store.write({
    at: 0,
    groups: [
      {
        groups: [group],
        members: [
          { group: G, author: ME, peerId: ME_PEER, name: "me", addedSeq: 0, until: null, gone: null, contig: 3 },
          { group: G, author: BOB, peerId: BOB_PEER, name: "bob", addedSeq: 2, until: null, gone: null, contig: 0 },
          { group: G, author: CAROL, peerId: CAROL_PEER, name: "carol", addedSeq: 3, until: null, gone: null, contig: 0 },
        ],
        messages: [
          msg(ME, 1, JSON.stringify({ name: "club", nonce: "0f".repeat(16), peer: ME_PEER }), 1, 1),
          msg(ME, 2, JSON.stringify({ key: BOB, peer: BOB_PEER, name: "bob" }), 2, 2),
          msg(ME, 3, JSON.stringify({ key: CAROL, peer: CAROL_PEER, name: "carol" }), 3, 2),
        ],
      },
    ],
  });
}

for (const dialect of dialects) {
  describe(`groups on ${dialect}`, () => {
    test("a message is stored once per (group, author, seq), whatever is written twice", async () => {
      await withStore(dialect, async (store) => {
        await seed(store);
        await store.write({ at: 0, groups: [{ messages: [msg(BOB, 1, "hi", 4), msg(BOB, 1, "hi", 4)] }, { messages: [msg(BOB, 1, "hi again", 5)] }] });
        await store.write({ at: 0, groups: [{ messages: [msg(BOB, 1, "and again", 6)] }] });
        const rows = await store.groupMessages(G, BOB, 1, 10, 100);
        expect(rows.map((r) => [r.seq, r.body, r.pos])).toEqual([[1, "hi", 4]]);
      });
    });

    test("a gap waits unshown; once it closes the later rows are shown, in order", async () => {
      await withStore(dialect, async (store) => {
        await seed(store);
        await store.write({ at: 0, groups: [{ messages: [msg(BOB, 2, "two", null), msg(BOB, 3, "three", null)] }] });
        let snap = await store.groupSnapshot();
        expect(snap.waiting).toEqual([msg(BOB, 2, "two", null), msg(BOB, 3, "three", null)]);
        expect((await store.history({ peer: "#club", limit: 10 })).map((e) => e.text)).toEqual(['created the group "club"', "added bob", "added carol"]);
        await store.write({
          at: 0,
          groups: [
            {
              messages: [msg(BOB, 1, "one", 4)],
              shown: [
                { group: G, author: BOB, seq: 2, pos: 5 },
                { group: G, author: BOB, seq: 3, pos: 6 },
              ],
              members: [{ group: G, author: BOB, peerId: BOB_PEER, name: "bob", addedSeq: 2, until: null, gone: null, contig: 3 }],
            },
          ],
        });
        snap = await store.groupSnapshot();
        expect(snap.waiting).toEqual([]);
        expect(snap.maxPos).toBe(6);
        expect(snap.members.find((m) => m.author === BOB)?.contig).toBe(3);
        const h = await store.history({ peer: "#club", limit: 3 });
        expect(h.map((e) => [e.author, e.text, e.direction])).toEqual([
          ["bob", "one", "in"],
          ["bob", "two", "in"],
          ["bob", "three", "in"],
        ]);
        // Paging back from "one" gives the events before it.
        expect((await store.history({ peer: "#club", limit: 10, before: h[0]!.id })).map((e) => e.event)).toEqual([true, true, true]);
      });
    });

    test("a removed member's rows above its last valid seq are dropped", async () => {
      await withStore(dialect, async (store) => {
        await seed(store);
        await store.write({ at: 0, groups: [{ messages: [msg(CAROL, 1, "c1", 4), msg(CAROL, 2, "c2", 5), msg(CAROL, 4, "c4", null)] }] });
        await store.write({
          at: 0,
          groups: [
            {
              members: [{ group: G, author: CAROL, peerId: CAROL_PEER, name: "carol", addedSeq: 3, until: 1, gone: 4, contig: 1 }],
              messages: [msg(ME, 4, JSON.stringify({ key: CAROL, until: 1 }), 6, 3)],
              drops: [{ group: G, author: CAROL, above: 1 }],
            },
          ],
        });
        expect((await store.groupMessages(G, CAROL, 1, 10, 10)).map((r) => r.body)).toEqual(["c1"]);
        const h = await store.history({ peer: "#club", limit: 2 });
        expect(h.map((e) => [e.author, e.text])).toEqual([
          ["carol", "c1"],
          ["me", "removed carol"],
        ]);
      });
    });

    test("receipts only rise; our own messages say how many members hold them", async () => {
      await withStore(dialect, async (store) => {
        await seed(store);
        await store.write({ at: 0, groups: [{ messages: [msg(ME, 4, "hello all", 4)], members: [{ group: G, author: ME, peerId: ME_PEER, name: "me", addedSeq: 0, until: null, gone: null, contig: 4 }] }] });
        await store.write({ at: 0, groups: [{ receipts: [{ group: G, member: BOB, author: ME, seq: 4 }, { group: G, member: CAROL, author: ME, seq: 3 }] }] });
        await store.write({ at: 0, groups: [{ receipts: [{ group: G, member: BOB, author: ME, seq: 2 }] }] });
        let [last] = (await store.history({ peer: "#club", limit: 1 })).slice(-1);
        expect(last).toMatchObject({ direction: "out", text: "hello all", delivered: { to: 1, of: 2 }, status: "sent" });
        await store.write({ at: 0, groups: [{ receipts: [{ group: G, member: CAROL, author: ME, seq: 9 }] }] });
        [last] = await store.history({ peer: "#club", limit: 1 });
        expect(last).toMatchObject({ delivered: { to: 2, of: 2 }, status: "delivered" });
        const snap = await store.groupSnapshot();
        expect(snap.receipts.sort((a, b) => (a.member < b.member ? -1 : 1))).toEqual([
          { group: G, member: BOB, author: ME, seq: 4 },
          { group: G, member: CAROL, author: ME, seq: 9 },
        ]);
      });
    });

    test("history: `time` is when it was written, `received` when it arrived; catch-up rows take their place by written time, each author's in order", async () => {
      await withStore(dialect, async (store) => {
        await seed(store);
        const at = (author: string, seq: number, body: string, pos: number, created: number, received: number): GroupMessageRow => ({ ...msg(author, seq, body, pos), created, received });
        // carol wrote c1 at 5000 (while we were apart) and it arrived after bob's b1 (6000) and b2 (7000);
        // her c2 says 4000 (a clock set back) but comes after c1: per-author order wins.
        await store.write({ at: 0, groups: [{ messages: [at(BOB, 1, "b1", 4, 6000, 6001), at(BOB, 2, "b2", 5, 7000, 7001), at(CAROL, 1, "c1", 6, 5000, 9000), at(CAROL, 2, "c2", 7, 4000, 9000)] }] });
        const h = (await store.history({ peer: "#club", limit: 10 })).filter((e) => !e.event);
        expect(h.map((e) => [e.text, e.time, e.received])).toEqual([
          ["c1", 5000, 9000],
          ["c2", 4000, 9000],
          ["b1", 6000, 6001],
          ["b2", 7000, 7001],
        ]);
        const own = (await store.history({ peer: "#club", limit: 10 })).find((e) => e.direction === "out")!;
        expect(own.received).toBeUndefined();
      });
    });

    test("search finds group text with --with '#club' and among everything; a contact's name shows for its member", async () => {
      await withStore(dialect, async (store) => {
        await seed(store);
        await store.addContact({ name: "robert", host: "127.0.0.1", port: 20001, peerId: BOB_PEER });
        await store.write({ at: 0, groups: [{ messages: [msg(BOB, 1, "Café tonight?", 4), msg(BOB, 2, "or tea", 5)] }] });
        await store.write({ at: 0, outgoing: [{ id: Bun.randomUUIDv7(), peer: "robert", host: "127.0.0.1", port: 20001, body: "cafe with you", created: 1 }] });
        const inGroup = await store.search({ text: "cafe", peer: "#club", limit: 10 });
        expect(inGroup.map((e) => [e.peer, e.author, e.text])).toEqual([["#club", "robert", "Café tonight?"]]);
        const all = await store.search({ text: "cafe", limit: 10 });
        expect(all.map((e) => e.text).sort()).toEqual(["Café tonight?", "cafe with you"]);
        expect(await store.search({ text: "cafe", peer: "robert", limit: 10 })).toHaveLength(1);
      });
    });

    test("peer keys: saved, replaced, in the snapshot; a group found by alias", async () => {
      await withStore(dialect, async (store) => {
        await seed(store);
        await store.savePeerKey(BOB_PEER, BOB, 1);
        await store.savePeerKey(BOB_PEER, CAROL, 2);
        expect((await store.groupSnapshot()).peerKeys).toEqual([{ peerId: BOB_PEER, author: CAROL }]);
        expect(await store.findGroup("club")).toEqual(group);
        expect(await store.findGroup("nope")).toBeNull();
      });
    });
  });
}
