// The mark after each of our messages, as the terminal writes it, changed in
// place as the node reports: … pending, ✓ sent, ✓✓ delivered (stored by the
// peer's node), ✗ cancelled, ✗ failed and why; in a group, how many of the
// other members hold it.
import type { HistoryEntry } from "./types.ts";
import { shown } from "./text.ts";

export interface MarkLook {
  text: string;
  tone: "pending" | "sent" | "delivered" | "bad" | "dim";
}

export function markOf(e: Pick<HistoryEntry, "status" | "reason" | "delivered">): MarkLook {
  const d = e.delivered;
  if (d) {
    if (d.of === 0) return { text: "✓ stored (no other member)", tone: "dim" };
    if (d.to === d.of) return { text: `✓✓ delivered to ${d.of === 1 ? "the other member" : `all ${d.of}`}`, tone: "delivered" };
    if (d.to > 0) return { text: `✓ delivered to ${d.to} of ${d.of}`, tone: "sent" };
  }
  switch (e.status) {
    case "pending":
      return { text: "… pending", tone: "pending" };
    case "sent":
      return { text: "✓ sent", tone: "sent" };
    case "delivered":
      return { text: "✓✓ delivered", tone: "delivered" };
    case "cancelled":
      return { text: "✗ cancelled", tone: "bad" };
    case "failed":
      return { text: e.reason ? `✗ failed: ${shown(e.reason)}` : "✗ failed", tone: "bad" };
    default:
      return { text: "", tone: "dim" };
  }
}
