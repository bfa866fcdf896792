// What counts as a message at all, one rule for every place that asks: the
// CLI before anything is stored, the node before it writes, and a node
// receiving from a peer (whose own node may not have asked). A message with
// nothing to show is refused: empty, or only spaces and line breaks (U+3000
// included), control characters ("\x00"), format characters (U+200B,
// bidi controls), other default-ignorables (U+3164) or the blank braille
// pattern. Pure: no I/O, no errors thrown.

/** Characters that show nothing: whitespace, controls, format characters, default-ignorables, U+2800. */
const BLANK = /^[\s\p{Cc}\p{Cf}\p{Default_Ignorable_Code_Point}\u2800]*$/u;

/** "empty" for "", "blank" for text that shows nothing, null for a message. */
export function blankText(text: string): "empty" | "blank" | null {
  if (text.length === 0) return "empty";
  return BLANK.test(text) ? "blank" : null;
}
