// Word wrap for the full-screen chat: plain text into rows of at most a
// given number of terminal columns (wide characters count two, a grapheme is
// never split), the first row narrower or wider than the rest, so a message
// can start after its `[12:42] bob: ` and continue indented below it. And
// the same for text that holds colour escapes (notes), and fitting a row.

const segmenter = new Intl.Segmenter(undefined, { granularity: "grapheme" });

function graphemes(s: string): string[] {
  return Array.from(segmenter.segment(s), (g) => g.segment);
}

/** Columns `s` takes on a terminal (colour escapes take none). */
export function width(s: string): number {
  return Bun.stringWidth(s);
}

/**
 * Wraps one line of plain text (no line breaks, no escapes): at spaces where
 * it can, inside a word only when the word is wider than a row. Spaces at a
 * break go; spaces that start the text stay (indented code keeps its shape).
 * Always at least one row.
 */
export function wrapText(text: string, first: number, rest: number): string[] {
  const rows: string[] = [];
  let row = "";
  let used = 0;
  const limit = () => Math.max(1, rows.length === 0 ? first : rest);
  const push = () => {
    rows.push(row.trimEnd());
    row = "";
    used = 0;
  };
  for (const token of text.split(/( +)/)) {
    if (token === "") continue;
    const w = width(token);
    if (token.startsWith(" ")) {
      if (used === 0 && rows.length > 0) continue; // a break took these spaces
      if (used + w <= limit()) {
        row += token;
        used += w;
      } else push();
      continue;
    }
    if (used + w <= limit()) {
      row += token;
      used += w;
      continue;
    }
    // Does not fit here: on a row of its own if it fits one, else cut where rows end.
    if (used > 0 && w <= rest) {
      push();
      row = token;
      used = w;
      continue;
    }
    for (const g of graphemes(token)) {
      const gw = width(g);
      if (used + gw > limit() && used > 0) push();
      row += g;
      used += gw;
    }
  }
  if (row !== "" || rows.length === 0) rows.push(row.trimEnd());
  return rows;
}

/** Text that may hold colour escapes and line breaks, in rows of `columns` (no indent). */
export function wrapStyled(text: string, columns: number): string[] {
  const out: string[] = [];
  for (const line of text.split("\n")) {
    if (line === "") {
      out.push("");
      continue;
    }
    out.push(...Bun.wrapAnsi(line, Math.max(1, columns), { hard: true, trim: false }).split("\n"));
  }
  return out;
}

/** `s` cut to `columns` (an ellipsis where it was cut), colour escapes kept. */
export function fit(s: string, columns: number): string {
  if (columns <= 0) return "";
  return width(s) <= columns ? s : Bun.sliceAnsi(s, 0, columns, "…");
}

/** `s` padded with spaces (or cut) to exactly `columns`. */
export function pad(s: string, columns: number): string {
  const f = fit(s, columns);
  return f + " ".repeat(Math.max(0, columns - width(f)));
}
