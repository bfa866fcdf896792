// A transaction that does not go through the journal (a peer's addresses
// saved as its link comes up) may be open on the store's SQL connection
// when the journal commits received messages. Messages go on a connection
// of their own (sqlite-hot.ts): one that only reads there does not hold
// them up at all. One that holds the write lock makes them wait: on the
// SQL connection, which must first raise the durability level
// (synchronous=FULL), something SQLite refuses inside a transaction. That
// is a moment's wait, not a failure: the messages are stored once it ends,
// and never refused to their sender.
import { expect, test } from "bun:test";
import { join } from "node:path";
import type { SQL } from "bun";
import { Journal } from "../../../src/node/engine/journal.ts";
import type { PeerId } from "../../../src/protocol/peer-id.ts";
import { SqliteStore } from "../../../src/store/sqlite.ts";
import { tempDir } from "../../helpers/tmp.ts";

const BOB = "BOBBBBB-BOBBBBB-BOBBBBB-BOBBBBB-BOBBBBB-BOBBBBB-BOBBBBB-BOBBBBB" as PeerId;

test("received messages are stored at once while another transaction only reads", async () => {
  await using dir = await tempDir();
  const store = await SqliteStore.open(join(dir.path, "p2pchat.db"));
  const end = Promise.withResolvers<void>();
  let other: Promise<unknown> = Promise.resolve();
  try {
    await store.migrate();
    const t = Date.now();
    const sql = (store as unknown as { sql: SQL }).sql;
    const inside = Promise.withResolvers<void>();
    other = sql.begin(async (tx) => {
      await tx`SELECT COUNT(*) FROM receiver`;
      inside.resolve();
      await end.promise;
    });
    await inside.promise;
    const received = { id: Bun.randomUUIDv7(), peerId: BOB, peer: "bob", host: "127.0.0.1", port: 1, body: "theirs", created: t, received: t };
    expect((await store.write({ incoming: [received], at: t })).stored.map((m) => m.body)).toEqual(["theirs"]);
    end.resolve();
    await other;
    expect((await store.history({ peer: "bob", limit: 10 })).map((e) => e.text)).toEqual(["theirs"]);
  } finally {
    end.resolve();
    await other;
    await store.close();
  }
});

test("received messages wait for another transaction that writes to end, then are stored", async () => {
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
      await tx`UPDATE sender SET status = status WHERE message IS NULL`;
      inside.resolve();
      await end.promise;
    });
    await inside.promise;
    const received = { id: Bun.randomUUIDv7(), peerId: BOB, peer: "bob", host: "127.0.0.1", port: 1, body: "theirs", created: t, received: t };
    // Through the journal the write waits for the other transaction (or is tried again), and lands.
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
