// The journal's read order: outbox reads may pass queued status marks (their
// cursor does not depend on them); a decision that does (is this peer owed
// anything?) reads after them.
import { expect, test } from "bun:test";
import { Journal } from "../../../src/node/engine/journal.ts";
import { withStore } from "../../helpers/databases.ts";

const BOB = { name: "bob", peerId: null };

test("a settled read sees the in-flight messages of a closed link pending again", async () => {
  await withStore("sqlite", async (store) => {
    await store.addContact({ name: "bob", host: "127.0.0.1", port: 20001 });
    const journal = new Journal(store);
    const t = Date.now();
    const id = Bun.randomUUIDv7("hex", t);
    await journal.outgoing({ id, peer: "bob", host: "127.0.0.1", port: 20001, body: "in flight", created: t });
    await journal.sent([id]);
    // The link closes: its in-flight message goes back to pending, and at once the node asks whether bob is owed anything.
    const unsent = journal.unsent([id]);
    // (A plain read() may run before that mark is committed, and see nothing owed.)
    const settled = await journal.settled(() => store.pendingFor(BOB, 0, 1));
    await unsent;
    expect(settled.map((m) => m.id)).toEqual([id]);
  });
});
