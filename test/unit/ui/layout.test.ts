// The full-screen chat's layout without a terminal: word wrap, where a mark
// goes (and that changing it never changes a message's height), day and
// read lines, the scrollback window, the input area, and what a frame writes.
import { describe, expect, test } from "bun:test";
import type { HistoryEntry, NodeApi } from "../../../src/control/api.ts";
import { composeRows } from "../../../src/ui/compose.ts";
import { Conversation } from "../../../src/ui/conversation.ts";
import { trimEndLines } from "../../../src/ui/format.ts";
import { entryRows, INDENT, UNREAD_LABEL, viewWindow } from "../../../src/ui/layout.ts";
import { Terminal } from "../../../src/ui/term.ts";
import { width, wrapText } from "../../../src/ui/wrap.ts";

const words = (n: number) => Array.from({ length: n }, (_, i) => `word${String(i).padStart(3, "0")}`).join(" ");

function entry(over: Partial<HistoryEntry> & { id: string }): HistoryEntry {
  return { direction: "in", peer: "bob", text: "hi", status: "received", time: new Date(2025, 2, 3, 12, 42).getTime(), ...over };
}

describe("wrapText", () => {
  test("breaks at spaces, the first row with its own width, no row wider than allowed", () => {
    const rows = wrapText(words(12), 20, 30);
    expect(rows[0]).toBe("word000 word001");
    expect(rows.slice(1).every((r) => width(r) <= 30)).toBe(true);
    expect(rows.join(" ")).toBe(words(12));
  });

  test("a word wider than a row is cut where rows end; spaces that start the text stay", () => {
    expect(wrapText("x".repeat(25), 10, 10)).toEqual(["x".repeat(10), "x".repeat(10), "x".repeat(5)]);
    expect(wrapText("    indented code", 40, 40)).toEqual(["    indented code"]);
    expect(wrapText("", 10, 10)).toEqual([""]);
  });

  test("wide characters count two columns and are never split", () => {
    const rows = wrapText("日本語のテキストです".repeat(3), 9, 9);
    expect(rows.every((r) => width(r) <= 9)).toBe(true);
    expect(rows.join("")).toBe("日本語のテキストです".repeat(3));
  });
});

describe("entryRows", () => {
  test("an incoming message: `[12:42] bob: ` then the text, continuation rows indented", () => {
    const rows = entryRows(entry({ id: "1", text: words(10) }), "alice", 40);
    expect(rows[0]).toStartWith("[12:42] bob: word000 word001 word002");
    expect(rows.slice(1).every((r) => r.startsWith(" ".repeat(INDENT)) && !r.startsWith(" ".repeat(INDENT + 1)))).toBe(true);
    expect(rows.every((r) => width(r) <= 40)).toBe(true);
  });

  test("a group post its author forked shows as such, with each version; a failed message of ours says why", () => {
    const forked = entry({ id: "f", peer: "#club", author: "mallory", text: "pay 111", forked: true, versions: ["pay 111", "pay 999\x1b[2J"] });
    expect(entryRows(forked, "alice", 120)).toEqual(['[12:42] mallory: ⚠ mallory sent different messages to different members: "pay 111" / "pay 999␛[2J"']);
    expect(entryRows({ ...forked, versions: undefined }, "alice", 120)).toEqual(["[12:42] mallory: ⚠ mallory sent different messages to different members"]);
    const failed = entry({ id: "x", direction: "out", text: "\u200b", status: "failed", reason: "refused by the receiver: a blank message" });
    expect(entryRows(failed, "alice", 80)).toEqual(["[12:42] alice: \u200b  ✗ failed: refused by the receiver: a blank message"]);
  });

  test("line breaks in a message are rows of it, indented; a peer's escapes are shown, not obeyed", () => {
    const rows = entryRows(entry({ id: "1", text: "one\ntwo\x1b[2J\n\nfour" }), "alice", 60);
    expect(rows).toEqual(["[12:42] bob: one", `${" ".repeat(INDENT)}two␛[2J`, "", `${" ".repeat(INDENT)}four`]);
  });

  test("newlines and blank lines that end a message are not rows: the mark ends its last line of text", () => {
    const pad = " ".repeat(INDENT);
    for (const text of ["p1\np2\n", "p1\np2\n\n  \n", "p1\np2\r\n"]) {
      expect(entryRows(entry({ id: "m", direction: "out", text, status: "delivered" }), "alice", 60)).toEqual(["[12:42] alice: p1", `${pad}p2  ✓✓ delivered`]);
    }
    expect(trimEndLines("one\n\n  two  \n \n")).toBe("one\n\n  two  ");
  });

  test("our mark ends the last row when it fits, else has a row of its own; its status never changes the height", () => {
    for (let columns = 20; columns <= 130; columns++) {
      for (const n of [1, 3, 8, 17, 40]) {
        const base = { id: "m", direction: "out" as const, peer: "bob", text: words(n) };
        const heights = (["pending", "sent", "delivered", "cancelled"] as const).map((status) => {
          const rows = entryRows(entry({ ...base, status }), "alice", columns);
          expect(rows.every((r) => width(r) <= columns)).toBe(true);
          // The mark is in the message's last row, once.
          expect(rows.filter((r) => /pending|sent|delivered|cancelled/.test(r))).toEqual([rows.at(-1)!]);
          return rows.length;
        });
        expect(new Set(heights).size).toBe(1);
      }
    }
    const own = entryRows(entry({ id: "m", direction: "out", text: "short", status: "delivered" }), "alice", 80);
    expect(own).toEqual(["[12:42] alice: short  ✓✓ delivered"]);
  });

  test("narrower than a name and some text: the text starts on the next row", () => {
    const rows = entryRows(entry({ id: "1", peer: "a-rather-long-name", text: "hello there" }), "alice", 30);
    expect(rows[0]).toBe("[12:42] a-rather-long-name:");
    expect(rows[1]).toBe(`${" ".repeat(INDENT)}hello there`);
  });
});

