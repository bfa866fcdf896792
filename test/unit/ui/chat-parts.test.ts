// The full-screen chat's keys, completion, notifications, list and status
// line, without a terminal.
import { describe, expect, test } from "bun:test";
import type { PeerRequest } from "../../../src/control/api.ts";
import type { PeerId } from "../../../src/protocol/peer-id.ts";
import { stripAnsi } from "../../../src/ui/colors.ts";
import { Completer } from "../../../src/ui/complete.ts";
import { LineEditor, parseKeys } from "../../../src/ui/input.ts";
import { listLayout, listRows, picks, requestName, type ListData } from "../../../src/ui/list-view.ts";
import { notification, notificationKind } from "../../../src/ui/notify.ts";
import { statusRow } from "../../../src/ui/status-line.ts";

describe("keys of the full-screen chat", () => {
  test("a bracketed paste is one text key with its line breaks (control characters dropped, tabs kept)", () => {
    const { keys } = parseKeys("\x1b[200~one\r\ntwo\x07\n\tthree\x1b[201~", { paste: "text" });
    expect(keys).toEqual([{ kind: "text", text: "one\ntwo\n\tthree" }]);
    // Without the option a paste's lines are still enters (the questions before the chat).
    expect(parseKeys("\x1b[200~a\nb\x1b[201~").keys).toEqual([{ kind: "text", text: "a" }, { kind: "enter" }, { kind: "text", text: "b" }]);
  });

  test("Alt-Enter, Alt-digits, Alt-A, page keys, the wheel in SGR mode, focus reports", () => {
    const { keys, rest } = parseKeys("\x1b\r\x1b3\x1ba\x1b[5~\x1b[6~\x1b[<64;10;5M\x1b[<65;10;5M\x1b[<0;3;4M\x1b[I\x1b[O\x0e\x10\t");
    expect(rest).toBe("");
    expect(keys).toEqual([
      { kind: "newline" },
      { kind: "alt-digit", digit: 3 },
      { kind: "next-unread" },
      { kind: "page-up" },
      { kind: "page-down" },
      { kind: "wheel-up" },
      { kind: "wheel-down" },
      { kind: "ignored" },
      { kind: "focus-in" },
      { kind: "focus-out" },
      { kind: "next" },
      { kind: "prev" },
      { kind: "tab" },
    ]);
    // A mouse report never leaks into the text.
    expect(parseKeys("a\x1b[<64;100;50Mb").keys).toEqual([{ kind: "text", text: "a" }, { kind: "wheel-up" }, { kind: "text", text: "b" }]);
    // A lone Esc waits: the terminal layer decides, after a moment, that it was the key.
    expect(parseKeys("\x1b")).toEqual({ keys: [], rest: "\x1b" });
  });

  test("Esc typed just before a key that Alt does not bind is Esc, then the key (Esc `dave` Enter, Esc `#friends`)", () => {
    const esc = { kind: "escape" } as const;
    expect(parseKeys("\x1bdave\r").keys).toEqual([esc, { kind: "text", text: "dave" }, { kind: "enter" }]);
    expect(parseKeys("\x1b#friends\r").keys).toEqual([esc, { kind: "text", text: "#friends" }, { kind: "enter" }]);
    expect(parseKeys("\x1bd").keys).toEqual([esc, { kind: "text", text: "d" }]);
    // A bound letter with more text behind it in the same read was typed after Esc too.
    expect(parseKeys("\x1balice\r").keys).toEqual([esc, { kind: "text", text: "alice" }, { kind: "enter" }]);
    expect(parseKeys("\x1bbob").keys).toEqual([esc, { kind: "text", text: "bob" }]);
    expect(parseKeys("\x1bOscar").keys).toEqual([esc, { kind: "text", text: "Oscar" }]);
    // Alone, bound keys keep their meaning; Alt-digits always do (Alt-2 then text typed at once).
    expect(parseKeys("\x1ba").keys).toEqual([{ kind: "next-unread" }]);
    expect(parseKeys("\x1bb\x1bf").keys).toEqual([{ kind: "word-left" }, { kind: "word-right" }]);
    expect(parseKeys("\x1b2abc").keys).toEqual([{ kind: "alt-digit", digit: 2 }, { kind: "text", text: "abc" }]);
    expect(parseKeys("\x1b\rx").keys).toEqual([{ kind: "newline" }, { kind: "text", text: "x" }]);
    expect(parseKeys("\x1bOA\x1bO").keys).toEqual([{ kind: "up" }]);
    expect(parseKeys("\x1bOA\x1bO").rest).toBe("\x1bO");
  });

  test("the editor: Alt-Enter breaks the line, Ctrl-N/Ctrl-P recall as ↓/↑ do", () => {
    const e = new LineEditor();
    for (const k of parseKeys("first\r").keys) e.apply(k);
    for (const k of parseKeys("one\x1b\rtwo").keys) e.apply(k);
    expect(e.line).toBe("one\ntwo");
    expect(e.apply({ kind: "enter" })).toEqual({ kind: "submit", line: "one\ntwo" });
    e.apply({ kind: "prev" });
    expect(e.line).toBe("one\ntwo");
    e.apply({ kind: "prev" });
    expect(e.line).toBe("first");
    e.apply({ kind: "next" });
    expect(e.line).toBe("one\ntwo");
  });
});

