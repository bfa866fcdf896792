// Who may put a file on this disk, and how much. A stranger (a request) never
// does without the user's yes; a contact's files are taken unasked while its
// files of the last day come to at most the allowance (a setting), and never
// when the disk would be left with less than DISK_RESERVE free: a contact
// cannot fill the disk, and a file the user accepts by hand still needs room.
import { statfsSync } from "node:fs";
import { dirname } from "node:path";
import type { PeerId } from "../../protocol/peer-id.ts";

/** What the allowance counts: files taken unasked in the last this long. */
export const ALLOWANCE_WINDOW_MS = 24 * 60 * 60 * 1000;
/** Never take a file that would leave less than this free. */
export const DISK_RESERVE = 512 * 1024 * 1024;
/** Offers waiting for the user's yes, per peer: a peer cannot fill the table either. */
export const MAX_WAITING_OFFERS = 100;

/** Bytes free for this user where `folder` is (or would be, for a folder not made yet). */
export function freeBytes(folder: string): number {
  for (let dir = folder; ; dir = dirname(dir)) {
    try {
      const s = statfsSync(dir);
      return s.bavail * s.bsize;
    } catch {
      if (dirname(dir) === dir) return Number.MAX_SAFE_INTEGER;
    }
  }
}

/** Why a file of `needed` more bytes does not fit in `folder`, or null when it does. */
export function noRoom(folder: string, needed: number): string | null {
  const free = freeBytes(folder);
  if (free - needed >= DISK_RESERVE) return null;
  return `not enough free space in ${folder}: it needs ${mib(needed)} MiB and ${mib(DISK_RESERVE)} MiB to spare, ${mib(free)} MiB are free`;
}

export interface TakeDeps {
  autoAcceptBytes: number;
  downloads: string;
  /** Bytes of files from `peerId` taken unasked since `since`. */
  taken(peerId: PeerId, since: number): Promise<number>;
}

/** Whether a contact's file of `size` bytes is taken without asking: null (yes), or why not, in words. */
export async function whyAsk(peerId: PeerId, size: number, d: TakeDeps): Promise<string | null> {
  if (d.autoAcceptBytes <= 0) return "you take no file without asking";
  const taken = await d.taken(peerId, Date.now() - ALLOWANCE_WINDOW_MS);
  if (taken + size > d.autoAcceptBytes) return `over the ${mib(d.autoAcceptBytes)} MiB a day taken unasked from one contact`;
  return noRoom(d.downloads, size);
}

function mib(bytes: number): string {
  return (bytes / 2 ** 20).toFixed(bytes < 2 ** 20 ? 2 : 0);
}
