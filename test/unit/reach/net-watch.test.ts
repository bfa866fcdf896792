// Noticing that this machine moved: one report per change once it settles,
// a burst of changes as one, a change undone before it settles as none.
import { describe, expect, test } from "bun:test";
import { describeChange, NetWatch, type NetState } from "../../../src/reach/net/net-watch.ts";

const S0: NetState = { addresses: ["192.168.1.10"], gateway: "192.168.1.1" };
const S1: NetState = { addresses: [], gateway: "192.168.1.1" };
const S2: NetState = { addresses: ["192.168.1.77"], gateway: "192.168.1.1" };
const S3: NetState = { addresses: ["10.0.0.5"], gateway: "10.0.0.1" };

/** A watch reading `script` one state per read (the last one from then on); resolves with its first report. */
async function firstReport(script: NetState[]): Promise<[NetState, NetState]> {
  let i = 0;
  const report = Promise.withResolvers<[NetState, NetState]>();
  const w = new NetWatch({
    read: async () => script[Math.min(i++, script.length - 1)]!,
    pollMs: 2,
    settleMs: 40,
    onChange: (before, after) => report.resolve([before, after]),
  });
  await w.start();
  try {
    return await report.promise;
  } finally {
    w.stop();
  }
}

describe("NetWatch", () => {
  test("a change is reported once it has settled, from the state read at start", async () => {
    expect(await firstReport([S0, S0, S2])).toEqual([S0, S2]);
  });

  test("a burst of changes (the address goes, a new one comes, the gateway changes) is one report, with the last state", async () => {
    expect(await firstReport([S0, S1, S2, S3])).toEqual([S0, S3]);
  });

  test("a change undone before it settles is no change", async () => {
    // S1 for one read, then S0 long past the settle time, then S2: the first report is S2's.
    expect(await firstReport([S0, S1, ...Array<NetState>(60).fill(S0), S2])).toEqual([S0, S2]);
  });

  test("describeChange says what moved, or null", () => {
    expect(describeChange(S0, S0)).toBeNull();
    expect(describeChange(S0, S2)).toBe("address 192.168.1.10 → 192.168.1.77");
    expect(describeChange(S1, S0)).toBe("address none → 192.168.1.10");
    expect(describeChange(S0, S3)).toBe("address 192.168.1.10 → 10.0.0.5, gateway 192.168.1.1 → 10.0.0.1");
  });
});
