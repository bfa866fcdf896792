// How a file transfer looks: sizes, a progress bar with its rate and time
// left, and the line `serve` prints when a transfer changes state.
import { formatSize, type FileInfo } from "../domain/file-transfer.ts";
import { colors } from "./colors.ts";
import { printable } from "./format.ts";

export { formatSize };

/** 95 -> "1m35s". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}

/** The first characters of an id, as commands take it (`files accept 0198c1f2`). */
export function shortId(id: string): string {
  return id.replace(/-/g, "").slice(0, 8);
}

/** "[#######.....]  45%  12.0 MiB/s  1m35s left", `width` cells for the bar. */
export function progressBar(f: Pick<FileInfo, "bytes" | "size" | "rate">, width = 20): string {
  const frac = f.size === 0 ? 1 : Math.min(1, f.bytes / f.size);
  const full = Math.round(frac * width);
  const bar = `[${"#".repeat(full)}${".".repeat(width - full)}]`;
  const pct = `${Math.floor(frac * 100)}%`.padStart(4);
  const rate = f.rate ? `  ${formatSize(f.rate)}/s` : "";
  const left = f.rate && f.rate > 0 && f.bytes < f.size ? `  ${formatDuration((f.size - f.bytes) / f.rate)} left` : "";
  return `${bar} ${pct}${rate}${left}`;
}

/** What a transfer is doing, in a few words: "offered", "done, saved in ...", "failed: why". */
export function fileStateText(f: FileInfo): string {
  switch (f.state) {
    case "done":
      return f.direction === "in" ? `saved as ${f.path ?? "?"}` : "✓✓ delivered";
    case "failed":
      return `✗ failed${f.error ? `: ${printable(f.error)}` : ""}`;
    case "cancelled":
      return `✗ cancelled${f.error ? ` (${printable(f.error)})` : ""}`;
    case "offered":
      return f.direction === "in" ? `offered: p2pchat files accept ${shortId(f.id)}` : `offered, waiting for ${f.peer ?? f.group ?? "them"} to accept`;
    case "paused":
      return `paused at ${formatSize(f.bytes)} of ${formatSize(f.size)}`;
    default:
      return progressBar(f);
  }
}

/** The line `serve` prints when a transfer changes state (not for each bit of progress). */
export function formatFileLine(f: FileInfo): string {
  const who = f.group ? `${f.group}${f.peer ? ` ${f.peer}` : ""}` : (f.peer ?? "?");
  const what = `${JSON.stringify(printable(f.name))} (${formatSize(f.size)})`;
  const head = f.direction === "in" ? `* file from ${who}: ${what}` : `* file to ${who}: ${what}`;
  const line = `${head} ${fileStateText(f)}`;
  if (f.state === "failed" || f.state === "cancelled") return colors.red(line);
  if (f.state === "done") return colors.green(line);
  if (f.state === "offered" && f.direction === "in") return colors.yellow(line);
  return colors.dim(line);
}
