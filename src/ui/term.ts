// The terminal the full-screen chat draws on, and nothing more: raw keys in
// (a lone Esc told apart from the start of a sequence), frames out. A frame
// is the whole screen as rows; only rows that changed since the last frame
// are written, inside a synchronized update, so typing and incoming
// messages never flicker. Alternate screen, no autowrap (a row that a
// terminal measures wider than we do is cut, never wrapped onto the next),
// bracketed paste, focus reports and the mouse wheel (SGR) while it runs;
// all of it undone on stop. On Windows, Bun itself turns on VT processing
// for a console's output at start (ENABLE_VIRTUAL_TERMINAL_PROCESSING, the
// mode restored at exit), so Windows Terminal and the Windows 10+ console
// read these sequences with nothing more done here.
import { writeSync } from "node:fs";
import { parseKeys, type Key } from "./keys.ts";
import { fit } from "./wrap.ts";

/** A lone Esc is the Esc key if nothing follows it this soon. */
const ESC_WAIT_MS = 40;

const ENTER = "\x1b[?1049h\x1b[?7l\x1b[?2004h\x1b[?1004h\x1b[?1000h\x1b[?1006h\x1b[H\x1b[2J";
const LEAVE = "\x1b[?1006l\x1b[?1000l\x1b[?1004l\x1b[?2004l\x1b[?7h\x1b[0m\x1b[?25h\x1b[?1049l";

export interface TerminalHandlers {
  keys(keys: Key[]): void;
  resize(): void;
  /** Input ended (the terminal went away). */
  end(): void;
}

export interface TerminalStreams {
  input: NodeJS.ReadStream;
  output: NodeJS.WriteStream;
}

export class Terminal {
  private previous: string[] = [];
  private size = "";
  private pending = "";
  private escTimer: ReturnType<typeof setTimeout> | null = null;
  private started = false;
  private wasRaw = false;

  constructor(
    private readonly streams: TerminalStreams,
    private readonly on: TerminalHandlers,
  ) {}

  /** The terminal's real size (a frame drawn for a larger one would wrap into nonsense; drawScreen says when it is too small). */
  get columns(): number {
    return Math.max(1, this.streams.output.columns ?? 80);
  }

  get rows(): number {
    return Math.max(1, this.streams.output.rows ?? 24);
  }

  private readonly onData = (chunk: Buffer | string) => {
    if (this.escTimer) clearTimeout(this.escTimer);
    this.escTimer = null;
    const { keys, rest } = parseKeys(this.pending + chunk.toString(), { paste: "text" });
    this.hold(rest);
    if (keys.length > 0) this.on.keys(keys);
  };
  /** Keeps the start of a sequence for the next read; a lone Esc is the key if nothing follows soon. */
  private hold(rest: string): void {
    this.pending = rest;
    if (rest !== "\x1b") return;
    this.escTimer = setTimeout(() => {
      this.escTimer = null;
      if (this.pending !== "\x1b") return;
      this.pending = "";
      this.on.keys([{ kind: "escape" }]);
    }, ESC_WAIT_MS);
  }
  private readonly onResize = () => {
    this.previous = [];
    this.on.resize();
  };
  private readonly onEnd = () => this.on.end();
  /** The process ends while the chat has the screen (a crash): give the terminal back anyway. */
  private readonly onExit = () => {
    if (!this.started) return;
    try {
      writeSync((this.streams.output as { fd?: number }).fd ?? 1, LEAVE);
      this.streams.input.setRawMode?.(this.wasRaw);
    } catch {
      // nothing more to do on the way out
    }
  };

  /** `typedAhead`: the start of a sequence read before (by a question), to be completed by what comes next. */
  start(typedAhead = ""): void {
    const { input, output } = this.streams;
    this.hold(typedAhead);
    this.wasRaw = Boolean(input.isRaw);
    input.setRawMode?.(true);
    output.write(ENTER);
    input.on("data", this.onData);
    input.on("end", this.onEnd);
    input.resume();
    output.on("resize", this.onResize);
    process.on("exit", this.onExit);
    this.started = true;
  }

  stop(): void {
    if (!this.started) return;
    this.started = false;
    const { input, output } = this.streams;
    if (this.escTimer) clearTimeout(this.escTimer);
    input.off("data", this.onData);
    input.off("end", this.onEnd);
    output.off("resize", this.onResize);
    process.off("exit", this.onExit);
    output.write(LEAVE);
    input.setRawMode?.(this.wasRaw);
    input.pause();
  }

  /** Everything is drawn again on the next frame (Ctrl-L, a resize). */
  invalidate(): void {
    this.previous = [];
  }

  /** Draws `rows` (one per screen row, cut to the width) and puts the cursor at `cursor` (hidden when null). */
  draw(rows: readonly string[], cursor: { row: number; col: number } | null): void {
    if (!this.started) return; // the screen is the user's again
    const height = this.rows;
    const columns = this.columns;
    // A size that changed without its event (it comes later, or not at all) redraws everything too.
    const full = this.previous.length === 0 || this.size !== `${columns}x${height}`;
    this.size = `${columns}x${height}`;
    let buf = "\x1b[?2026h\x1b[?25l";
    if (full) buf += "\x1b[0m\x1b[H\x1b[2J";
    const next: string[] = [];
    for (let i = 0; i < height; i++) {
      const row = fit(rows[i] ?? "", columns);
      next.push(row);
      if (!full && this.previous[i] === row) continue;
      // Clear first, then write: a row that fills the last column must not be erased by the clear.
      buf += `\x1b[${i + 1};1H\x1b[0m\x1b[2K${row}\x1b[0m`;
    }
    this.previous = next;
    if (cursor) buf += `\x1b[${Math.min(height, cursor.row + 1)};${Math.min(columns, cursor.col + 1)}H\x1b[?25h`;
    buf += "\x1b[?2026l";
    this.streams.output.write(buf);
  }

  /** Bytes that are not part of a frame: the bell, a notification. */
  write(s: string): void {
    if (this.started) this.streams.output.write(s);
  }
}
