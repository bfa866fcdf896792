// Which signals stop serve, relay and the full-screen chat on each system
// (src/signals.ts): Windows turns Ctrl-Break and a closed console into
// SIGBREAK and SIGHUP, and never sends SIGTERM. The handlers themselves run
// in the Ctrl-C and Ctrl-Break tests (serve-signals.test.ts).
import { expect, test } from "bun:test";
import { stopSignals } from "../../../src/signals.ts";

test("POSIX: Ctrl-C and SIGTERM; the chat adds SIGHUP (its terminal closed)", () => {
  for (const platform of ["linux", "darwin"] as const) {
    expect(stopSignals(platform)).toEqual(["SIGINT", "SIGTERM"]);
    expect(stopSignals(platform, ["SIGHUP"])).toEqual(["SIGINT", "SIGTERM", "SIGHUP"]);
  }
});

test("Windows: Ctrl-C, Ctrl-Break and the console window closing; SIGHUP once only", () => {
  expect(stopSignals("win32")).toEqual(["SIGINT", "SIGBREAK", "SIGHUP"]);
  expect(stopSignals("win32", ["SIGHUP"])).toEqual(["SIGINT", "SIGBREAK", "SIGHUP"]);
});
