// A peer that announces a name with invisible or bidi-control characters is
// refused at its hello, with a reason of its own, before it reaches the node.
import { expect, test, setDefaultTimeout } from "bun:test";
import { startNode } from "../helpers/nodes.ts";
import { newIdentity, rawPeer } from "../helpers/raw-peer.ts";
import { TYPE, frame, helloPayload } from "../unit/protocol/wire.ts";

setDefaultTimeout(60_000);

test("a hello named 'alice' + U+200B, or with U+202E, is refused with BAD_FRAME saying why; the node learns no name", async () => {
  await using bob = await startNode("bob");
  const port = bob.node.listening!.port;
  for (const [name, cp] of [
    ["alice\u200b", "200B"],
    ["\u202eecila", "202E"],
  ] as const) {
    await using peer = await rawPeer(port, { tls: await newIdentity("mallory") });
    // Written by hand: our own encoder refuses to send such a name.
    peer.write(frame(TYPE.hello, helloPayload({ name, port: 0, caps: [], session: crypto.randomUUID() })));
    await peer.closed;
    expect(peer.frames.map((f) => f.type)).toEqual(["hello", "error"]);
    expect(peer.frames[1]).toEqual({ type: "error", code: "BAD_FRAME", reason: `bad hello: name contains an invisible or bidi-control character (U+${cp})` });
  }
  expect(await bob.node.book.list()).toEqual([]);
  expect(bob.events.filter((e) => e.type === "link" || e.type === "contact")).toEqual([]);
});
