import { describe, expect, test } from "bun:test";
import { editDistance, nearest } from "../../../src/cli/args/nearest.ts";

const COMMANDS = ["init", "id", "serve", "chat", "send", "status", "discoverable", "contacts", "history", "search", "db", "help"];

describe("nearest", () => {
  test("edits, with a swap of neighbours as one", () => {
    expect([editDistance("chta", "chat"), editDistance("chat", "chat"), editDistance("", "abc"), editDistance("kitten", "sitting")]).toEqual([1, 0, 3, 3]);
  });

  test("typos find their command; far or ambiguous words find none", () => {
    const cases: [string, string | null][] = [
      ["chta", "chat"],
      ["CHAT", "chat"],
      ["serv", "serve"],
      ["sned", "send"],
      ["contcts", "contacts"],
      ["cont", "contacts"],
      ["disco", "discoverable"],
      ["histroy", "history"],
      ["s", null], // serve, send, status, search: too short to say
      ["st", "status"],
      ["se", null], // serve, send, search
      ["frobnicate", null],
      ["xyz", null],
    ];
    expect(cases.map(([typed]) => [typed, nearest(typed, COMMANDS)])).toEqual(cases);
  });
});
