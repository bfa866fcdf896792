// The dial order and how addresses learned during a round join it.
import { expect, test } from "bun:test";
import { insertFresh, type Target } from "../../../src/node/dial/dial-plan.ts";

const t = (s: string): Target => ({ host: s.slice(0, s.lastIndexOf(":")), port: Number(s.slice(s.lastIndexOf(":") + 1)) });
const text = (plan: Target[]) => plan.map((x) => `${x.host}:${x.port}`);

test("fresh addresses go right after the one being tried, in their order, without repeats", () => {
  const plan = ["10.0.0.1:1", "10.0.0.2:2", "10.0.0.3:3"].map(t);
  expect(insertFresh(plan, 0, ["10.0.0.9:9", "10.0.0.3:3", "fe80::1%eth0:7"].map(t))).toBe(2);
  expect(text(plan)).toEqual(["10.0.0.1:1", "10.0.0.9:9", "fe80::1%eth0:7", "10.0.0.2:2", "10.0.0.3:3"]);
  // Nothing new: the plan stays as it is.
  expect(insertFresh(plan, 2, ["10.0.0.1:1"].map(t))).toBe(0);
  expect(plan.length).toBe(5);
  // After the last one tried, they simply follow it.
  expect(insertFresh(plan, 4, ["10.0.0.8:8"].map(t))).toBe(1);
  expect(text(plan).at(-1)).toBe("10.0.0.8:8");
});
