// `status` as a person reads it: links and contacts in aligned columns, a
// linked contact without stale errors, and a changed identity explained once
// with both ways out.
import { expect, test } from "bun:test";
import type { NodeStatus } from "../../../src/node/node-status.ts";
import type { PeerId } from "../../../src/protocol/peer-id.ts";
import { formatStatus } from "../../../src/ui/status.ts";
import { deliveredMark, formatContacts } from "../../../src/ui/format.ts";

const ME = "AAAAAAA-AAAAAAA-AAAAAAA-AAAAAAA-AAAAAAA-AAAAAAA-AAAAAAA-AAAAAAA" as PeerId;
const BOB = "BBBBBBB-BBBBBBB-BBBBBBB-BBBBBBB-BBBBBBB-BBBBBBB-BBBBBBB-BBBBBBB" as PeerId;
const EVE = "EEEEEEE-EEEEEEE-EEEEEEE-EEEEEEE-EEEEEEE-EEEEEEE-EEEEEEE-EEEEEEE" as PeerId;
const now = Date.now();
const contact = (name: string, over: Partial<NodeStatus["contacts"][number]>): NodeStatus["contacts"][number] => ({
  name,
  state: "idle",
  stateText: "not linked",
  address: null,
  lastSeen: null,
  lastError: null,
  lastErrorAt: null,
  nextRetryAt: null,
  pending: 0,
  ...over,
});

const status: NodeStatus = {
  name: "alice",
  peerId: ME,
  discoverable: true,
  listening: "127.0.0.1:20001",
  addresses: ["127.0.0.1:20001"],
  legacyListening: null,
  links: [
    { peer: "bob", address: "127.0.0.1:20002", direction: "out", since: now, legacy: false },
    { peer: "caroline", address: "127.0.0.1:51234", direction: "in", since: now, legacy: false },
  ],
  pending: [],
  contacts: [
    contact("bob", { state: "linked", stateText: "linked (127.0.0.1:20002)", lastSeen: now - 180_000, lastError: "connection refused at 127.0.0.1:20002", lastErrorAt: now - 200_000 }),
    contact("caroline", { state: "linked", stateText: "linked (they dialed, from 127.0.0.1:51234)" }),
    contact("zed", { state: "identity changed", stateText: "identity changed (refused)", pending: 1, lastError: `identity changed: expected ${BOB}, got ${EVE}`, lastErrorAt: now, mismatch: { expected: BOB, got: EVE } }),
  ],
  requests: 0,
  database: "sqlite:/tmp/x.db",
};

test("links and contacts line up in columns; a linked contact shows no old error; a changed identity says both ways out", () => {
  const lines = Bun.stripANSI(formatStatus(status, true)).split("\n");
  const links = lines.filter((l) => /^ {2}(bob|caroline) +127/.test(l));
  expect(links).toHaveLength(2);
  expect(links[0]!.indexOf("we dialed")).toBe(links[1]!.indexOf("they dialed"));
  const rows = lines.filter((l) => /^ {2}(bob|caroline|zed) +(linked|identity)/.test(l));
  expect(rows).toHaveLength(3);
  expect(new Set(rows.map((r) => r.search(/linked|identity/))).size).toBe(1);
  const bob = rows.find((r) => r.includes("bob"))!;
  expect(bob).not.toContain("last error");
  expect(bob).not.toContain("seen");
  const zed = lines.find((l) => l.startsWith("  zed: expected"))!;
  expect(zed).toContain(`expected ${BOB}, got ${EVE}`);
  expect(zed).toContain("p2pchat contacts set zed --address HOST:PORT");
  expect(zed).toContain(`p2pchat contacts pin zed ${EVE}`);
  // The state column stays short: the advice is on its own line, not stretching every row.
  expect(Math.max(...rows.map((r) => r.length))).toBeLessThan(80);
});

test("group marks: counted among the other members; a group of one says it is only stored", () => {
  const mark = (to: number, of: number) => Bun.stripANSI(deliveredMark({ to, of }));
  expect([mark(0, 0), mark(1, 1), mark(3, 3), mark(2, 4)]).toEqual(["✓ stored (no other member)", "✓✓ delivered to the other member", "✓✓ delivered to all 3", "✓ delivered to 2 of 4"]);
});

test("contacts: every address and relay a line of its own; a peer that does not listen shows no address", () => {
  const addr = (host: string, port: number) => ({ host, port, source: "hello" as const, addedAt: 0, lastOk: null, lastTried: null, lastError: null });
  const base = { blocked: false, legacy: false, createdAt: 0, inviteToken: null, dkey: null, relays: [] as string[] };
  const text = Bun.stripANSI(
    formatContacts([
      { ...base, name: "bob", host: "192.0.2.2", port: 20001, peerId: BOB, addresses: [addr("192.0.2.2", 20001), addr("fd00::2", 20001)], dkey: "k", relays: ["relay://198.51.100.1:22067/?id=R"] },
      { ...base, name: "eve", host: "127.0.0.1", port: 0, peerId: EVE, addresses: [addr("127.0.0.1", 0)] },
    ]),
  ).split("\n");
  expect(text.map((l) => l.trimEnd().split(/ {2,}/))).toEqual([
    ["NAME", "ADDRESS", "PEER ID", "FLAGS"],
    ["bob", "192.0.2.2:20001", BOB, "dht key"],
    ["", "[fd00::2]:20001"],
    ["", "relay 198.51.100.1:22067"],
    ["eve", "none (they dial you)", EVE],
  ]);
});