describe("viewWindow", () => {
  const blocks = Array.from({ length: 10 }, (_, i) => [`m${i}a`, `m${i}b`]);

  test("the newest rows sit at the bottom; few rows leave blank rows on top", () => {
    expect(viewWindow(blocks.length, (i) => blocks[i]!, 3, 0)).toEqual({ rows: ["m8b", "m9a", "m9b"], offset: 0, top: false });
    expect(viewWindow(1, (i) => blocks[i]!, 4, 0)).toEqual({ rows: ["", "", "m0a", "m0b"], offset: 0, top: true });
  });

  test("an offset scrolls back, stops at the oldest row, and asks only for the blocks it shows", () => {
    const asked: number[] = [];
    const w = viewWindow(blocks.length, (i) => (asked.push(i), blocks[i]!), 4, 5);
    expect(w.rows).toEqual(["m5b", "m6a", "m6b", "m7a"]);
    expect(asked).toEqual([9, 8, 7, 6, 5]);
    const past = viewWindow(blocks.length, (i) => blocks[i]!, 4, 1000);
    expect(past).toEqual({ rows: ["m0a", "m0b", "m1a", "m1b"], offset: 16, top: true });
  });
});

describe("Conversation", () => {
  const day = (d: number, h: number) => new Date(2025, 2, d, h, 0).getTime();

  test("a day line where the day changes, the read line above the first unread, marks laid out again when they change", () => {
    const c = new Conversation("bob", "alice");
    c.prepend([
      entry({ id: "1", text: "monday", time: day(3, 9) }),
      entry({ id: "2", direction: "out", text: "still monday", status: "sent", time: day(3, 10) }),
      entry({ id: "3", text: "tuesday", time: day(4, 9) }),
      entry({ id: "4", text: "tuesday again", time: day(4, 10) }),
    ]);
    c.placeMarker(2);
    const flat = () => c.blocks(60).flat();
    let rows = flat();
    expect(rows.filter((r) => r.startsWith("── "))).toEqual([expect.stringContaining("Monday 3 March 2025"), expect.stringContaining("Tuesday 4 March 2025"), expect.stringContaining(UNREAD_LABEL)]);
    expect(rows.findIndex((r) => r.includes(UNREAD_LABEL))).toBe(rows.findIndex((r) => r.includes("tuesday")) - 1);
    expect(rows.find((r) => r.includes("still monday"))).toEndWith("✓ sent");
    c.setStatus("2", "delivered");
    rows = flat();
    expect(rows.find((r) => r.includes("still monday"))).toEndWith("✓✓ delivered");
    // A message seen twice (sent here, then fetched) is kept once.
    expect(c.append(entry({ id: "4", text: "tuesday again" }))).toBe(false);
    expect(flat().filter((r) => r.includes("tuesday again"))).toHaveLength(1);
  });

  test("the header sits above every message, older pages included", async () => {
    const c = new Conversation("bob", "alice");
    const api = {
      history: async (q: { before?: string }) => (q.before ? [entry({ id: "0", text: "older", time: day(3, 8) })] : [entry({ id: "1", text: "unread one", time: day(3, 9) })]),
    } as unknown as NodeApi;
    await c.open(api, 1);
    c.header = "chatting with bob\n/help for commands";
    let rows = c.blocks(60).flat();
    expect(rows.slice(0, 2)).toEqual(["chatting with bob", "/help for commands"]);
    expect(rows.findIndex((r) => r.includes("unread one"))).toBeGreaterThan(rows.findIndex((r) => r.includes(UNREAD_LABEL)));
    c.hasMore = true;
    await c.loadOlder(api);
    rows = c.blocks(60).flat();
    expect(rows.slice(0, 2)).toEqual(["chatting with bob", "/help for commands"]);
    expect(rows.findIndex((r) => r.includes("older"))).toBeLessThan(rows.findIndex((r) => r.includes("unread one")));
  });
});

