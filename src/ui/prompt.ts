// Questions asked on a terminal (`chat`'s who, their address, discoverable),
// answered with the chat's own line editor in raw mode. consola 3.4.2's text
// prompt returns undefined under Bun 1.4.4 (its readline keypress path gets
// no line), so what was typed was thrown away; this does not depend on it.
//
// One row: `? question › answer`. A placeholder is shown dim while nothing is
// typed and is never the answer; Enter on an empty line gives the default.
// Ctrl-C throws PromptError INTERRUPTED (the CLI exits 130 without a word),
// Ctrl-D on an empty line or the end of input throws EOF.
import { colors } from "./colors.ts";
import { LineEditor, parseKeys, visibleWindow, type Key } from "./input.ts";

export type PromptErrorCode = "INTERRUPTED" | "EOF" | "NOT_A_TERMINAL";

export class PromptError extends Error {
  override readonly name = "PromptError";
  constructor(
    readonly code: PromptErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface PromptStreams {
  input?: NodeJS.ReadStream;
  output?: NodeJS.WriteStream;
}

export interface TextOptions extends PromptStreams {
  /** Shown dim while the line is empty; never returned. */
  placeholder?: string;
  /** The answer when Enter is pressed on an empty line (shown after the question). */
  initial?: string;
  /** Why an answer is refused (the question stays), or nothing when it is fine. */
  validate?: (answer: string) => string | null | undefined;
}

export interface ConfirmOptions extends PromptStreams {
  /** The answer when Enter is pressed on an empty line. */
  initial: boolean;
}

/** Asks for a line of text; returns it trimmed (or the default). */
export async function askText(question: string, opts: TextOptions = {}): Promise<string> {
  const hint = opts.initial ? colors.dim(` (${opts.initial})`) : "";
  return ask<string>(question + hint, opts, (line) => {
    const answer = line.trim() || opts.initial || "";
    const problem = opts.validate?.(answer);
    return problem ? { problem } : { answer, shown: answer };
  }, opts.placeholder);
}

/** Asks a yes/no question: y, yes, n or no, then Enter; Enter alone gives `initial`. */
export async function askConfirm(question: string, opts: ConfirmOptions): Promise<boolean> {
  return ask<boolean>(question + colors.dim(opts.initial ? " (Y/n)" : " (y/N)"), opts, (line) => {
    const a = line.trim().toLowerCase();
    const answer = a === "" ? opts.initial : a === "y" || a === "yes" ? true : a === "n" || a === "no" ? false : null;
    return answer === null ? { problem: "answer y or n" } : { answer, shown: answer ? "yes" : "no" };
  });
}

/** Asks for a secret (a password): each character shows as a dot; the answer is returned as typed, not trimmed. */
export async function askSecret(question: string, opts: PromptStreams & { validate?: (answer: string) => string | null | undefined } = {}): Promise<string> {
  return ask<string>(
    question,
    opts,
    (line) => {
      const problem = opts.validate?.(line);
      return problem ? { problem } : { answer: line, shown: colors.dim("(hidden)") };
    },
    undefined,
    true,
  );
}

type Judged<T> = { answer: T; shown: string } | { problem: string };

/**
 * What was typed after the Enter that answered a question, read with it:
 * its keys, and the start of an escape sequence cut off at the end of what
 * was read. The next question takes it, or, once the questions are over,
 * whatever reads the terminal next (the full-screen chat), in order.
 */
export interface TypedAhead {
  keys: Key[];
  rest: string;
}

let typedAhead: TypedAhead = { keys: [], rest: "" };

/** Takes what was typed ahead of the last answer (nothing the second time). */
export function takeTypedAhead(): TypedAhead {
  const ahead = typedAhead;
  typedAhead = { keys: [], rest: "" };
  return ahead;
}

async function ask<T>(question: string, streams: PromptStreams, judge: (line: string) => Judged<T>, placeholder?: string, masked = false): Promise<T> {
  const input = streams.input ?? process.stdin;
  const output = streams.output ?? process.stdout;
  if (!input.isTTY || !output.isTTY) throw new PromptError("NOT_A_TERMINAL", `cannot ask "${question}": input is not a terminal`);
  const view = new PromptView(output, question, placeholder, masked);
  const answered = Promise.withResolvers<T>();
  const ahead = takeTypedAhead();
  let pending = ahead.rest;
  const onKeys = (keys: Key[]) => {
    for (let i = 0; i < keys.length; i++) {
      const r = view.editor.apply(keys[i]!);
      view.problem = null;
      if (r.kind === "submit") {
        const judged = judge(r.line);
        if ("problem" in judged) {
          view.editor.set(r.line);
          view.problem = judged.problem;
          continue;
        }
        typedAhead = { keys: keys.slice(i + 1), rest: pending };
        pending = "";
        view.finish(judged.shown);
        return answered.resolve(judged.answer);
      }
      if (r.kind === "interrupt" || r.kind === "eof") {
        view.leave();
        const code = r.kind === "interrupt" ? "INTERRUPTED" : "EOF";
        return answered.reject(new PromptError(code, code === "EOF" ? "no answer: input ended (Ctrl-D)" : "interrupted"));
      }
    }
    view.render();
  };
  const onData = (chunk: Buffer | string) => {
    const parsed = parseKeys(pending + chunk.toString());
    pending = parsed.rest;
    onKeys(parsed.keys);
  };
  const onEnd = () => {
    view.leave();
    answered.reject(new PromptError("EOF", "no answer: input ended"));
  };
  const wasRaw = input.isRaw;
  input.setRawMode(true);
  output.write("\x1b[?2004h"); // bracketed paste: a pasted line is text, not keys
  input.on("data", onData);
  input.on("end", onEnd);
  input.resume();
  try {
    view.render();
    if (ahead.keys.length > 0) onKeys(ahead.keys);
    return await answered.promise;
  } finally {
    input.off("data", onData);
    input.off("end", onEnd);
    output.write("\x1b[?2004l");
    input.setRawMode(wasRaw);
    input.pause();
  }
}

/** The question's row as a terminal shows it; writes only to `out`, so it is tested without one. */
export class PromptView {
  readonly editor = new LineEditor();
  /** Why the last answer was refused, shown after the line until the next key. */
  problem: string | null = null;
  /** The question has a row of its own (it is too wide to share one with the answer). */
  private readonly ownRow: boolean;

  constructor(
    private readonly out: { write(s: string): unknown; columns?: number },
    private readonly question: string,
    private readonly placeholder?: string,
    /** A secret: a dot for each character typed. */
    private readonly masked = false,
  ) {
    // A question wider than the terminal would wrap and break the redraw: it gets a row of its own.
    this.ownRow = Bun.stringWidth(this.head(colors.cyan("?"), false)) > this.cols - 24;
    if (this.ownRow) out.write(`${colors.cyan("?")} ${colors.bold(question)}\r\n`);
  }

  private head(mark: string, ownRow = this.ownRow): string {
    return ownRow ? `${mark} ${colors.dim("›")} ` : `${mark} ${colors.bold(this.question)} ${colors.dim("›")} `;
  }

  private get cols(): number {
    return Math.max(20, this.out.columns ?? 80);
  }

  /** Draws the question's row (and below it, why the last answer was refused), the cursor in the line. */
  render(): void {
    const head = this.head(colors.cyan("?"));
    const headWidth = Bun.stringWidth(head);
    const room = this.cols - headWidth - 1;
    const dots = (t: string) => (this.masked ? "•".repeat([...t].length) : t);
    const before = dots(this.editor.beforeCursor);
    const after = dots(this.editor.line.slice(this.editor.beforeCursor.length));
    const { text, cursorCol } = visibleWindow(before, after, room);
    const shown = this.editor.line === "" && this.placeholder ? colors.dim(visibleWindow("", this.placeholder, room).text) : text;
    // Erase to the end of the screen: a refusal shown below goes with the next key.
    let buf = `\r${head}${shown}\x1b[J`;
    if (this.problem) buf += `\r\n${colors.red(visibleWindow("", `✖ ${this.problem}`, this.cols - 1).text)}\x1b[1A`;
    const col = headWidth + cursorCol;
    this.out.write(`${buf}\r${col > 0 ? `\x1b[${col}C` : ""}`);
  }

  /** The answered row: the question and its answer, once; the cursor on the next row. */
  finish(shown: string): void {
    this.out.write(`\r${this.head(colors.green("✔"))}${shown}\x1b[J\r\n`);
  }

  /** Interrupted: the row stays as it was, the cursor goes to the next row. */
  leave(): void {
    this.problem = null;
    this.render();
    this.out.write("\r\n");
  }
}
