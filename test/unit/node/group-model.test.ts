// The group model's decisions, without I/O: who may write, what waits for a
// gap, what an event does once shown, and what a removal drops.
import { describe, expect, test } from "bun:test";
import { groupIdFor, groupMessageUuid } from "../../../src/protocol/groups/group-signed.ts";
import { decodeGroupEvent, encodeGroupEvent, type GroupEvent } from "../../../src/protocol/groups/group-events.ts";
import { peerIdFromDigest, type PeerId } from "../../../src/protocol/peer-id.ts";
import { GroupModel, MAX_AHEAD, type PosCounter } from "../../../src/node/groups/model.ts";
import { Batch } from "../../../src/node/groups/batch.ts";
import type { GroupMessageRow } from "../../../src/store/store.ts";

const key = (c: string) => c.repeat(64);
const peer = (n: number) => peerIdFromDigest(new Uint8Array(32).fill(n)) as PeerId;
const ALICE = key("a");
const BOB = key("b");
const CAROL = key("c");
const NONCE = "0f".repeat(16);
const GID = groupIdFor(ALICE, NONCE);

function row(author: string, seq: number, kind = 0, body = `${author[0]}${seq}`): GroupMessageRow {
  return { group: GID, author, seq, id: groupMessageUuid(GID, author, seq), kind, body, sig: "00".repeat(64), created: seq, received: seq, pos: null };
}

function ev(author: string, seq: number, e: GroupEvent): GroupMessageRow {
  const { kind, body } = encodeGroupEvent(e);
  return row(author, seq, kind, body);
}

/** Feeds rows to the model in one batch; returns the refusals and the batch. */
function feed(g: GroupModel, ...rows: GroupMessageRow[]) {
  const b = new Batch();
  const refusals = rows.map((r) => {
    let e: GroupEvent | null | "bad";
    try {
      e = decodeGroupEvent(r.kind, r.body);
    } catch {
      e = "bad";
    }
    return g.accept(r, e, b);
  });
  b.seal();
  return { refusals, b, shown: b.shown.map((r) => `${r.author[0]}${r.seq}`) };
}

/** Bob's view of a group alice created, with bob and carol added. */
function bobsGroup(counter: PosCounter = { pos: 0 }) {
  const create = ev(ALICE, 1, { kind: "create", name: "club", nonce: NONCE, peer: peer(1), owner: "alice" });
  const b = new Batch();
  const g = GroupModel.fromCreate(create, decodeGroupEvent(create.kind, create.body) as never, BOB, "club", 0, counter, b);
  expect(g.state).toBe("joining");
  expect(g.accept(create, decodeGroupEvent(create.kind, create.body), b)).toBeNull();
  const r = feed(g, ev(ALICE, 2, { kind: "add", key: BOB, peer: peer(2), name: "bob" }), ev(ALICE, 3, { kind: "add", key: CAROL, peer: peer(3), name: "carol" }));
  expect(r.refusals).toEqual([null, null]);
  expect(g.state).toBe("member");
  return g;
}

