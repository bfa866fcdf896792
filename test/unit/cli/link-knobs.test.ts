// The serve's link limits for tests (P2PCHAT_IDLE_TIMEOUT_S, P2PCHAT_HANDSHAKE_TIMEOUT_S): none set, none changed.
import { expect, test } from "bun:test";
import { linkKnobs } from "../../../src/cli/serve/link-knobs.ts";

test("each knob sets its limits in seconds; unset or empty leaves the defaults; a bad value is a usage error naming it", () => {
  expect(linkKnobs({})).toBeUndefined();
  expect(linkKnobs({ P2PCHAT_IDLE_TIMEOUT_S: "", P2PCHAT_HANDSHAKE_TIMEOUT_S: "" })).toBeUndefined();
  expect(linkKnobs({ P2PCHAT_IDLE_TIMEOUT_S: "6" })).toEqual({ idleTimeoutMs: 6000, keepaliveMs: 2000 });
  expect(linkKnobs({ P2PCHAT_HANDSHAKE_TIMEOUT_S: "2" })).toEqual({ handshakeMs: 2000 });
  expect(linkKnobs({ P2PCHAT_IDLE_TIMEOUT_S: "3", P2PCHAT_HANDSHAKE_TIMEOUT_S: "0.5" })).toEqual({ idleTimeoutMs: 3000, keepaliveMs: 1000, handshakeMs: 500 });
  for (const bad of ["0", "-1", "soon"]) expect(() => linkKnobs({ P2PCHAT_HANDSHAKE_TIMEOUT_S: bad })).toThrow(`P2PCHAT_HANDSHAKE_TIMEOUT_S=${JSON.stringify(bad)}: a number of seconds above 0`);
});