describe("Completer", () => {
  const ctx = { names: ["bob", "bobby", "carol"], commands: ["/search", "/status", "/switch"], nameCommands: ["/switch"], bareNames: false };

  test("as far as the matches agree, then one by one", () => {
    const c = new Completer();
    expect(c.complete({ ...ctx, line: "/switch c" })).toBe("/switch carol");
    expect(c.complete({ ...ctx, line: "/switch b" })).toBe("/switch bob");
    expect(c.complete({ ...ctx, line: "/switch bob" })).toBe("/switch bobby");
    expect(c.complete({ ...ctx, line: "/switch bobby" })).toBe("/switch bob");
    expect(c.complete({ ...ctx, line: "/s" })).toBe("/search");
    expect(c.complete({ ...ctx, line: "/sw" })).toBe("/switch ");
    expect(c.complete({ ...ctx, line: "hello b" })).toBeNull();
    expect(c.complete({ ...ctx, line: "car", bareNames: true })).toBe("carol");
    expect(c.complete({ ...ctx, line: "rol", bareNames: true })).toBe("carol");
  });
});

describe("notifications", () => {
  test("the sequence the terminal understands; a peer's control characters never get into it", () => {
    expect(notificationKind({ TERM: "xterm-kitty" })).toBe("osc9");
    expect(notificationKind({ TERM: "foot" })).toBe("osc777");
    expect(notificationKind({ TERM: "xterm-256color", VTE_VERSION: "7600" })).toBe("osc777");
    const n = notification("p2pchat: bob", "hi\x07\x1b]0;pwned\x07 there", { TERM: "xterm-kitty" });
    expect(n).toStartWith("\x1b]9;p2pchat: bob: hi ]0;pwned");
    expect(n.slice(1, -1)).not.toMatch(/[\x00-\x1f]/);
    expect(notification("a;b", "x;y", { TERM: "foot" })).toBe("\x1b]777;notify;a,b;x;y\x07");
    expect(notification("t", "b", { TERM: "screen", TMUX: "/tmp/tmux" })).toBe("\x1bPtmux;\x1b\x1b]9;t: b\x07\x1b\\");
  });
});

