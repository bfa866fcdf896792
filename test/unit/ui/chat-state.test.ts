// The full-screen chat's state without a terminal: what the keys change and
// what the user then sees (unread counts, the list's selection and notes,
// the scroll of a conversation, what /cancel withdraws, keys typed while a
// conversation opens), and a frame drawn from a view that it never changes.
import { describe, expect, test } from "bun:test";
import type { HistoryEntry } from "../../../src/control/api.ts";
import { conversationWindow, drawScreen, notesShown, type ConversationScreen, type ListScreen } from "../../../src/ui/chat-render.ts";
import { ChatWindow } from "../../../src/ui/chat-window.ts";
import { Conversation } from "../../../src/ui/conversation.ts";
import { Jobs } from "../../../src/ui/jobs.ts";
import type { Key } from "../../../src/ui/keys.ts";
import { LineEditor } from "../../../src/ui/input.ts";
import { ListState } from "../../../src/ui/list-state.ts";
import { Outgoing } from "../../../src/ui/outgoing.ts";
import { Unread } from "../../../src/ui/unread.ts";

function entry(over: Partial<HistoryEntry> & { id: string }): HistoryEntry {
  return { direction: "in", peer: "bob", text: "hi", status: "received", time: new Date(2025, 2, 3, 12, 42).getTime(), ...over };
}

/** A conversation with bob holding `n` one-row messages, `line 1` .. `line n`. */
function conversationOf(n: number): Conversation {
  const c = new Conversation("bob", "alice");
  c.prepend(Array.from({ length: n }, (_, i) => entry({ id: String(i + 1), text: `line ${i + 1}` })));
  return c;
}

const SIZE = { columns: 60, rows: 10 };

function screenOf(conv: Conversation, win: ChatWindow): ConversationScreen {
  return {
    dialOnly: false,
    mode: "chat",
    self: "alice",
    unread: [],
    requests: 0,
    editor: win.editor,
    peer: conv.peer,
    link: "linked",
    discoverable: true,
    blocks: (columns) => conv.blocks(columns),
    offset: win.offset,
    newBelow: win.newBelow,
  };
}

const shownLines = (rows: readonly string[]) => rows.flatMap((r) => /line \d+/.exec(r)?.[0] ?? []);

describe("unread counts", () => {
  test("messages out of sight count; the status line lists the others in list order, never the one open", () => {
    const u = new Unread();
    u.set("carol", 2);
    u.arrived("dave");
    u.arrived("bob");
    u.arrived("bob");
    expect(u.others(["bob", "carol", "dave", "#team"], "carol")).toEqual([
      { name: "bob", unread: 2 },
      { name: "dave", unread: 1 },
    ]);
  });

  test("Alt-A goes round to the next conversation with unread messages, never to the one open", () => {
    const u = new Unread();
    for (const n of ["bob", "dave"]) u.arrived(n);
    const names = ["bob", "carol", "dave"];
    expect(u.next(names, "carol", "carol")).toBe("dave");
    expect(u.next(names, "dave", "dave")).toBe("bob");
    expect(u.next(names, null, null)).toBe("bob");
    expect(u.next(names, "bob", "bob")).toBe("dave");
    expect(u.next(["bob"], "bob", "bob")).toBeUndefined();
  });

  test("read up to a message: nothing unread, the node told once; a mark the node refused is told again", () => {
    const u = new Unread();
    u.set("bob", 3);
    expect(u.readUpTo("bob", "m9")).toBe(true);
    expect(u.of("bob")).toBe(0);
    u.set("bob", 1); // what the node says after the mark
    expect(u.readUpTo("bob", "m9")).toBe(false);
    expect(u.of("bob")).toBe(1);
    u.markFailed("bob");
    expect(u.readUpTo("bob", "m9")).toBe(true);
  });
});

