// A download's knobs: its window, its deadlines, how often it records, how
// many wrong chunks it takes from one source. Tests make a stall short.

export interface FetchLimits {
  /** Chunks asked of one source and not arrived yet. */
  windowChunks: number;
  /** A source that sends nothing asked of it for this long is left for a while. */
  stallMs: number;
  /** Written bytes fsync'd and recorded at least this often... */
  syncBytes: number;
  /** ...and this often. */
  syncMs: number;
  /** A chunk that fails its hash this many times from one source gives that source up. */
  maxTries: number;
}

/**
 * A window of 16 chunks (4 MiB) keeps a loopback or LAN link full (its
 * round trip is well under the 10 ms those take at 400 MB/s) and is all a
 * chat message can find queued ahead of it on the link.
 */
export const FETCH_LIMITS: FetchLimits = { windowChunks: 16, stallMs: 30_000, syncBytes: 32 * 1024 * 1024, syncMs: 1_000, maxTries: 3 };

/** Bytes handed to the writer and not on the disk yet: past this, no more is asked for (a slow disk cannot make memory grow). */
export const MAX_BACKLOG = 8 * 1024 * 1024;

