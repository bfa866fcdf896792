// Lines of stdin as bytes, numbered from 1: a piped chat and a serve's input
// decide themselves what a line that is not UTF-8, or far too long, means.
// A line is cut at `max` bytes and the rest of it skipped, so a 1 GiB line
// without a newline costs no more memory than a long message.

export interface InputLine {
  /** 1 for the first line. */
  no: number;
  /** Without its "\n", and without a "\r" before it. At most `max` bytes. */
  bytes: Uint8Array;
  /** The line was longer than `max`: `bytes` is its start. */
  cut: boolean;
}

export async function* inputLines(stream: ReadableStream<Uint8Array>, max: number): AsyncGenerator<InputLine> {
  let parts: Uint8Array[] = [];
  let size = 0;
  let no = 1;
  let skipping = false; // inside a line already reported as cut
  const take = (cut: boolean): InputLine => {
    let bytes = concat(parts, size);
    if (!cut && bytes.at(-1) === 0x0d) bytes = bytes.subarray(0, -1);
    parts = [];
    size = 0;
    return { no, bytes, cut };
  };
  for await (const chunk of stream) {
    let from = 0;
    while (from < chunk.length) {
      const nl = chunk.indexOf(0x0a, from);
      const end = nl < 0 ? chunk.length : nl;
      if (!skipping) {
        const room = max - size;
        const piece = chunk.subarray(from, end);
        if (piece.length > room) {
          parts.push(piece.slice(0, room));
          size += room;
          skipping = true;
          yield take(true);
        } else if (piece.length > 0) {
          parts.push(piece.slice()); // the stream may reuse its buffer
          size += piece.length;
        }
      }
      if (nl < 0) break;
      if (!skipping) yield take(false);
      skipping = false;
      no++;
      from = nl + 1;
    }
  }
  if (!skipping && size > 0) yield take(false);
}

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
