// The SQLite store commits received messages with synchronous=FULL and the
// rest with NORMAL, switching between commits. SQLite refuses the switch
// while a transaction is open on the connection, and writes outside the
// node's journal (the address book, at every link-up) open one: a `send`
// at that moment must wait for it, not fail.
import { expect, test } from "bun:test";
import { join } from "node:path";
import { SqliteStore } from "../../../src/store/sqlite.ts";
import { tempDir } from "../../helpers/tmp.ts";

test("a write that changes the synchronous level while an address-book transaction is open waits for it and commits", async () => {
  await using dir = await tempDir();
  const store = await SqliteStore.open(join(dir.path, "p2pchat.db"));
  try {
    await store.migrate();
    const created = Date.now();
    // Opened at FULL; our own new message commits at NORMAL, so this write switches.
    const [contact, result] = await Promise.all([
      store.addContact({ name: "bob", host: "127.0.0.1", port: 20001 }),
      store.write({ outgoing: [{ id: Bun.randomUUIDv7("hex", created), peer: "bob", host: "127.0.0.1", port: 20001, body: "hi", created }], at: created }),
    ]);
    expect(contact.name).toBe("bob");
    expect(result).toEqual({ stored: [], delivered: [] });
    expect((await store.history({ peer: "bob", limit: 5 })).map((e) => [e.text, e.status])).toEqual([["hi", "pending"]]);
  } finally {
    await store.close();
  }
});
