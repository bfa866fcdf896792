// Lines out of bytes that arrive in pieces: stdin for a piped chat and a
// serve's input, the control socket both ways, a child's output in tests.
// The read side of what writer.ts writes. A piece may end anywhere, inside
// a line or inside a character, so lines are cut from bytes and decoded
// whole. A line is cut at `max` bytes and the rest of it skipped, so a 1 GiB
// line without a newline costs no more memory than a long message.

export interface InputLine {
  /** 1 for the first line. */
  no: number;
  /** Without its "\n", and without a "\r" before it. At most `max` bytes. */
  bytes: Uint8Array;
  /** The line was longer than `max`: `bytes` is its start. */
  cut: boolean;
}

export class LineSplitter {
  private parts: Uint8Array[] = [];
  private size = 0;
  private no = 1;
  private skipping = false; // inside a line already reported as cut

  constructor(private readonly max = Infinity) {}

  /** The lines `chunk` completes (and a line it makes too long, cut). */
  push(chunk: Uint8Array): InputLine[] {
    const out: InputLine[] = [];
    let from = 0;
    while (from < chunk.length) {
      const nl = chunk.indexOf(0x0a, from);
      const end = nl < 0 ? chunk.length : nl;
      if (!this.skipping) {
        const room = this.max - this.size;
        const piece = chunk.subarray(from, end);
        if (piece.length > room) {
          this.parts.push(piece.slice(0, room));
          this.size += room;
          this.skipping = true;
          out.push(this.take(true));
        } else if (piece.length > 0) {
          this.parts.push(piece.slice()); // the reader may reuse its buffer
          this.size += piece.length;
        }
      }
      if (nl < 0) break;
      if (!this.skipping) out.push(this.take(false));
      this.skipping = false;
      this.no++;
      from = nl + 1;
    }
    return out;
  }

  /** The input ended: its last line, when it had no newline. */
  end(): InputLine | null {
    return !this.skipping && this.size > 0 ? this.take(false) : null;
  }

  private take(cut: boolean): InputLine {
    let bytes = concat(this.parts, this.size);
    if (!cut && bytes.at(-1) === 0x0d) bytes = bytes.subarray(0, -1);
    this.parts = [];
    this.size = 0;
    return { no: this.no, bytes, cut };
  }
}

/** The lines of `stream`, numbered from 1, each at most `max` bytes. */
export async function* inputLines(stream: AsyncIterable<Uint8Array>, max = Infinity): AsyncGenerator<InputLine> {
  const lines = new LineSplitter(max);
  for await (const chunk of stream) yield* lines.push(chunk);
  const last = lines.end();
  if (last) yield last;
}

const utf8 = new TextDecoder();

/** The lines of `stream` as text (a byte that is not UTF-8 becomes U+FFFD). */
export async function* textLines(stream: AsyncIterable<Uint8Array>, max = Infinity): AsyncGenerator<string> {
  for await (const line of inputLines(stream, max)) yield utf8.decode(line.bytes);
}

/** `line` as text. */
export const lineString = (line: InputLine): string => utf8.decode(line.bytes);

function concat(parts: Uint8Array[], size: number): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