describe("the list's selection and notes", () => {
  test("↑/↓ and PgUp/PgDn stay on a row; when rows go the selection stays on the last", () => {
    const l = new ListState();
    l.up();
    expect(l.selected).toBe(0);
    for (let i = 0; i < 5; i++) l.down(3);
    expect(l.selected).toBe(2);
    l.moveBy(-10, 3);
    expect(l.selected).toBe(0);
    l.moveBy(10, 30);
    expect(l.selected).toBe(10);
    l.fit(4); // a request accepted elsewhere, a contact removed
    expect(l.selected).toBe(3);
    l.fit(0);
    expect(l.selected).toBe(0);
  });

  test("Esc drops the question for an address, what was typed and the notes", () => {
    const l = new ListState();
    l.ask("dan");
    expect(l.asking).toBe("dan");
    l.editor.set("10.0.0.");
    l.notes.add("dan is not in your contacts");
    l.reset();
    expect({ asking: l.asking, line: l.editor.line, notes: l.notes.all }).toEqual({ asking: null, line: "", notes: [] });
  });

  test("a new note shows from its start; paging goes a page at a time and never above the first line; 50 are kept", () => {
    const l = new ListState();
    l.notes.add("first");
    l.notes.page(1, { top: 0, page: 4 });
    expect(l.notes.top).toBe(4);
    l.notes.page(-1, { top: 2, page: 4 });
    expect(l.notes.top).toBe(0);
    l.notes.add("second");
    expect(l.notes.top).toBeUndefined();
    for (let i = 0; i < 60; i++) l.notes.add(`note ${i}`);
    expect(l.notes.all).toHaveLength(50);
    expect(l.notes.all.at(-1)).toBe("note 59");
  });

  test("where the notes are is read from the layout: /help in a small list pages, a short note does not", () => {
    const screen = (notes: string[], notesTop?: number): ListScreen => ({
      mode: "list",
      dialOnly: false,
      self: "alice",
      unread: [],
      requests: 0,
      editor: new LineEditor(),
      discoverable: true,
      listening: null,
      asking: null,
      list: { conversations: [{ name: "bob", unread: 0, last: null }], states: new Map(), requests: [], contacts: [] },
      selected: 0,
      notes,
      notesTop,
    });
    const long = Array.from({ length: 20 }, (_, i) => `help line ${i}`).join("\n");
    expect(notesShown(screen(["one short note"]), SIZE)).toEqual({ top: 0, page: 0 });
    const first = notesShown(screen([long]), SIZE);
    expect(first.page).toBeGreaterThan(0);
    expect(first.top).toBe(0);
    // Paged past the end, the last page shows.
    expect(notesShown(screen([long], 100), SIZE).top).toBe(20 - first.page);
  });
});

describe("the open conversation's window", () => {
  test("opens at the bottom with its draft; leaving keeps the draft and drops the read line", () => {
    const conv = conversationOf(3);
    const win = new ChatWindow();
    conv.keepDraft("half typed");
    win.scrollUp(5);
    win.show(conv);
    expect({ offset: win.offset, line: win.editor.line }).toEqual({ offset: 0, line: "half typed" });
    conv.placeMarker(1);
    win.editor.set("changed my mind");
    win.leave();
    expect(conv.draft).toBe("changed my mind");
    expect(conv.blocks(60).flat().some((r) => r.includes("new since you last read"))).toBe(false);
  });

  test("scrolled up, a new message keeps the rows on screen where they are and counts as new below", () => {
    const conv = conversationOf(30);
    const win = new ChatWindow();
    win.show(conv);
    win.scrollUp(10);
    const before = shownLines(drawScreen(screenOf(conv, win), SIZE).rows);
    win.append(conv, entry({ id: "31", text: "line 31" }), SIZE.columns);
    win.cameUnseen(entry({ id: "31" }), SIZE.columns);
    const frame = drawScreen(screenOf(conv, win), SIZE);
    expect(shownLines(frame.rows)).toEqual(before);
    expect(frame.rows.at(-2)).toContain("↓ 1 new below (PgDn)");
    // At the bottom nothing moves: the new line shows.
    win.toBottom();
    win.append(conv, entry({ id: "32", text: "line 32" }), SIZE.columns);
    expect(shownLines(drawScreen(screenOf(conv, win), SIZE).rows).at(-1)).toBe("line 32");
  });

  test("scrolling stops at the oldest row once everything is loaded, and back at the bottom nothing is new below", () => {
    const conv = conversationOf(12);
    conv.hasMore = false;
    const win = new ChatWindow();
    win.show(conv);
    win.cameUnseen(entry({ id: "12" }), SIZE.columns);
    win.scrollUp(1000);
    const laid = conversationWindow(screenOf(conv, win), SIZE);
    win.fit(laid, laid.top && conv.hasMore);
    // 10 rows: a title, 7 rows of messages (a day line and lines 1-6 at the top), the status line, the input.
    expect(shownLines(drawScreen(screenOf(conv, win), SIZE).rows)).toEqual(["line 1", "line 2", "line 3", "line 4", "line 5", "line 6"]);
    win.scrollDown(win.offset - 1);
    expect(win.offset).toBe(1);
    win.scrollDown(3); // PgDn past the bottom
    const bottom = conversationWindow(screenOf(conv, win), SIZE);
    win.fit(bottom, false);
    expect({ offset: win.offset, newBelow: win.newBelow }).toEqual({ offset: 0, newBelow: 0 });
  });

  test("drawing a frame changes nothing: scrolled past what is loaded, the offset asked for stays for older pages to come", () => {
    const conv = conversationOf(5);
    const win = new ChatWindow();
    win.show(conv);
    win.scrollUp(50);
    const screen = screenOf(conv, win);
    const once = drawScreen(screen, SIZE);
    expect(drawScreen(screen, SIZE)).toEqual(once);
    expect(win.offset).toBe(50);
    expect(conversationWindow(screen, SIZE).top).toBe(true);
    win.fit(conversationWindow(screen, SIZE), true);
    expect(win.offset).toBe(50);
  });
});

