// The reach options of serve and chat: flags over the config, and the port
// mapper's check interval that tests shorten (P2PCHAT_PORTMAP_CHECK_S).
import { expect, test } from "bun:test";
import { portmapKnobs } from "../../../src/cli/args/reach-args.ts";

test("P2PCHAT_PORTMAP_CHECK_S: unset, or a number of seconds above 0", () => {
  expect(portmapKnobs({})).toBeUndefined();
  expect(portmapKnobs({ P2PCHAT_PORTMAP_CHECK_S: "" })).toBeUndefined();
  expect(portmapKnobs({ P2PCHAT_PORTMAP_CHECK_S: "1" })).toEqual({ checkSeconds: 1 });
  expect(portmapKnobs({ P2PCHAT_PORTMAP_CHECK_S: "0.5" })).toEqual({ checkSeconds: 0.5 });
  for (const bad of ["0", "-1", "soon", "Infinity"]) expect(() => portmapKnobs({ P2PCHAT_PORTMAP_CHECK_S: bad })).toThrow("a number of seconds above 0");
});
