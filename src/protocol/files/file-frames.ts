// File transfer frames as the program sees them (file-codec.ts turns them
// into bytes). A file is content-addressed: its offer names the whole file's
// SHA-256 and the root of its manifest, the list of each chunk's SHA-256
// (file-manifest.ts). The receiver pulls: it asks for manifest pieces, then
// for ranges of chunks, a bounded window at a time, checks each chunk
// against the manifest as it lands and the whole file against the SHA-256
// at the end. A link carries them only to a peer whose hello lists FILES_CAP.
//
//   file-offer          id(16) | sha256(32) | root(32) | size u64 | chunk u32 | created u64 | UTF-8 name (the rest, 1..MAX_WIRE_NAME bytes)
//   file-answer         id(16) | answer u8 | code u16 (0: none) | UTF-8 reason (the rest)
//   file-manifest-want  id(16) | from u32 | count u32 (>= 1)
//   file-manifest       id(16) | from u32 | n * 32-byte chunk hash (1 <= n <= MAX_MANIFEST_PIECE)
//   file-want           id(16) | n u16 (>= 1) | n * (from u32 | count u32 (>= 1))
//   file-chunk          id(16) | index u32 | the chunk's bytes (1..MAX_CHUNK)
//   file-missing        id(16) | n u16 (>= 1) | n * (from u32 | count u32 (>= 1))
import type { ProtocolErrorCode } from "../protocol-error.ts";

/** The hello cap of nodes that speak file transfer. */
export const FILES_CAP = "files";
/**
 * The hello cap of nodes that take a prefix manifest (file-manifest.ts): an
 * offer to such a peer names the prefix list's root; one to a peer without
 * it names the chunk list's, as before.
 */
export const FILES_PREFIX_CAP = "files-prefix";

/** The chunk size we offer: small enough that a chunk frame never holds a chat message back for long. */
export const DEFAULT_CHUNK = 256 * 1024;
/** Chunk sizes an offer may name: a power of two in this range. */
export const MIN_CHUNK = 16 * 1024;
export const MAX_CHUNK = 256 * 1024;
/** Chunk hashes in one manifest frame: 8,192 * 32 bytes = 256 KiB, no bigger than a chunk. */
export const MAX_MANIFEST_PIECE = 8192;
/** Ranges in one want or missing frame. */
export const MAX_RANGES = 1024;
/** Bytes of UTF-8 in an offer's name (what the node makes of it is domain/file-name.ts's). */
export const MAX_WIRE_NAME = 1024;
/** Largest file an offer may name: 2^53 - 1 bytes, JavaScript's exact integers. */
export const MAX_FILE_SIZE = Number.MAX_SAFE_INTEGER;
export const HASH_BYTES = 32;

export type FileOfferFrame = {
  type: "file-offer";
  /** The offer's id (a UUID): one sending of the file to one peer. */
  id: string;
  /** The whole file's SHA-256, lowercase hex. */
  sha256: string;
  /** The manifest's root (file-manifest.ts), lowercase hex: what the chunk hashes must add up to. */
  root: string;
  size: number;
  chunkSize: number;
  /** When the sender offered it (its clock, epoch ms). */
  created: number;
  /** The name as the sender gave it: never a path until domain/file-name.ts made it one. */
  name: string;
};

/**
 * What a side says of a transfer: held (the offer is stored, the user has
 * not decided), accepted, rejected, cancelled (by either side), done (the
 * receiver holds the whole file, verified), failed (with a code and why).
 */
export const FILE_ANSWERS = ["held", "accepted", "rejected", "cancelled", "done", "failed"] as const;
export type FileAnswer = (typeof FILE_ANSWERS)[number];

export type FileAnswerFrame = {
  type: "file-answer";
  id: string;
  answer: FileAnswer;
  /** Why, for rejected and failed (FILE_REFUSED, FILE_CORRUPT...); null otherwise. */
  code: ProtocolErrorCode | null;
  reason: string;
};

export type FileRange = { from: number; count: number };

export type FileManifestWantFrame = { type: "file-manifest-want"; id: string; from: number; count: number };

/** Chunk hashes `from` .. `from + n - 1`, 32 bytes each, back to back. */
export type FileManifestFrame = { type: "file-manifest"; id: string; from: number; hashes: Uint8Array };

export type FileWantFrame = { type: "file-want"; id: string; ranges: FileRange[] };

/** One chunk: `data` is its own copy of the bytes (the decoder's buffer is reused). */
export type FileChunkFrame = { type: "file-chunk"; id: string; index: number; data: Uint8Array };

/** "I do not hold these chunks (yet)": ask another member who does. */
export type FileMissingFrame = { type: "file-missing"; id: string; ranges: FileRange[] };

export type FileFrame = FileOfferFrame | FileAnswerFrame | FileManifestWantFrame | FileManifestFrame | FileWantFrame | FileChunkFrame | FileMissingFrame;

/** Whether a frame is one of these (their types all start "file-"). */
export function isFileFrame(f: { type: string }): f is FileFrame {
  return f.type.startsWith("file-");
}
