// Reading a request's body without trusting its size. The server takes
// bodies as large as an upload may be (uploads.ts streams those to disk), so
// every other body is read here, a chunk at a time, and given up past its
// limit: a stranger posting gigabytes to /login holds no more memory than
// the limit, and a declared Content-Length past it is refused unread.

/** The body as UTF-8 text, or null when it is (or says it is) longer than `max` bytes. */
export async function readCapped(req: Request, max: number): Promise<string | null> {
  if (declaredLength(req) > max) return null;
  if (!req.body) return "";
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = req.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > max) return null;
      chunks.push(value);
    }
  } finally {
    // Past the limit: the rest is not read (Bun discards it with the connection).
    void reader.cancel().catch(() => {});
  }
  return new TextDecoder().decode(Buffer.concat(chunks));
}

/** What the Content-Length header says (0 without one; Infinity for nonsense, which is refused). */
export function declaredLength(req: Request): number {
  const h = req.headers.get("content-length");
  if (h === null) return 0;
  return /^\d+$/.test(h.trim()) ? Number(h.trim()) : Infinity;
}
