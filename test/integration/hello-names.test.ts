// A peer that announces a name with invisible or bidi-control characters, or
// a variation selector that varies nothing, is refused at its hello, with a
// reason of its own, before it reaches the node.
import { expect, test, setDefaultTimeout } from "bun:test";
import { startNode } from "../helpers/nodes.ts";
import { newIdentity, rawPeer } from "../helpers/raw-peer.ts";
import { TYPE, frame, helloPayload } from "../unit/protocol/wire.ts";

setDefaultTimeout(60_000);

test("a hello named 'alice' + U+200B, with U+202E, or 'carol' + U+FE0F is refused with BAD_FRAME saying why; the node learns no name", async () => {
  await using bob = await startNode("bob");
  const port = bob.node.listening!.port;
  const hidden = "contains an invisible or bidi-control character";
  const stray = "contains a variation selector after a character it does not vary";
  for (const [name, why, cp] of [
    ["alice\u200b", hidden, "200B"],
    ["\u202eecila", hidden, "202E"],
    ["carol\ufe0f", stray, "FE0F"], // displays as "carol"
    ["carol\u{e0100}", stray, "E0100"],
  ] as const) {
    await using peer = await rawPeer(port, { tls: await newIdentity("mallory") });
    // Written by hand: our own encoder refuses to send such a name.
    peer.write(frame(TYPE.hello, helloPayload({ name, port: 0, caps: [], session: crypto.randomUUID() })));
    await peer.closed;
    expect(peer.frames.map((f) => f.type)).toEqual(["hello", "error"]);
    expect(peer.frames[1]).toEqual({ type: "error", code: "BAD_FRAME", reason: `bad hello: name ${why} (U+${cp})` });
  }
  expect(await bob.node.book.list()).toEqual([]);
  expect(bob.events.filter((e) => e.type === "link" || e.type === "contact")).toEqual([]);
});
