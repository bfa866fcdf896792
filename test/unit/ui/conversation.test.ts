// A conversation's rows change when what is known of a message changes,
// not only its mark: a group post found forked shows as the fork it is.
import { expect, test } from "bun:test";
import type { HistoryEntry } from "../../../src/control/api.ts";
import { Conversation } from "../../../src/ui/conversation.ts";

function post(over: Partial<HistoryEntry> & { id: string }): HistoryEntry {
  return { direction: "in", peer: "#club", author: "mallory", text: "pay 111", status: "received", time: new Date(2025, 2, 3, 12, 42).getTime(), ...over };
}

test("a post already on screen that turns out forked is drawn again as the fork, with each version", () => {
  const c = new Conversation("#club", "alice");
  c.prepend([post({ id: "p1" })]);
  expect(c.blocks(160).flat().some((r) => r.includes("mallory: pay 111"))).toBe(true);
  expect(c.setForked("p1", ["pay 111", "pay 999"])).toBe(true);
  const rows = c.blocks(160).flat();
  expect(rows.some((r) => r.includes('⚠ mallory sent different messages to different members: "pay 111" / "pay 999"'))).toBe(true);
  expect(rows.some((r) => r.includes("mallory: pay 111"))).toBe(false);
});
