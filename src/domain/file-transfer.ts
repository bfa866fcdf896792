// A file transfer in the words the user sees (`files`, the chat, --json).
// The states, as the issue names them: offered (waiting for the receiver's
// yes), sending / receiving (moving), paused (not moving now: no link, the
// peer stalled, or a restart), done (the receiver holds it whole and
// verified), failed (with why), cancelled (either side, or rejected).
export type FileState = "offered" | "sending" | "receiving" | "paused" | "done" | "failed" | "cancelled";

/** What the database keeps: paused is never stored, it is what an open transfer not moving now is shown as. */
export type StoredFileState = Exclude<FileState, "paused">;

export const FINISHED: ReadonlySet<FileState> = new Set(["done", "failed", "cancelled"]);

/** One transfer, as `files --json` prints it and the chat draws it. */
export interface FileInfo {
  id: string;
  direction: "in" | "out";
  /** The contact's name (a request's: the name it announced, unverified); absent for our post to a group. */
  peer?: string;
  /** '#alias' for a group's file. */
  group?: string;
  name: string;
  size: number;
  sha256: string;
  state: FileState;
  /** Verified so far (in), or the receiver confirmed (out). */
  bytes: number;
  /** Where it was saved (in, done) or the file sent (out). */
  path?: string;
  error?: string;
  /** Bytes a second, while moving. */
  rate?: number;
  /** From a peer not in the address book. */
  request?: boolean;
  created: number;
  done?: number;
}

const UNITS = ["B", "KiB", "MiB", "GiB", "TiB"];

/** 1536 -> "1.5 KiB". */
export function formatSize(bytes: number): string {
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < UNITS.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${v} B` : `${v >= 100 ? Math.round(v) : v.toFixed(1)} ${UNITS[u]}`;
}