describe("composeRows", () => {
  test("a draft of several lines: rows under the text, the cursor where it is", () => {
    const v = composeRows("bob> ", "one\ntw", "o", 40, 5);
    expect(v.rows).toEqual(["bob> one", "     two"]);
    expect(v).toMatchObject({ cursorRow: 1, cursorCol: 7 });
  });

  test("a long line wraps; more rows than allowed show those around the cursor", () => {
    const v = composeRows("> ", "x".repeat(100), "", 20, 3);
    expect(v.rows).toHaveLength(3);
    expect(v.rows.every((r) => width(r) <= 20)).toBe(true);
    expect(v.cursorRow).toBe(2);
    const atStart = composeRows("> ", "", "x".repeat(100), 20, 3);
    expect(atStart).toMatchObject({ cursorRow: 0, cursorCol: 2 });
  });
});

describe("Terminal frames", () => {
  function fake(columns: number, rows: number) {
    let written = "";
    const output = { columns, rows, write: (s: string) => ((written += s), true), on() {}, off() {} } as unknown as NodeJS.WriteStream;
    const input = { isRaw: false, setRawMode() {}, on() {}, off() {}, resume() {}, pause() {} } as unknown as NodeJS.ReadStream;
    const term = new Terminal({ input, output }, { keys() {}, resize() {}, end() {} });
    term.start();
    const take = () => ((s) => ((written = ""), s))(written);
    // Alternate screen, no autowrap, bracketed paste, focus reports, the wheel.
    expect(take()).toStartWith("\x1b[?1049h\x1b[?7l\x1b[?2004h\x1b[?1004h\x1b[?1000h\x1b[?1006h");
    return { term, take };
  }

  test("the first frame draws every row; the next only the rows that changed; a row is cut to the width", () => {
    const { term, take } = fake(20, 6);
    term.draw(["title", "a", "b", "c", "status", "> "], { row: 5, col: 2 });
    const first = take();
    expect(first).toContain("\x1b[2J");
    expect(first).toContain("\x1b[1;1H\x1b[0m\x1b[2Ktitle");
    term.draw(["title", "a", "B changed", "c", "status", "> hi"], { row: 5, col: 4 });
    const second = take();
    expect(second).not.toContain("title");
    expect(second).toContain("\x1b[3;1H\x1b[0m\x1b[2KB changed");
    expect(second).toContain("\x1b[6;1H\x1b[0m\x1b[2K> hi");
    expect(second).toStartWith("\x1b[?2026h");
    expect(second).toEndWith("\x1b[6;5H\x1b[?25h\x1b[?2026l");
    term.draw(["title", "a", "x".repeat(50)], null);
    expect(take()).toContain(`${"x".repeat(19)}…`);
    // Stopped: everything undone, and a late frame draws nothing on the user's screen.
    term.stop();
    expect(take()).toEndWith("\x1b[?1049l");
    term.draw(["late"], null);
    expect(take()).toBe("");
  });
});
