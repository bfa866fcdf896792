// Requests on the control socket between a command and its serve: lines of
// JSON, which a socket hands over in pieces of its choosing, and which
// anything able to open the socket may write. Text of every width arrives as
// written, both ways, wherever a piece ends; a request whose arguments are
// not what its operation takes is refused by name, and changes nothing.
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { ControlClient } from "../../src/control/client.ts";
import { controlPath } from "../../src/control/path.ts";
import { ControlServer } from "../../src/control/server.ts";
import { startNode } from "../helpers/nodes.ts";

setDefaultTimeout(60_000);

/** Writes `lines` to the control socket as they are, and resolves with the first `count` lines it answers. */
async function rawRequests(path: string, lines: string[], count: number): Promise<unknown[]> {
  const got = Promise.withResolvers<unknown[]>();
  const replies: unknown[] = [];
  let buf = "";
  const s = await Bun.connect({
    unix: path,
    socket: {
      data(_s, chunk) {
        buf += chunk.toString();
        let nl: number;
        while ((nl = buf.indexOf("\n")) >= 0) {
          replies.push(JSON.parse(buf.slice(0, nl)));
          buf = buf.slice(nl + 1);
        }
        if (replies.length >= count) got.resolve(replies.slice(0, count));
      },
      close: () => got.reject(new Error(`closed after ${JSON.stringify(replies)}`)),
    },
  });
  s.write(lines.map((l) => l + "\n").join(""));
  try {
    return await got.promise;
  } finally {
    s.end();
  }
}

describe("control requests", () => {
  test("long messages of 2-, 3- and 4-byte characters go to the serve and come back in history unchanged", async () => {
    await using alice = await startNode("alice", { discoverable: false });
    await alice.node.book.add("bob", "127.0.0.1:9");
    const control = await ControlServer.start(alice.home, alice.node);
    const client = (await ControlClient.connect(alice.home))!;
    try {
      // About 60 KB each (a body may hold 64 KiB): a socket cuts requests
      // and the history reply into pieces, often inside a character.
      const texts = Array.from({ length: 12 }, (_, i) => `${i} ` + [..."é€😀a".repeat(6_000)].slice(i).join(""));
      for (const text of texts) await client.send("bob", text);
      const stored = await alice.node.session.history({ peer: "bob", limit: 20 });
      expect(stored.map((e) => e.text)).toEqual(texts);
      const shown = await client.history({ peer: "bob", limit: 20 });
      expect(shown.map((e) => e.text)).toEqual(texts);
    } finally {
      await client.close();
      control.stop();
    }
  });

  test("arguments of the wrong shape are refused, naming the operation and the argument; nothing is stored", async () => {
    await using alice = await startNode("alice", { discoverable: false });
    await alice.node.book.add("bob", "127.0.0.1:9");
    const control = await ControlServer.start(alice.home, alice.node);
    try {
      const requests = [
        { id: 1, op: "send", args: { peer: "bob", text: 5 } },
        { id: 2, op: "send", args: ["bob", "hi"] },
        { id: 3, op: "history", args: { query: { peer: "bob", limit: "all" } } },
        { id: 4, op: "cancel", args: { ids: ["x", 7] } },
        { id: 5, op: "setBlocked", args: { name: "bob" } },
        { id: 6, op: "addContact", args: { name: "carol", address: "127.0.0.1:9", opts: { source: "mail" } } },
        { id: 7, op: "nosuchop" },
        { id: 8, op: "send", args: { peer: "bob", text: "the one that is fine" } },
      ];
      const replies = await rawRequests(controlPath(alice.home)!, requests.map((r) => JSON.stringify(r)), requests.length);
      const refused = (id: number, message: string) => ({ id, ok: false, error: { code: "CONTROL_FAILED", message } });
      replies.sort((a, b) => (a as { id: number }).id - (b as { id: number }).id);
      expect(replies.slice(0, 7)).toEqual([
        refused(-1, "bad request"),
        refused(1, 'bad request "send": "text" is not a string'),
        refused(2, 'bad request "send": its arguments are not an object'),
        refused(3, 'bad request "history": "query": "limit" is not a number'),
        refused(4, 'bad request "cancel": "ids": item 1: expected a string'),
        refused(5, 'bad request "setBlocked": "blocked" is not a boolean'),
        refused(6, 'bad request "addContact": "opts": "source" is not "typed" or "invite" or "hello" or "lan" or "dht" or "relay"'),
      ]);
      expect(replies[7]).toMatchObject({ id: 8, ok: true, result: { peer: "bob" } });
      expect((await alice.node.session.history({ peer: "bob", limit: 10 })).map((e) => e.text)).toEqual(["the one that is fine"]);
      expect((await alice.node.book.list()).map((c) => c.name)).toEqual(["bob"]);
    } finally {
      control.stop();
    }
  });
});
