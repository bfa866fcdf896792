// Which of two links to one peer (of the same run of its node) to keep, by
// how they travel: one straight to the peer (dialed, accepted, or over a
// punched hole) beats one through a relay, which costs a friend's bandwidth
// and a detour. Both ends see the same two links the same way, so both keep
// the same one without a word. Links that travel alike are the id
// tie-break's (peers.ts).
import type { Link } from "../../transport/link.ts";

export function preferredPath(existing: Link, incoming: Link): "existing" | "incoming" | null {
  const relayed = (l: Link) => l.via !== null;
  if (relayed(existing) === relayed(incoming)) return null;
  return relayed(existing) ? "incoming" : "existing";
}
