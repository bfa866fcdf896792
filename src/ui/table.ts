// Aligned columns for the terminal: each cell padded to its column's widest
// (by display width, so emoji and wide scripts line up), two spaces apart,
// the last column left ragged. A header row, when given, is bold.
import { colors } from "./colors.ts";

export function alignRows(rows: readonly string[][]): string[] {
  const widths: number[] = [];
  for (const r of rows) r.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, Bun.stringWidth(cell))));
  return rows.map((r) =>
    r
      .map((cell, i) => (i === r.length - 1 ? cell : cell + " ".repeat((widths[i] ?? 0) - Bun.stringWidth(cell))))
      .join("  ")
      .trimEnd(),
  );
}

/** A header row (bold) over the rows, all aligned. */
export function formatTable(header: readonly string[], rows: readonly string[][]): string {
  const [head, ...body] = alignRows([[...header], ...rows]);
  return [colors.bold(head!), ...body].join("\n");
}
