// Validation of the names people give contacts (and a node gives itself).
// Two kinds: a contact's name is a handle, typed in commands, so it has no
// spaces ("José-Ñandú"); the name a node gives itself and shows is a display
// name, which may ("José Ñandú"): peers get both, and older ones the handle.
import { displayNameProblem, invisibleNameProblem } from "../protocol/hello.ts";
import { NodeError } from "./node-error.ts";

export const MAX_NAME = 40;

/** 1 to 40 characters, no whitespace or control characters. Returns the reason it is not, or null. */
export function nameProblem(name: string): string | null {
  const chars = [...name];
  if (chars.length === 0) return "a name cannot be empty";
  if (chars.length > MAX_NAME) return `a name has at most ${MAX_NAME} characters (this has ${chars.length})`;
  if (/ /.test(name.trim()) && displayNameProblem(name.trim()) === null && nameProblem(handleFor(name)) === null) {
    return `a contact's name is typed in commands, so it has no spaces: ${JSON.stringify(handleFor(name))} would do`;
  }
  if (/[\s\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u.test(name)) return "a name cannot contain spaces or control characters";
  const invisible = invisibleNameProblem(name); // what a peer refuses in our hello
  if (invisible) return `a name cannot contain characters that show nothing: it ${invisible}`;
  return null;
}

/** The handle for a display name: its words joined by dashes ("José Ñandú" -> "José-Ñandú"). */
export function handleFor(display: string): string {
  return display.trim().replace(/ +/g, "-");
}

/** A node's own name, which it shows and announces: words apart by single spaces allowed. Trimmed. */
export function validateDisplayName(name: string): string {
  const trimmed = name.trim();
  const problem = displayNameProblem(trimmed) ?? nameProblem(handleFor(trimmed));
  if (problem) throw NodeError.badName(name, problem);
  return trimmed;
}

/** What a node added from the LAN by its id is called until its hello names it: peer-nb2qlnb. */
export function standInName(peerId: string): string {
  return `peer-${peerId.slice(0, 7).toLowerCase()}`;
}

export function validateName(name: string): string {
  const problem = nameProblem(name);
  if (problem) throw NodeError.badName(name, problem);
  return name;
}
