// GET /api/download/ID: a file of one of this node's transfers, for the
// page's download link. Only by a transfer's id, never by a path: a file we
// received once it is done (verified whole), or one we sent while it is
// still where it was sent from. It goes as an attachment, under the name
// made safe (domain/file-name.ts), as application/octet-stream that the
// browser may not sniff (respond.ts), so nothing a peer sent can run as a
// page of ours. A file moved, replaced or changed since is refused.
import { lstatSync } from "node:fs";
import type { OpName } from "../control/ops.ts";
import type { FileInfo } from "../domain/file-transfer.ts";
import { safeFileName } from "../domain/file-name.ts";
import { fail, respond } from "./respond.ts";

/** A transfer id, or the first characters of one (UUIDs: hex and dashes). */
const ID = /^[0-9a-f-]{4,36}$/i;

export async function download(id: string, run: (op: OpName, args: unknown) => Promise<unknown>): Promise<Response> {
  const none = fail(404, "NOT_A_TRANSFER", `no file transfer ${JSON.stringify(id)} here`);
  if (!ID.test(id)) return none;
  const f = (await run("file", { id }).catch(() => null)) as FileInfo | null;
  if (!f) return none;
  if (f.direction === "in" && f.state !== "done") return fail(409, "NOT_DONE", `${safeFileName(f.name)} is not here whole yet (${f.state})`);
  const st = f.path ? lstatSync(f.path, { throwIfNoEntry: false }) : undefined;
  // Not a link followed elsewhere, not a file of another size: what the transfer moved, or nothing.
  if (!f.path || !st?.isFile() || st.size !== f.size) return fail(410, "FILE_GONE", `${safeFileName(f.name)} is no longer where the transfer left it (moved, changed or deleted)`);
  return respond(Bun.file(f.path), 200, {
    "Content-Type": "application/octet-stream",
    "Content-Disposition": attachment(safeFileName(f.name)),
  });
}

/** `attachment` with the name twice: ASCII for old browsers, UTF-8 (RFC 5987) for the rest. */
export function attachment(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\%;]/g, "_");
  const utf8 = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${ascii}"; filename*=UTF-8''${utf8}`;
}
