// File transfers' rows, on each dialect: stored once, changed in place
// inside the same transactions as messages, listed newest first, the open
// ones taken up at start, and a contact's allowance counted.
import { describe, expect, test } from "bun:test";
import type { PeerId } from "../../../src/protocol/peer-id.ts";
import type { TransferRow } from "../../../src/store/store.ts";
import { dialects, withStore } from "../../helpers/databases.ts";

const BOB = "BOBBBBB-BOBBBBB-BOBBBBB-BOBBBBB-BOBBBBB-BOBBBBB-BOBBBBB-BOBBBBB" as PeerId;

function row(id: string, over: Partial<TransferRow> = {}): TransferRow {
  return {
    id,
    direction: "in",
    peerId: BOB,
    peer: "bob",
    group: null,
    name: "photo.jpg",
    size: 5 * 2 ** 40,
    sha256: "ab".repeat(32),
    root: "cd".repeat(32),
    chunkSize: 262144,
    state: "offered",
    bytes: 0,
    verified: "",
    path: null,
    error: null,
    auto: false,
    request: false,
    createdAt: 1000,
    updatedAt: 1000,
    doneAt: null,
    ...over,
  };
}

for (const dialect of dialects) {
  describe(`file transfers on ${dialect}`, () => {
    test("stored once, changed in place, listed newest first, open ones found, allowance counted", async () => {
      await withStore(dialect, async (store) => {
        const a = Bun.randomUUIDv7();
        const b = Bun.randomUUIDv7();
        await store.write({ at: 1, files: [{ insert: [row(a), row(b, { createdAt: 2000, auto: true, state: "receiving", size: 100 })] }] });
        await store.write({ at: 1, files: [{ insert: [row(a, { name: "again" })] }] }); // the same offer twice: stored once
        await store.write({ at: 3000, files: [{ update: [{ id: b, at: 3000, verified: "0-99,120-130", bytes: 12345 }] }] });
        expect((await store.transfers({ limit: 10 })).map((r) => [r.id, r.name, r.state])).toEqual([
          [b, "photo.jpg", "receiving"],
          [a, "photo.jpg", "offered"],
        ]);
        expect(await store.findTransfer(b)).toMatchObject({ verified: "0-99,120-130", bytes: 12345, updatedAt: 3000, size: 100, auto: true });
        expect(await store.findTransfer(a)).toMatchObject({ size: 5 * 2 ** 40, peerId: BOB, group: null, path: null, doneAt: null });
        expect((await store.openTransfers()).map((r) => r.id)).toEqual([a, b]);
        expect(await store.autoBytesSince(BOB, 0)).toBe(100);
        expect(await store.autoBytesSince(BOB, 2001)).toBe(0);
        await store.write({ at: 4000, files: [{ update: [{ id: a, at: 4000, state: "done", path: "/x/photo.jpg", doneAt: 4000 }] }] });
        expect((await store.openTransfers()).map((r) => r.id)).toEqual([b]);
        expect(await store.transfers({ peerId: BOB, limit: 1 })).toMatchObject([{ id: b }]);
        expect(await store.transfers({ group: "00".repeat(16), limit: 10 })).toEqual([]);
      });
    });
  });
}