describe("group model", () => {
  test("a member's messages wait for a gap and are shown in order once it closes", () => {
    const counter = { pos: 0 };
    const g = bobsGroup(counter);
    expect(feed(g, row(CAROL, 3), row(CAROL, 2)).shown).toEqual([]);
    expect([...g.waiting.get(CAROL)!.keys()].sort()).toEqual([2, 3]);
    const r = feed(g, row(CAROL, 1));
    expect(r.shown).toEqual(["c1", "c2", "c3"]);
    expect(r.b.shown.map((x) => x.pos)).toEqual([4, 5, 6]);
    // c1 is written shown; c2 and c3 were stored earlier: their positions are updated.
    expect(r.b.write.messages.map((m) => [m.seq, m.pos])).toEqual([[1, 4]]);
    expect(r.b.write.shown.map((s) => [s.seq, s.pos])).toEqual([
      [2, 5],
      [3, 6],
    ]);
    expect(g.contig(CAROL)).toBe(3);
    expect(r.b.contig.get(GID)?.get(CAROL)).toBe(3);
  });

  test("duplicates, strangers, and seqs too far ahead are refused", () => {
    const g = bobsGroup();
    const dave = key("d");
    expect(feed(g, row(CAROL, 1), row(CAROL, 1), row(CAROL, 3), row(CAROL, 3), row(dave, 1), row(CAROL, 2 + MAX_AHEAD)).refusals).toEqual([
      null,
      "duplicate",
      null,
      "duplicate",
      "not-member",
      "ahead",
    ]);
  });

  test("only the creator adds and removes, and only its seq 1 creates (deriving the group id)", () => {
    const g = bobsGroup();
    const dave = key("d");
    expect(feed(g, ev(CAROL, 1, { kind: "add", key: dave, peer: peer(4), name: "dave" })).refusals).toEqual(["forged"]);
    expect(feed(g, ev(CAROL, 1, { kind: "remove", key: BOB, until: 0 })).refusals).toEqual(["forged"]);
    expect(feed(g, ev(CAROL, 1, { kind: "create", name: "x", nonce: NONCE, peer: peer(3), owner: "c" })).refusals).toEqual(["forged"]);
    expect(feed(g, row(CAROL, 1, 2, "{not json")).refusals).toEqual(["forged"]);
    expect(g.isMember(dave)).toBe(false);

    // A create that does not derive the id, or a creator's seq 1 that is not a create.
    const create = ev(ALICE, 1, { kind: "create", name: "club", nonce: "ff".repeat(16), peer: peer(1), owner: "alice" });
    const b = new Batch();
    const other = GroupModel.fromCreate(create, decodeGroupEvent(create.kind, create.body) as never, BOB, "club", 0, { pos: 0 }, b);
    expect(other.accept(create, decodeGroupEvent(create.kind, create.body), b)).toBe("forged");
    expect(other.accept(row(ALICE, 1), null, b)).toBe("forged");
  });

  test("a removal: what the member wrote up to `until` stays, anything above is refused or dropped", () => {
    const g = bobsGroup();
    feed(g, row(CAROL, 1), row(CAROL, 2), row(CAROL, 4)); // c4 waits for c3
    const r = feed(g, ev(ALICE, 4, { kind: "remove", key: CAROL, until: 1 }));
    expect(r.b.write.drops).toEqual([{ group: GID, author: CAROL, above: 1 }]);
    expect(g.contig(CAROL)).toBe(1);
    expect(g.waiting.get(CAROL)?.size ?? 0).toBe(0);
    expect(g.isMember(CAROL)).toBe(false);
    expect(g.members.get(CAROL)).toMatchObject({ until: 1, gone: 4 });
    expect(feed(g, row(CAROL, 2), row(CAROL, 5)).refusals).toEqual(["removed", "removed"]);
  });

  test("a removed member added again is a member as if added now: it writes on from its last valid seq", () => {
    const g = bobsGroup();
    feed(g, row(CAROL, 1), row(CAROL, 2));
    feed(g, ev(ALICE, 4, { kind: "remove", key: CAROL, until: 1 }));
    expect(feed(g, row(CAROL, 2)).refusals).toEqual(["removed"]);
    const r = feed(g, ev(ALICE, 5, { kind: "add", key: CAROL, peer: peer(3), name: "carol" }));
    expect(r.b.membership.has(GID)).toBe(true);
    expect(g.isMember(CAROL)).toBe(true);
    expect(g.members.get(CAROL)).toMatchObject({ until: null, gone: null, addedSeq: 5, contig: 1 });
    expect(g.entitled(g.members.get(CAROL)!, BOB)).toBe(Number.MAX_SAFE_INTEGER);
    expect(feed(g, row(CAROL, 2, 0, "c2 again")).shown).toEqual(["c2"]);
    // A second add of a member changes nothing; a member that left by itself is not added back.
    feed(g, ev(ALICE, 6, { kind: "add", key: CAROL, peer: peer(3), name: "carol" }));
    expect(g.members.get(CAROL)).toMatchObject({ addedSeq: 5 });
    feed(g, row(CAROL, 3, 0), ev(CAROL, 4, { kind: "leave" }));
    feed(g, ev(ALICE, 7, { kind: "add", key: CAROL, peer: peer(3), name: "carol" }));
    expect(g.isMember(CAROL)).toBe(false);
  });

  test("our own removal, then an add of us again: removed, then a member", () => {
    const g = bobsGroup();
    feed(g, ev(ALICE, 4, { kind: "remove", key: BOB, until: 0 }));
    expect(g.state).toBe("removed");
    const r = feed(g, ev(ALICE, 5, { kind: "add", key: BOB, peer: peer(2), name: "bob" }));
    expect(g.state).toBe("member");
    expect(r.b.write.states).toEqual([{ group: GID, state: "member" }]);
    expect(g.draft(0, "back", 1)!.seq).toBe(1);
  });

  test("a removal's `held`: the removed member is owed what the creator held of each author then, and counts in delivery of that", () => {
    const g = bobsGroup();
    const me = g.draft(0, "b1", 1)!;
    feed(g, { ...me, sig: "00".repeat(64) }, { ...g.draft(0, "b2", 2)!, sig: "00".repeat(64) });
    // alice held bob's 1 (bob was added by her seq 2) and carol's 0 when she removed carol.
    feed(g, ev(ALICE, 4, { kind: "remove", key: CAROL, until: 0, held: { "2": 1 } }));
    const carol = g.members.get(CAROL)!;
    expect([g.entitled(carol, ALICE), g.entitled(carol, BOB), g.entitled(carol, CAROL)]).toEqual([4, 1, 0]);
    expect(g.delivery(1)).toEqual({ to: 0, of: 2 });
    expect(g.delivery(2)).toEqual({ to: 0, of: 1 });
    g.learn(ALICE, BOB, 2);
    g.learn(CAROL, BOB, 1);
    expect([g.delivery(1), g.delivery(2)]).toEqual([{ to: 2, of: 2 }, { to: 1, of: 1 }]);
    // The same, loaded from the store: the creator's events name the authors.
    const again = new GroupModel({ ...g.row }, { pos: 0 });
    const adds = [ev(ALICE, 2, { kind: "add", key: BOB, peer: peer(2), name: "bob" }), ev(ALICE, 3, { kind: "add", key: CAROL, peer: peer(3), name: "carol" }), ev(ALICE, 4, { kind: "remove", key: CAROL, until: 0, held: { "2": 1 } })];
    again.load([...g.members.values()], [], adds, []);
    expect(again.entitled(again.members.get(CAROL)!, BOB)).toBe(1);
  });

  test("delivery changes only at deliverySteps: one count per run of our seqs, as if each seq were looked at", () => {
    const g = bobsGroup();
    // Carol removed at alice's 4 having held bob's 3; alice holds bob's 7, carol 2.
    feed(g, ev(ALICE, 4, { kind: "remove", key: CAROL, until: 0, held: { "2": 3 } }));
    g.learn(ALICE, BOB, 7);
    g.learn(CAROL, BOB, 2);
    const runs = (after: number, upTo: number, each: boolean) => {
      const steps = g.deliverySteps(after, upTo);
      const out: string[] = [];
      let last = "";
      for (let s = after + 1; s <= upTo; s++) {
        if (!each && !steps.has(s)) continue;
        const d = g.delivery(s);
        const k = `${d.to}/${d.of}`;
        if (k !== last) out.push(`${s}: ${k}`);
        last = k;
      }
      return out;
    };
    expect(runs(0, 10, true)).toEqual(["1: 2/2", "3: 1/2", "4: 1/1", "8: 0/1"]);
    expect(runs(0, 10, false)).toEqual(runs(0, 10, true));
    expect(runs(5, 9, false)).toEqual(runs(5, 9, true));
  });

  test("a device event: a member names another key of its own, a member too (shown as it, unseen in history); not for another peer id, nor a key a member has", () => {
    const g = bobsGroup();
    const CAROL2 = key("d");
    const sig = "11".repeat(64);
    // Carol's device key claimed for bob's peer id: nothing. Alice's key claimed by carol: nothing.
    const r = feed(
      g,
      ev(CAROL, 1, { kind: "device", key: key("e"), peer: peer(2), sig }),
      ev(CAROL, 2, { kind: "device", key: ALICE, peer: peer(3), sig }),
      ev(CAROL, 3, { kind: "device", key: CAROL2, peer: peer(3), sig }),
      row(CAROL2, 1),
    );
    expect(r.refusals).toEqual([null, null, null, null]);
    expect(g.members.has(key("e"))).toBe(false);
    expect(g.members.get(ALICE)!.peerId).toBe(peer(1));
    expect(g.members.get(CAROL2)).toMatchObject({ peerId: peer(3), name: "carol", addedSeq: 3, until: null, contig: 1 });
    // Device events hold their place in the log (pos 0), shown to nobody; the device's text is shown.
    expect(r.shown).toEqual(["d1"]);
    expect(g.people().map((m) => m.name)).toEqual(["alice", "bob", "carol"]);
    expect(g.keysOf(g.members.get(CAROL)!).map((m) => m.author)).toEqual([CAROL, CAROL2]);
    // A message of ours held by carol's device only: carol has it, one person of two.
    g.committed.set(BOB, 1);
    g.learn(CAROL2, BOB, 1);
    expect(g.delivery(1)).toEqual({ to: 1, of: 2 });
  });

  test("a device event naming our key makes us a member", () => {
    const create = ev(ALICE, 1, { kind: "create", name: "club", nonce: NONCE, peer: peer(1), owner: "alice" });
    const b = new Batch();
    const mine = key("f");
    const g = GroupModel.fromCreate(create, decodeGroupEvent(create.kind, create.body) as never, mine, "club", 0, { pos: 0 }, b);
    feed(g, create, ev(ALICE, 2, { kind: "add", key: BOB, peer: peer(2), name: "bob" }));
    expect(g.state).toBe("joining");
    feed(g, ev(BOB, 1, { kind: "device", key: mine, peer: peer(2), sig: "22".repeat(64) }));
    expect(g.state).toBe("member");
    expect(g.draft(0, "hi", 5)).toMatchObject({ author: mine, seq: 1 });
  });

  test("a member's message count leaves out its events", () => {
    const g = bobsGroup();
    feed(g, row(ALICE, 4), row(CAROL, 1), ev(CAROL, 2, { kind: "leave" }));
    expect([g.texts(ALICE), g.texts(BOB), g.texts(CAROL)]).toEqual([1, 0, 1]);
  });

  test("a removal that waits behind a gap applies only once shown, in the creator's order", () => {
    const g = bobsGroup();
    expect(feed(g, ev(ALICE, 5, { kind: "remove", key: CAROL, until: 0 })).shown).toEqual([]);
    expect(feed(g, row(CAROL, 1)).refusals).toEqual([null]); // still a member: a4 has not arrived
    const r = feed(g, row(ALICE, 4));
    expect(r.shown).toEqual(["a4", "a5"]);
    expect(r.b.write.drops).toEqual([{ group: GID, author: CAROL, above: 0 }]);
    expect(g.contig(CAROL)).toBe(0);
  });

  test("leaving: the member's own event ends it; our own removal or leave changes our state", () => {
    const g = bobsGroup();
    feed(g, row(CAROL, 1), ev(CAROL, 2, { kind: "leave" }));
    expect(g.members.get(CAROL)).toMatchObject({ until: 2, gone: null });
    expect(feed(g, row(CAROL, 3)).refusals).toEqual(["removed"]);
    const r = feed(g, ev(ALICE, 4, { kind: "remove", key: BOB, until: 0 }));
    expect(g.state).toBe("removed");
    expect(r.b.write.states).toEqual([{ group: GID, state: "removed" }]);
    expect(g.draft(0, "hi", 1)).toBeNull();
  });

  test("drafts take the next seq; delivery counts what other members are known to hold", () => {
    const g = bobsGroup();
    const d = g.draft(0, "hello", 10)!;
    expect(d).toMatchObject({ author: BOB, seq: 1, id: groupMessageUuid(GID, BOB, 1) });
    feed(g, { ...d, sig: "00".repeat(64) });
    expect(g.draft(0, "again", 11)!.seq).toBe(2);
    expect(g.delivery(1)).toEqual({ to: 0, of: 2 });
    expect(g.learn(ALICE, BOB, 1)).toBe(true);
    expect(g.learn(ALICE, BOB, 1)).toBe(false);
    expect(g.delivery(1)).toEqual({ to: 1, of: 2 });
    g.learn(CAROL, BOB, 5);
    expect(g.delivery(1)).toEqual({ to: 2, of: 2 });
    expect(g.delivery(6)).toEqual({ to: 0, of: 2 });
  });
});
