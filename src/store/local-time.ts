// The original program's `time` column: local time as text, and the row a
// received message becomes in `receiver` (which carries it).
import type { SQL } from "bun";
import type { IncomingMessage } from "./store.ts";

/** Rows per multi-row INSERT: well under both dialects' parameter limits. */
const CHUNK = 500;

/** Inserts received messages into `receiver`, the original program's columns filled as it did. */
export async function insertReceived(tx: SQL, ms: readonly IncomingMessage[]): Promise<void> {
  for (let i = 0; i < ms.length; i += CHUNK) {
    const rows = ms.slice(i, i + CHUNK).map((m) => ({
      ip: m.host,
      port: String(m.port),
      name: m.peer,
      message: m.body,
      status: "received",
      time: localTimeText(m.received),
      id: m.id,
      peer_id: m.peerId,
      created_at: m.created,
      received_at: m.received,
    }));
    await tx`INSERT INTO receiver ${tx(rows)}`;
  }
}

/** The original program's `time` text: local time, `YYYY/MM/DD HH:MM:SS`. */
export function localTimeText(ms: number): string {
  // A batch stamps thousands of rows within one second: format each second once.
  const second = Math.floor(ms / 1000);
  if (second === lastSecond) return lastText;
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, "0");
  lastText = `${d.getFullYear()}/${p(d.getMonth() + 1)}/${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
  lastSecond = second;
  return lastText;
}
let lastSecond = Number.NaN;
let lastText = "";
