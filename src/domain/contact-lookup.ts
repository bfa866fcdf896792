// The one way a contact's name typed by a person finds the contact, for
// every command and the chat alike: the name itself; else the one contact
// whose name is the same letters in another case ("josé" for "José"); a
// name that several contacts share but for case, or that only looks like
// one ("jose" for "José", a Cyrillic "а" for "a"), is asked about, never
// guessed. A name no contact has is left as typed: the caller says what that
// means (a removed contact's history, a new contact, an error).
import { nameSkeleton } from "./lookalike.ts";
import { NodeError } from "./node-error.ts";

export type NameLookup = { found: string } | { unknown: true; didYouMean: string[] };

/** How `typed` matches `names` (a user's contacts). */
export function lookupName(typed: string, names: readonly string[]): NameLookup {
  if (names.includes(typed)) return { found: typed };
  const folded = fold(typed);
  const sameLetters = names.filter((n) => fold(n) === folded);
  if (sameLetters.length === 1) return { found: sameLetters[0]! };
  if (sameLetters.length > 1) return { unknown: true, didYouMean: sameLetters };
  const skeleton = nameSkeleton(typed);
  return { unknown: true, didYouMean: names.filter((n) => nameSkeleton(n) === skeleton) };
}

/**
 * The contact name `typed` stands for; `typed` itself when no contact is
 * near it. Throws NOT_A_CONTACT ("did you mean José?") when it is near
 * contacts but names none of them for sure. '#group' names pass as typed.
 */
export function resolveName(typed: string, names: readonly string[]): string {
  if (typed.startsWith("#")) return typed;
  const r = lookupName(typed, names);
  if ("found" in r) return r.found;
  if (r.didYouMean.length === 0) return typed;
  throw NodeError.notAContact(typed, r.didYouMean);
}

function fold(name: string): string {
  return name.normalize("NFKC").toLowerCase();
}
