// The questions `chat` asks, answered through keys as a terminal sends them:
// what is returned, and what the terminal is told to show.
import { describe, expect, test } from "bun:test";
import { EventEmitter } from "node:events";
import { stripAnsi } from "../../../src/ui/colors.ts";
import { askConfirm, askText, PromptError, takeTypedAhead } from "../../../src/ui/prompt.ts";

/** A terminal's two ends: keys go in with `type`, everything written is kept. */
function terminal(columns = 80) {
  const input = Object.assign(new EventEmitter(), {
    isTTY: true,
    isRaw: false,
    setRawMode(on: boolean) {
      input.isRaw = on;
      return input;
    },
    resume() {},
    pause() {},
  });
  let written = "";
  const output = { isTTY: true, columns, write: (s: string) => ((written += s), true) };
  return {
    streams: { input: input as unknown as NodeJS.ReadStream, output: output as unknown as NodeJS.WriteStream },
    type: (s: string) => input.emit("data", Buffer.from(s)),
    /** Without colours (they are on when the tests run on a terminal). */
    written: () => stripAnsi(written),
    raw: () => input.isRaw,
  };
}

describe("askText", () => {
  test("what is typed is the answer, and is shown once after the question", async () => {
    const t = terminal();
    const answer = askText("Who do you want to talk to?", t.streams);
    t.type("bo");
    t.type("b\r");
    expect(await answer).toBe("bob");
    expect(t.written()).toContain("✔ Who do you want to talk to? › bob\x1b[J\r\n");
    expect(t.raw()).toBe(false);
  });

  test("the placeholder is shown but never the answer; Enter on empty gives the default", async () => {
    const t = terminal();
    const answer = askText("Address?", { ...t.streams, placeholder: "192.168.1.20:20001", validate: (a) => (a ? null : "type an address") });
    t.type("\r");
    t.type("10.0.0.1:5\r");
    expect(await answer).toBe("10.0.0.1:5");
    expect(t.written()).toContain("192.168.1.20:20001");
    expect(t.written()).toContain("✖ type an address");

    const u = terminal();
    const withDefault = askText("Name?", { ...u.streams, initial: "alice", placeholder: "bob" });
    u.type("\r");
    expect(await withDefault).toBe("alice");
  });

  test("a refused answer stays to be corrected, with the reason below it", async () => {
    const t = terminal();
    const answer = askText("Port?", { ...t.streams, validate: (a) => (/^\d+$/.test(a) ? null : `${JSON.stringify(a)} is not a number`) });
    t.type("2000x\r");
    t.type("\x7f\r");
    expect(await answer).toBe("2000");
    expect(t.written()).toContain('✖ "2000x" is not a number');
  });

  test("Ctrl-C is INTERRUPTED, Ctrl-D on an empty line is EOF, and the terminal leaves raw mode", async () => {
    const t = terminal();
    const a = askText("Name?", t.streams);
    t.type("half\x03");
    expect(await a.catch((e: PromptError) => e.code)).toBe("INTERRUPTED");
    expect(t.raw()).toBe(false);
    const b = askText("Name?", t.streams);
    t.type("\x04");
    expect(await b.catch((e: PromptError) => e.code)).toBe("EOF");
  });

  test("keys typed ahead go to the next question", async () => {
    const t = terminal();
    const first = askText("Name?", t.streams);
    t.type("bob\r10.0.0.1:5\r");
    expect(await first).toBe("bob");
    expect(await askText("Address?", t.streams)).toBe("10.0.0.1:5");
  });

  test("after the last question, what was typed ahead (and a sequence cut off) is kept for the chat, once", async () => {
    const t = terminal();
    const answer = askConfirm("Do you want to be discovered?", { ...t.streams, initial: true });
    t.type("n\ralice\rtypeahead msg\r\x1b[");
    expect(await answer).toBe(false);
    expect(takeTypedAhead()).toEqual({
      keys: [{ kind: "text", text: "alice" }, { kind: "enter" }, { kind: "text", text: "typeahead msg" }, { kind: "enter" }],
      rest: "\x1b[",
    });
    expect(takeTypedAhead()).toEqual({ keys: [], rest: "" });
  });

  test("a question too wide for the terminal gets a row of its own", async () => {
    const t = terminal(40);
    const answer = askText("bob is not in your contacts. What is bob's address (HOST:PORT)?", t.streams);
    t.type("x\r");
    expect(await answer).toBe("x");
    expect(t.written()).toStartWith("? bob is not in your contacts. What is bob's address (HOST:PORT)?\r\n");
    expect(t.written()).toContain("✔ › x");
  });

  test("not a terminal: refused, nothing read", async () => {
    const t = terminal();
    (t.streams.input as { isTTY: boolean }).isTTY = false;
    expect(await askText("Name?", t.streams).catch((e: PromptError) => e.code)).toBe("NOT_A_TERMINAL");
  });
});

describe("askConfirm", () => {
  test("y, yes, n, no and Enter for the default; anything else is asked again", async () => {
    const cases: [string, boolean, boolean][] = [
      ["y\r", false, true],
      ["YES\r", false, true],
      ["n\r", true, false],
      ["no\r", true, false],
      ["\r", true, true],
      ["\r", false, false],
      ["maybe\r\x15n\r", true, false],
    ];
    for (const [keys, initial, want] of cases) {
      const t = terminal();
      const answer = askConfirm("Do you want to be discovered?", { ...t.streams, initial });
      t.type(keys);
      expect(await answer).toBe(want);
      expect(t.written()).toContain(`✔ Do you want to be discovered? ${initial ? "(Y/n)" : "(y/N)"} › ${want ? "yes" : "no"}`);
    }
  });
});
