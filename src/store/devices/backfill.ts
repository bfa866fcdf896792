// The rows a home held before it kept a device log, written into the log the
// one time it starts (sql-device-log.ts `start`), inside that transaction:
// contacts first, then requests and their messages, messages both ways in
// the order they were stored (each of ours with its status), read marks
// last. A device that joins later applies these as it applies any entry.
import type { SQL } from "bun";
import type { OutStatusName } from "../../protocol/devices/sync-entries.ts";
import type { LogEntry } from "./sql-device-log.ts";

type Row = Record<string, unknown>;

const PAGE = 5000;
const OUT_STATUSES = new Set(["pending", "sent", "delivered", "failed", "cancelled"]);

const str = (v: unknown) => (v === null || v === undefined ? "" : String(v));
const num = (v: unknown) => {
  const n = Number.parseInt(str(v), 10);
  return Number.isFinite(n) && n >= 0 ? n : 0;
};

export async function backfill(tx: SQL, log: LogEntry): Promise<void> {
  const contacts: Row[] = await tx`SELECT name, ip, port, peer_id, blocked, legacy FROM \`user\` ORDER BY seq`;
  for (const c of contacts) {
    log({ kind: "contactAdd", name: str(c.name), host: str(c.ip), port: num(c.port), peerId: c.peer_id ? String(c.peer_id) : null, blocked: Number(c.blocked) === 1, legacy: Number(c.legacy) === 1 });
  }
  const requests: Row[] = await tx`SELECT peer_id, name, ip, port, blocked FROM request ORDER BY first_seen, peer_id`;
  for (const r of requests) {
    if (Number(r.blocked) === 1) {
      log({ kind: "requestDrop", peerId: String(r.peer_id), block: true });
      continue;
    }
    const ms: Row[] = await tx`SELECT id, message, created_at, received_at FROM request_message WHERE peer_id = ${String(r.peer_id)} ORDER BY seq`;
    for (const m of ms) {
      log({ kind: "in", id: str(m.id), peerId: String(r.peer_id), name: str(r.name), request: true, host: str(r.ip), port: num(r.port), body: str(m.message), created: num(m.created_at), received: num(m.received_at) });
    }
  }
  for (let after = 0; ; ) {
    const rows: Row[] = await tx`SELECT seq, id, name, ip, port, peer_id, message, status, created_at, fail_reason FROM sender WHERE seq > ${after} AND origin IS NULL ORDER BY seq LIMIT ${PAGE}`;
    for (const r of rows) {
      const status = str(r.status);
      log({
        kind: "out", id: str(r.id), name: str(r.name), peerId: r.peer_id ? String(r.peer_id) : null, host: str(r.ip), port: num(r.port), body: str(r.message), created: num(r.created_at),
        // The original program's statuses (and anything else) show as it stored them only here; elsewhere as sent.
        status: (OUT_STATUSES.has(status) ? status : "sent") as OutStatusName,
        ...(r.fail_reason ? { reason: String(r.fail_reason) } : {}),
      });
    }
    if (rows.length < PAGE) break;
    after = Number(rows[rows.length - 1]!.seq);
  }
  for (let after = 0; ; ) {
    const rows: Row[] = await tx`SELECT seq, id, name, ip, port, peer_id, message, created_at, received_at FROM receiver WHERE seq > ${after} ORDER BY seq LIMIT ${PAGE}`;
    for (const r of rows) {
      log({ kind: "in", id: str(r.id), peerId: r.peer_id ? String(r.peer_id) : null, name: str(r.name), host: str(r.ip), port: num(r.port), body: str(r.message), created: num(r.created_at), received: num(r.received_at) });
    }
    if (rows.length < PAGE) break;
    after = Number(rows[rows.length - 1]!.seq);
  }
  const marks: Row[] = await tx`SELECT m.name AS name, r.id AS id FROM read_mark m JOIN receiver r ON r.seq = m.read_seq ORDER BY m.name`;
  for (const m of marks) if (m.id) log({ kind: "read", name: str(m.name), id: String(m.id) });
}
