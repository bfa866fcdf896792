// An offer coming in as a row, and the answer a row gives when its sender
// offers it again: the same answer each time, whatever happened between
// (a crash, a lost link, days), so the sender learns where it stands.
import { safeFileName } from "../../domain/file-name.ts";
import type { FileAnswerFrame } from "../../protocol/files/file-frames.ts";
import type { PeerId } from "../../protocol/peer-id.ts";
import type { TransferRow } from "../../store/store.ts";

export interface Offered {
  name: string;
  size: number;
  sha256: string;
  root: string;
  chunkSize: number;
}

/** A new incoming row: offered, its name made safe (a name from the wire is never a path). */
export function incomingRow(id: string, o: Offered, peerId: PeerId, peer: string, group: string | null, request: boolean): TransferRow {
  const now = Date.now();
  const base = { id, direction: "in" as const, peerId, peer, group, name: safeFileName(o.name), size: o.size, sha256: o.sha256, root: o.root, chunkSize: o.chunkSize };
  return { ...base, state: "offered", bytes: 0, verified: "", path: null, error: null, auto: false, request, createdAt: now, updatedAt: now, doneAt: null };
}

/** Where an incoming row stands, as an answer to its sender. */
export function answerFor(row: TransferRow): FileAnswerFrame {
  const say = (answer: FileAnswerFrame["answer"], code: FileAnswerFrame["code"] = null, reason = ""): FileAnswerFrame => ({ type: "file-answer", id: row.id, answer, code, reason });
  switch (row.state) {
    case "offered":
      return say("held");
    case "sending":
    case "receiving":
      return say("accepted");
    case "done":
      return say("done");
    case "failed":
      return say("failed", "FILE_CORRUPT", row.error ?? "");
    case "cancelled":
      return row.error?.startsWith("you rejected") ? say("rejected", "FILE_REFUSED", "the receiver rejected it") : say("cancelled", null, "the receiver cancelled it");
  }
}
