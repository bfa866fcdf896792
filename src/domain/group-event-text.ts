// A group's membership events in words, as history and the chat show them
// beside their author: "created the group "trip"", "added bob", "left the
// group". The body is the event's JSON (protocol/group-events.ts); a file
// shared in the group (kind 5) is its name and size.
import { formatSize } from "./file-transfer.ts";

/** An event, in words (its author is shown beside it): "added bob". `nameOf` names a member by its key. */
export function describeGroupEvent(m: { kind: number; body: string }, nameOf: (key: unknown) => string): string {
  let o: Record<string, unknown> = {};
  try {
    const v = JSON.parse(m.body);
    if (v && typeof v === "object") o = v as Record<string, unknown>;
  } catch {
    // shown as unsupported below
  }
  switch (m.kind) {
    case 1:
      return `created the group ${JSON.stringify(String(o.name ?? ""))}`;
    case 2:
      return `added ${nameOf(o.key)}`;
    case 3:
      return `removed ${nameOf(o.key)}`;
    case 4:
      return "left the group";
    case 5:
      return `shared a file ${JSON.stringify(String(o.name ?? ""))} (${formatSize(Number(o.size) || 0)})`;
    case 6:
      return "added a device";
    default:
      return "(a kind of group message this version cannot show)";
  }
}
