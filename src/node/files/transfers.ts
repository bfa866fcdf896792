// The open transfers' rows, kept in memory beside the database: every
// change goes through the journal (one writer, in the same transactions as
// messages) and is told to the user as a `file` event, as it is now.
import { FINISHED, type FileInfo } from "../../domain/file-transfer.ts";
import type { TransferPatch, TransferRow } from "../../store/store.ts";
import type { FilesDeps } from "./files-deps.ts";

/** What a transfer is doing now, beside its row. */
export interface Live {
  bytes: number;
  /** Bytes a second, lately. */
  rate: number;
  /** Something moves (a link up, chunks asked or sent); an open transfer that does not is shown as paused. */
  moving: boolean;
}

export class Transfers {
  constructor(private readonly d: Pick<FilesDeps, "journal" | "emit" | "contacts" | "groups">) {}

  async insert(row: TransferRow): Promise<void> {
    await this.d.journal.files({ insert: [row] });
  }

  /** Changes `row` (in memory at once) and records it; resolves once committed. */
  async update(row: TransferRow, patch: Omit<TransferPatch, "id" | "at">): Promise<void> {
    const at = Date.now();
    Object.assign(row, patch, { updatedAt: at });
    await this.d.journal.files({ update: [{ id: row.id, at, ...patch }] });
  }

  /** Tells listeners (serve, the chat, `send --file`) where it stands. */
  announce(row: TransferRow, live?: Live, progress = false): void {
    this.d.emit(progress ? { type: "file", file: this.info(row, live), progress } : { type: "file", file: this.info(row, live) });
  }

  info(row: TransferRow, live?: Live): FileInfo {
    let state: FileInfo["state"] = row.state;
    if ((state === "sending" || state === "receiving") && !live?.moving) state = "paused";
    const info: FileInfo = {
      id: row.id,
      direction: row.direction,
      name: row.name,
      size: row.size,
      sha256: row.sha256,
      state,
      bytes: state === "done" ? row.size : (live?.bytes ?? row.bytes),
      created: row.createdAt,
    };
    if (row.peerId) info.peer = this.d.contacts.byPeer(row.peerId)?.name ?? row.peer;
    if (row.group) info.group = this.d.groups.alias(row.group) ?? `#${row.group.slice(0, 8)}`;
    // An incoming file's path is its partial file until it is done: not a place to look yet.
    if (row.path && (row.direction === "out" || row.state === "done")) info.path = row.path;
    if (row.error) info.error = row.error;
    if (row.request) info.request = true;
    if (live && live.rate > 0 && !FINISHED.has(state)) info.rate = Math.round(live.rate);
    if (row.doneAt !== null) info.done = row.doneAt;
    return info;
  }
}
