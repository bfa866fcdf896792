// The chat's screen: lines scroll above a prompt on the last row, and the
// marks of our messages are rewritten in place while their row is visible.
// It only writes to a stream, so tests read exactly what a terminal gets.
import { colors } from "./colors.ts";
import { printable, statusMark } from "./format.ts";
import { LineEditor, parseKeys, visibleWindow, type Key } from "./input.ts";

/** Every mark padded to one width, so rewriting it never changes how long its line is. */
const MARK_WIDTH = Math.max(...(["pending", "sent", "delivered", "cancelled"] as const).map((s) => Bun.stringWidth(statusMark(s))));

function paddedMark(status: string): string {
  const mark = statusMark(status);
  return mark + " ".repeat(Math.max(0, MARK_WIDTH - Bun.stringWidth(mark)));
}

interface Tracked {
  /** The line without its mark. */
  head: string;
  text: string;
  status: string;
  /** Rows between the line and the prompt; Infinity once it cannot be found on screen. */
  distance: number;
}

export class ChatScreen {
  readonly editor = new LineEditor();
  private readonly tracked = new Map<string, Tracked>();
  /** Statuses that arrived before the send that made the message returned. */
  private readonly early = new Map<string, string>();
  private pendingKeys = "";

  constructor(
    private readonly out: { write(s: string): unknown; columns?: number; rows?: number },
    private readonly prompt: string,
  ) {}

  private get cols(): number {
    return Math.max(20, this.out.columns ?? 80);
  }
  private get rows(): number {
    return Math.max(2, this.out.rows ?? 24);
  }

  /** Draws the prompt row: the visible part of the line, the cursor where it belongs. */
  render(): void {
    const promptWidth = Bun.stringWidth(this.prompt);
    const before = this.editor.beforeCursor;
    const after = this.editor.line.slice(before.length);
    const { text, cursorCol } = visibleWindow(before, after, this.cols - promptWidth - 1);
    const col = promptWidth + cursorCol;
    this.out.write(`\r\x1b[2K${this.prompt}${text}\r${col > 0 ? `\x1b[${col}C` : ""}`);
  }

  /** Prints lines above the prompt, then redraws the prompt under them. */
  print(...lines: string[]): void {
    let buf = "\r\x1b[2K";
    let rows = 0;
    for (const block of lines) {
      for (const line of block.split("\n")) {
        buf += line + "\r\n";
        rows += this.rowsOf(line);
      }
    }
    for (const t of this.tracked.values()) t.distance += rows;
    this.out.write(buf);
    this.render();
  }

  private rowsOf(line: string): number {
    return Math.max(1, Math.ceil(Bun.stringWidth(line) / this.cols));
  }

  /** Prints one of our messages with its mark, and follows its status from then on. */
  printOwn(id: string, head: string, text: string, status: string): void {
    const latest = this.early.get(id) ?? status;
    this.early.delete(id);
    this.print(head + paddedMark(latest));
    const line = head + paddedMark(latest);
    const t: Tracked = { head, text, status: latest, distance: this.rowsOf(line) === 1 ? 1 : Infinity };
    if (latest !== "delivered") this.tracked.set(id, t);
  }

  /** A status change for messages of ours. */
  updateStatus(ids: readonly string[], status: string): void {
    let moved = "";
    const notes: string[] = [];
    for (const id of ids) {
      const t = this.tracked.get(id);
      if (!t) {
        this.early.set(id, status);
        continue;
      }
      if (t.status === status) continue;
      t.status = status;
      if (t.distance < this.rows) {
        // Save the cursor, go up to the message's row, rewrite it, come back.
        moved += `\x1b7\x1b[${t.distance}A\r${t.head}${paddedMark(status)}\x1b8`;
      } else {
        const excerpt = [...t.text].length > 30 ? [...t.text].slice(0, 29).join("") + "…" : t.text;
        notes.push(colors.dim(`  ${statusMark(status)}: ${printable(excerpt)}`));
      }
      if (status === "delivered") this.tracked.delete(id);
    }
    if (moved) this.out.write(moved);
    if (notes.length) this.print(...notes);
    if (this.early.size > 10_000) this.early.clear();
  }

  /** After a resize, rows on screen can no longer be found: later changes get their own line. */
  resized(): void {
    for (const t of this.tracked.values()) t.distance = Infinity;
    this.render();
  }

  /** Ids of ours still short of delivered that this screen follows. */
  get undelivered(): number {
    let n = 0;
    for (const t of this.tracked.values()) if (t.status !== "delivered") n++;
    return n;
  }

  /** Keys from the terminal, as typed. A partial escape sequence waits for the rest. */
  keys(chunk: string): Key[] {
    const { keys, rest } = parseKeys(this.pendingKeys + chunk);
    this.pendingKeys = rest;
    return keys;
  }
}
