// SQLite has one connection: a transaction that does not go through the
// journal (a peer's addresses saved as its link comes up) may be open when
// the journal commits received messages, which first raise the durability
// level (synchronous=FULL), something SQLite refuses inside a transaction.
// That is a moment's wait, not a failure: the messages are stored once it
// ends, and never refused to their sender.
import { expect, test } from "bun:test";
import { join } from "node:path";
import type { SQL } from "bun";
import { Journal } from "../../../src/node/engine/journal.ts";
import type { PeerId } from "../../../src/protocol/peer-id.ts";
import { SqliteStore } from "../../../src/store/sqlite.ts";
import { StoreError } from "../../../src/store/store-error.ts";
import { tempDir } from "../../helpers/tmp.ts";

const BOB = "BOBBBBB-BOBBBBB-BOBBBBB-BOBBBBB-BOBBBBB-BOBBBBB-BOBBBBB-BOBBBBB" as PeerId;

test("received messages wait for another transaction on the connection to end, then are stored", async () => {
  await using dir = await tempDir();
  const store = await SqliteStore.open(join(dir.path, "p2pchat.db"));
  const end = Promise.withResolvers<void>();
  let other: Promise<unknown> = Promise.resolve();
  try {
    await store.migrate();
    const t = Date.now();
    // Our own message: committed at the lighter level (NORMAL).
    await store.write({ outgoing: [{ id: Bun.randomUUIDv7("hex", t), peer: "bob", host: "127.0.0.1", port: 1, body: "mine", created: t }], at: t });
    // Another transaction holds the connection (the store's own SQL handle, as its address book does).
    const sql = (store as unknown as { sql: SQL }).sql;
    const inside = Promise.withResolvers<void>();
    other = sql.begin(async (tx) => {
      await tx`SELECT 1`;
      inside.resolve();
      await end.promise;
    });
    await inside.promise;
    const received = { id: Bun.randomUUIDv7(), peerId: BOB, peer: "bob", host: "127.0.0.1", port: 1, body: "theirs", created: t, received: t };
    // The store says "not now" in the way the journal tries again...
    const refused = await store.write({ incoming: [received], at: t }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(StoreError);
    expect((refused as StoreError).code).toBe("UNAVAILABLE");
    // ...so through the journal the write waits for the other transaction, and lands.
    const journal = new Journal(store);
    const stored = journal.incoming([received]);
    end.resolve();
    await other;
    expect((await stored).stored.map((m) => m.body)).toEqual(["theirs"]);
    expect((await store.history({ peer: "bob", limit: 10 })).map((e) => e.text).sort()).toEqual(["mine", "theirs"]);
  } finally {
    end.resolve();
    await other;
    await store.close();
  }
});
