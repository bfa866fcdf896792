// The input area of the full-screen chat: a prompt, then what is being
// written, over as many rows as it takes (a message may hold line breaks),
// up to a limit past which the rows around the cursor show. Pure: text and
// cursor in, rows and the cursor's place out.
import { fit, width } from "./wrap.ts";

const segmenter = new Intl.Segmenter(undefined, { granularity: "grapheme" });

export interface ComposeView {
  rows: string[];
  cursorRow: number;
  cursorCol: number;
}

/** How a grapheme of the draft shows: a tab as four spaces, anything else as itself. */
const shown = (g: string) => (g === "\t" ? "    " : g);

/**
 * `before` and `after` are the text either side of the cursor. Rows after
 * the first start under the text (past the prompt), or at column 2 when
 * the prompt is too wide for that.
 */
export function composeRows(prompt: string, before: string, after: string, columns: number, maxRows: number, placeholder = ""): ComposeView {
  const promptWidth = width(prompt);
  const lead = promptWidth <= columns / 2 ? promptWidth : 2;
  const room = Math.max(4, columns - lead - 1); // a column for the cursor at a row's end
  const firstRoom = Math.max(4, columns - promptWidth - 1);
  const rows: string[] = [];
  let row = "";
  let used = 0;
  let cursorRow = 0;
  let cursorCol = promptWidth;
  const limit = () => (rows.length === 0 ? firstRoom : room);
  const start = () => (rows.length === 0 ? promptWidth : lead);
  const newRow = () => {
    rows.push(row);
    row = "";
    used = 0;
  };
  const place = () => {
    cursorRow = rows.length;
    cursorCol = start() + used;
  };
  const add = (text: string) => {
    for (const { segment: g } of segmenter.segment(text)) {
      if (g === "\n" || g === "\r\n") {
        newRow();
        continue;
      }
      const s = shown(g);
      const w = width(s);
      if (used + w > limit()) newRow();
      row += s;
      used += w;
    }
  };
  add(before);
  if (used >= limit()) newRow(); // the cursor sits at the start of the next row
  place();
  add(after);
  rows.push(row);
  if (before === "" && after === "" && placeholder) rows[0] = fit(placeholder, firstRoom);
  const laid = rows.map((r, i) => (i === 0 ? prompt + r : " ".repeat(lead) + r));
  // Too many rows: the window that holds the cursor, as low as it can be.
  const max = Math.max(1, maxRows);
  if (laid.length <= max) return { rows: laid, cursorRow, cursorCol };
  const first = Math.min(Math.max(0, cursorRow - max + 1), laid.length - max);
  const from = Math.min(first, cursorRow);
  return { rows: laid.slice(from, from + max), cursorRow: cursorRow - from, cursorCol };
}
