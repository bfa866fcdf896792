// `contacts add` takes what `p2pchat id` prints, pasted as is: NAME PEER-ID
// HOST:PORT. The id and the address are told apart by their shape (an id
// has 56 letters and digits 2-7 with check characters, an address a colon
// and a port), so either order works.
import { parsePeerId } from "../../protocol/peer-id.ts";
import { UsageError } from "../exit-codes.ts";

const WHERE = "p2pchat contacts add";

/** The address and (if given) the peer id among the words after the name; `flagId` is --id. */
export function readIdLine(name: string, words: readonly string[], flagId?: string): { address: string; id?: string } {
  const ids: string[] = [];
  const addresses: string[] = [];
  for (const w of words) (isPeerIdShaped(w) ? ids : addresses).push(w);
  if (flagId !== undefined) ids.push(flagId);
  if (addresses.length === 0) throw new UsageError(`also give ${name}'s address: p2pchat contacts add ${name} PEER-ID HOST:PORT`, WHERE);
  if (addresses.length > 1) throw new UsageError(`two addresses, ${addresses.map((a) => JSON.stringify(a)).join(" and ")}: give one HOST:PORT and at most one peer id`, WHERE);
  const distinct = new Set(ids.map((i) => {
    const p = parsePeerId(i);
    return p.ok ? p.id : i;
  }));
  if (distinct.size > 1) throw new UsageError(`two different peer ids, ${ids.map((i) => JSON.stringify(i)).join(" and ")}: give one`, WHERE);
  return { address: addresses[0]!, id: ids[0] };
}

/** A peer id, or a word meant as one (no colon, about as long): it gets the peer id's error, not the address's. */
function isPeerIdShaped(w: string): boolean {
  if (parsePeerId(w).ok) return true;
  return !w.includes(":") && w.replace(/[-\s]/g, "").length >= 40;
}
