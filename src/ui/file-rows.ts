// A file in a conversation, as the full-screen chat draws it: who sent it,
// its name and size, then where it stands (a progress bar while it moves,
// ✓✓ delivered for ours once the receiver holds it verified, where it was
// saved for theirs, or what to type to take an offered one).
import type { FileInfo } from "../control/api.ts";
import { colors } from "./colors.ts";
import { formatSize, progressBar, shortId } from "./file-format.ts";
import { formatClock, printable } from "./format.ts";
import { INDENT } from "./layout.ts";
import { width, wrapText } from "./wrap.ts";

/** What a file's rows depend on that changes after it is drawn. */
export function fileLook(f: FileInfo): string {
  return `${f.state} ${f.bytes} ${Math.round((f.rate ?? 0) / 65536)} ${f.path ?? ""} ${f.error ?? ""}`;
}

/** Where it stands, in the chat's words (the commands it names are the chat's). */
function stateText(f: FileInfo): string {
  switch (f.state) {
    case "done":
      return f.direction === "out" ? colors.green(f.group ? "✓ shared: members fetch it" : "✓✓ delivered") : colors.green(`saved as ${printable(f.path ?? "?")}`);
    case "failed":
      return colors.red(`✗ failed${f.error ? `: ${printable(f.error)}` : ""}`);
    case "cancelled":
      return colors.red(`✗ cancelled${f.error ? ` (${printable(f.error)})` : ""}`);
    case "offered":
      return f.direction === "in" ? colors.yellow(`offered: /accept takes it, /reject refuses it (${shortId(f.id)})`) : colors.yellow("… waiting for them to accept");
    case "paused":
      return colors.yellow(`paused at ${formatSize(f.bytes)}`);
    default:
      return colors.cyan(progressBar(f, 16));
  }
}

/** The file's rows at `columns`: `[12:42] bob: 📎 name (size)` and its state, on the same row when it fits. */
export function fileRows(f: FileInfo, self: string, columns: number): string[] {
  const w = Math.max(INDENT + 12, columns);
  const from = f.direction === "out" ? colors.dim(printable(self)) : colors.bold(printable(f.peer ?? "?"));
  const head = `${colors.dim(`[${formatClock(f.created)}]`)} ${from}: `;
  const what = `📎 ${printable(f.name)} (${formatSize(f.size)})`;
  const rows = wrapText(what, Math.max(12, w - width(head)), w - INDENT).map((r, i) => (i === 0 ? head + r : " ".repeat(INDENT) + r));
  const mark = stateText(f);
  const last = rows.length - 1;
  if (width(rows[last]!) + 2 + width(mark) <= w) rows[last] += `  ${mark}`;
  else rows.push(...wrapText(mark, w - INDENT, w - INDENT).map((r) => " ".repeat(INDENT) + r));
  return rows;
}