describe("the conversations list and the status line", () => {
  const request: PeerRequest = {
    peerId: "WKHH6OA-AAAAAAA-AAAAAAA-AAAAAAA-AAAAAAA-AAAAAAA-AAAAAAA-AAAAAAA" as PeerId,
    name: "bоb", // a Cyrillic о
    host: "127.0.0.1",
    port: 1,
    firstSeen: 0,
    lastSeen: 0,
    blocked: false,
    waiting: 2,
  };
  const data: ListData = {
    conversations: [
      { name: "bob", unread: 2, last: { id: "1", direction: "in", peer: "bob", text: "are you there?\nsecond line", status: "received", time: Date.now() } },
      { name: "carol", unread: 0, last: null },
    ],
    states: new Map([["bob", { name: "bob", state: "linked", stateText: "linked", address: null, lastSeen: null, lastError: null, lastErrorAt: null, nextRetryAt: null, pending: 0 }]]),
    requests: [request],
    contacts: [{ name: "bob" } as ListData["contacts"][number], { name: "carol" } as ListData["contacts"][number]],
  };

  test("a row per contact with its unread count, state and last message; requests apart, an imitation said plainly", () => {
    const rows = listRows(data, 0, 80, 12, ["a note"]);
    expect(rows).toHaveLength(12);
    expect(rows[1]!.trimEnd()).toMatch(/^›1 bob\s+\(2\)\s+linked\s+\d\d:\d\d\s+are you there\?$/);
    expect(rows[2]).toMatch(/^ 2 carol\s+no messages yet$/);
    const req = rows.find((r) => r.includes("(unverified)"))!;
    expect(req).toContain('"bоb" (unverified) NOT your contact bob');
    expect(req).toContain("2 waiting");
    expect(rows.at(-1)).toBe("a note");
    expect(picks(data).map((p) => p.kind)).toEqual(["contact", "contact", "request"]);
  });

  test("a request names the contact it imitates, the closest one: the same name before a look-alike", () => {
    const contacts = ["CAROL", "carol"].map((name) => ({ name }) as ListData["contacts"][number]);
    const named = (name: string) => requestName({ ...request, name }, contacts);
    expect(named("carol")).toBe('"carol" (unverified) NOT your contact carol');
    expect(named("CAROL")).toBe('"CAROL" (unverified) NOT your contact CAROL');
    expect(named("c\u0430rol")).toBe('"c\u0430rol" (unverified) NOT your contact carol');
    expect(named("dave")).toBe('"dave" (unverified)');
  });

  test("the selected row stays in view in a short list; nothing is wider than the screen", () => {
    const many: ListData = { ...data, conversations: Array.from({ length: 30 }, (_, i) => ({ name: `c${i}`, unread: i, last: null })) };
    const rows = listRows(many, 25, 40, 8, []);
    expect(rows.some((r) => r.startsWith("›  c25"))).toBe(true);
    expect(rows.every((r) => Bun.stringWidth(r) <= 40)).toBe(true);
  });

  test("rows the notes leave no room for are said, never cut silently; the selected row stays", () => {
    const six: ListData = { ...data, requests: [], conversations: ["ann", "bob", "cat", "dan", "eve", "fay"].map((name) => ({ name, unread: 0, last: null })) };
    const help = Array.from({ length: 7 }, (_, i) => `help ${i}`).join("\n");
    // 13 rows: the notes' share (a page of them under a blank row) leaves 6 to the list.
    let rows = listRows(six, 0, 60, 13, [help]).map(stripAnsi);
    expect(rows.slice(0, 6)).toEqual(["Conversations", expect.stringMatching(/^›1 ann /), expect.stringMatching(/^ 2 bob /), expect.stringMatching(/^ 3 cat /), expect.stringMatching(/^ 4 dan /), "  ↓ 2 more · Esc hides the notes"]);
    expect(rows.slice(6, 8)).toEqual(["", "help 0"]);
    // The last one selected: it shows, and what is above is said.
    rows = listRows(six, 5, 60, 13, [help]).map(stripAnsi);
    expect(rows.slice(0, 7)).toEqual(["  ↑ 2 more · Esc hides the notes", expect.stringMatching(/^ 2 bob /), expect.stringMatching(/^ 3 cat /), expect.stringMatching(/^ 4 dan /), expect.stringMatching(/^ 5 eve /), expect.stringMatching(/^›6 fay /), ""]);
    // In the middle of a long list: both.
    const many: ListData = { ...data, requests: [], conversations: Array.from({ length: 30 }, (_, i) => ({ name: `c${i}`, unread: 0, last: null })) };
    rows = listRows(many, 14, 40, 8, []).map(stripAnsi);
    expect(rows[0]).toBe("  ↑ 11 more");
    expect(rows.at(-1)).toBe("  ↓ 14 more");
    expect(rows.some((r) => r.startsWith("›  c14"))).toBe(true);
    expect(rows).toHaveLength(8);
  });

  test("the unread column is as wide as the widest count", () => {
    const counts: ListData = { ...data, requests: [], conversations: [
      { name: "ann", unread: 12345, last: null },
      { name: "bob", unread: 2, last: null },
      { name: "cat", unread: 0, last: null },
    ] };
    const rows = listRows(counts, 0, 80, 8, []).slice(1, 4);
    const at = rows.map((r) => r.indexOf("no messages yet"));
    expect(new Set(at).size).toBe(1);
    expect(rows[0]).toMatch(/^›1 ann  \(12345\) +no messages yet/);
    expect(rows[1]).toMatch(/^ 2 bob  \(2\)     linked +no messages yet/);
    // Nothing unread: no empty column.
    const none = listRows({ ...counts, conversations: [{ name: "cat", unread: 0, last: null }] }, 0, 80, 8, []);
    expect(none[1]!.indexOf("no messages yet")).toBe("›1 cat  ".length + 8); // no state, then the time column (empty)
  });

  test("notes use every free row; longer ones show the start of the newest, paged from notesTop", () => {
    const help = Array.from({ length: 12 }, (_, i) => `help ${i}`).join("\n");
    // 30 rows, 4 for the list: all 12 lines, under a blank row.
    let rows = listRows(data, 0, 80, 30, ["older note", help]);
    expect(rows).toHaveLength(30);
    expect(rows.slice(-13)).toEqual(["older note", ...help.split("\n")]);
    // 12 rows: the newest note from its start, and a row that says where it is.
    const lay = listLayout(data, 0, 80, 12, ["older note", help]);
    expect(lay.rows).toHaveLength(12);
    expect(lay.notesPage).toBe(4);
    expect(lay.rows.slice(-5)).toEqual(["help 0", "help 1", "help 2", "help 3", "── notes 2–5 of 13 · PgUp · PgDn ──"]);
    rows = listRows(data, 0, 80, 12, ["older note", help], 100);
    expect(rows.slice(-5)).toEqual(["help 8", "help 9", "help 10", "help 11", "── notes 10–13 of 13 · PgUp ──"]);
    // The list keeps its rows, the selected one in view.
    expect(rows.some((r) => r.startsWith("›1 bob"))).toBe(true);
  });

  test("the status line counts the other conversations' unread messages", () => {
    const row = statusRow({ self: "alice", current: "carol", unread: [{ name: "bob", unread: 2 }, { name: "dave", unread: 1 }], requests: 1, below: 0, newBelow: 0, hint: "" }, 60);
    expect(row).toBe(" alice › carol │ bob (2) dave (1) │ 1 request".padEnd(60));
  });
});