describe("our messages on their way", () => {
  test("/cancel withdraws the newest undelivered message first; delivered ones are never offered", () => {
    const o = new Outgoing();
    o.sent("bob", "a", false);
    o.sent("bob", "b", false);
    o.sent("bob", "c", true);
    o.sent("carol", "x", false);
    expect(o.lastUndelivered("bob")).toBe("b");
    o.marked("bob", "b", "delivered");
    expect(o.lastUndelivered("bob")).toBe("a");
    o.marked("bob", "a", "sent"); // on the wire, not delivered: still withdrawable
    expect(o.lastUndelivered("bob")).toBe("a");
    o.withdrew("bob");
    expect(o.lastUndelivered("bob")).toBeUndefined();
    expect([...o.wroteTo]).toEqual(["bob", "carol"]);
  });

  test("a mark that came before its send returned is applied once", () => {
    const o = new Outgoing();
    o.cameEarly(["m1"], "delivered");
    expect(o.takeEarly("m1")).toBe("delivered");
    expect(o.takeEarly("m1")).toBeUndefined();
  });
});

describe("jobs in the order typed", () => {
  test("keys typed while a conversation opens are held and given back in order; a failed job is a note, the next still runs", async () => {
    const events: string[] = [];
    const replayed = Promise.withResolvers<Key[]>();
    const jobs = new Jobs({ failed: (m) => events.push(`note: ${m}`), done: () => {}, replay: (keys) => replayed.resolve(keys) });
    const opening = Promise.withResolvers<void>();
    jobs.switchView(async () => {
      await opening.promise;
      events.push("opened bob");
    });
    const typed: Key[] = [{ kind: "text", text: "hello" }, { kind: "enter" }];
    expect(typed.map((k) => jobs.hold(k))).toEqual([true, true]);
    jobs.run(async () => {
      throw new Error("not sent: bob is blocked");
    });
    jobs.run(async () => void events.push("sent to carol"));
    opening.resolve();
    expect(await replayed.promise).toEqual(typed);
    await jobs.idle();
    expect(events).toEqual(["opened bob", "note: not sent: bob is blocked", "sent to carol"]);
    expect(jobs.hold({ kind: "enter" })).toBe(false);
  });
});

describe("older pages", () => {
  test("a page that fails to load is said once, however many frames are drawn while it was on its way", async () => {
    const { ChatState } = await import("../../../src/ui/chat-state.ts");
    const { PAGE } = await import("../../../src/ui/conversation.ts");
    const page = Array.from({ length: PAGE }, (_, i) => entry({ id: String(1000 + i), text: `line ${i}` }));
    const older = Promise.withResolvers<HistoryEntry[]>();
    const api = {
      // The first page opens the conversation; the next one fails, after several frames.
      history: (q: { before?: string }) => (q.before ? older.promise : Promise.resolve(page)),
      files: () => Promise.resolve([]),
    } as unknown as import("../../../src/control/api.ts").NodeApi;
    const status = { name: "alice", peerId: "A", discoverable: true, links: [], contacts: [] } as unknown as import("../../../src/control/api.ts").NodeStatus;
    const host = { columns: 60, rows: 10, schedule() {}, finish() {}, redraw() {}, write() {}, press() {} };
    const chat = new ChatState(api, status, host, true);
    await chat.open("bob");
    chat.window.scrollUp(1000); // far past what is loaded: older pages are wanted
    for (let i = 0; i < 5; i++) chat.settle(SIZE); // five frames while the page is on its way
    older.reject(new Error("the database fails"));
    await older.promise.catch(() => {});
    await Bun.sleep(0); // the handlers after it run (a turn of the loop, not a wait for something to happen)
    chat.window.scrollDown(1_000_000); // back to the newest, where notes are
    const rows = drawScreen(screenOf(chat.current!, chat.window), { columns: 60, rows: 60 }).rows;
    expect(rows.filter((r) => r.includes("! older messages: the database fails"))).toHaveLength(1);
  });
});
