// Which of two links to one peer both ends keep: one straight to the peer
// beats one through a relay, whichever came first and whoever dialed; links
// that travel alike are left to the id tie-break.
import { expect, test } from "bun:test";
import { preferredPath } from "../../../src/node/engine/link-choice.ts";
import { DEFAULT_LIMITS, Link, type LinkSide } from "../../../src/transport/link.ts";

const handler = {} as LinkSide<null>;
function link(how: "direct" | "punched" | "relayed", direction: "in" | "out" = "out"): Link {
  const l = new Link(direction, "11.0.0.3", 40001, handler, DEFAULT_LIMITS, null);
  if (how === "relayed") l.via = "relay 198.51.100.10:20002";
  if (how === "punched") l.punched = true;
  return l;
}

test("a direct or punched link replaces a relayed one, never the other way round; alike, no preference", () => {
  expect(preferredPath(link("relayed"), link("punched", "in"))).toBe("incoming");
  expect(preferredPath(link("relayed", "in"), link("direct"))).toBe("incoming");
  expect(preferredPath(link("punched"), link("relayed"))).toBe("existing");
  expect(preferredPath(link("direct", "in"), link("relayed", "in"))).toBe("existing");
  expect(preferredPath(link("relayed"), link("relayed", "in"))).toBeNull();
  expect(preferredPath(link("direct"), link("punched", "in"))).toBeNull();
});
