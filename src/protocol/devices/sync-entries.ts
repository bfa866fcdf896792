// What one device of a person tells the others it did: one entry of its log.
// Each device writes its own log, (device id, seq) 1, 2, 3..., in the same
// transaction as the change the entry describes; the others apply it. An
// entry names rows by their natural keys (a message's id, a contact's name
// or peer id), so applying one twice changes nothing the second time.
//
// On the wire and in the store an entry is its kind (u8) and a UTF-8 JSON
// body; decodeEntry checks the body against its kind and never casts.
import { ProtocolError } from "../protocol-error.ts";

export const ENTRY_KIND = {
  /** A message we wrote (a sender row), with its status when it was logged. */
  out: 1,
  /** Our messages' status moved (sent, pending again, delivered, failed, cancelled). */
  status: 2,
  /** A message a contact (or a request) delivered to this device (a receiver row). */
  in: 3,
  /** An unpinned contact pinned an identity: its unclaimed messages are that identity's. */
  claim: 4,
  /** The user read a contact's conversation up to a message. */
  read: 5,
  /** A contact added (or its row as the device that logged it holds it). */
  contactAdd: 6,
  contactRemove: 7,
  contactRename: 8,
  /** A contact blocked or unblocked, pinned or re-pinned. */
  contactUpdate: 9,
  /** A request accepted: a contact now, its messages in its history. */
  requestAccept: 10,
  /** A request rejected (or blocked: its id stays refused). */
  requestDrop: 11,
} as const;

export type EntryKindName = keyof typeof ENTRY_KIND;

export type OutStatusName = "pending" | "sent" | "delivered" | "failed" | "cancelled";
const OUT_STATUSES: readonly string[] = ["pending", "sent", "delivered", "failed", "cancelled"];

export type DeviceEntry =
  | { kind: "out"; id: string; name: string; peerId: string | null; host: string; port: number; body: string; created: number; status?: OutStatusName; reason?: string }
  | { kind: "status"; status: OutStatusName; ids: string[]; reason?: string }
  | { kind: "in"; id: string; peerId: string | null; name: string; request?: boolean; host: string; port: number; body: string; created: number; received: number }
  | { kind: "claim"; name: string; peerId: string }
  | { kind: "read"; name: string; id: string }
  | { kind: "contactAdd"; name: string; host: string; port: number; peerId: string | null; blocked: boolean; legacy: boolean }
  | { kind: "contactRemove"; name: string }
  | { kind: "contactRename"; from: string; to: string }
  | { kind: "contactUpdate"; name: string; blocked?: boolean; peerId?: string | null }
  | { kind: "requestAccept"; peerId: string; name: string; host: string; port: number }
  | { kind: "requestDrop"; peerId: string; block: boolean };

/** Ids in one status entry; a larger change is logged as several. */
export const MAX_STATUS_IDS = 1000;

const KIND_BY_NUMBER = new Map<number, EntryKindName>(Object.entries(ENTRY_KIND).map(([k, n]) => [n, k as EntryKindName]));

export function entryKindNumber(kind: EntryKindName): number {
  return ENTRY_KIND[kind];
}

/** The body text as logged: the entry without its kind (the kind travels apart). */
export function entryText(e: DeviceEntry): string {
  const { kind: _kind, ...rest } = e;
  return JSON.stringify(rest);
}

/** A kind number and body from the wire (or the store), checked. Throws ProtocolError BAD_FRAME. */
export function decodeEntry(kindNumber: number, text: string): DeviceEntry {
  const kind = KIND_BY_NUMBER.get(kindNumber);
  if (!kind) throw ProtocolError.badFrame(`device entry: unknown kind ${kindNumber}`);
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    throw ProtocolError.badFrame(`device entry (${kind}): its body is not JSON`, { cause: err });
  }
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw ProtocolError.badFrame(`device entry (${kind}): its body is not an object`);
  const o = v as Record<string, unknown>;
  const f = new Fields(kind, o);
  switch (kind) {
    case "out": {
      const status = f.optStr("status");
      if (status !== undefined && !OUT_STATUSES.includes(status)) f.bad(`status ${JSON.stringify(status)}`);
      const reason = f.optStr("reason");
      return {
        kind, id: f.str("id"), name: f.str("name"), peerId: f.strOrNull("peerId"), host: f.str("host"), port: f.int("port"), body: f.str("body"), created: f.int("created"),
        ...(status !== undefined ? { status: status as OutStatusName } : {}),
        ...(reason !== undefined ? { reason } : {}),
      };
    }
    case "status": {
      const status = f.str("status");
      if (!OUT_STATUSES.includes(status)) f.bad(`status ${JSON.stringify(status)}`);
      const ids = o.ids;
      if (!Array.isArray(ids) || ids.length > MAX_STATUS_IDS || ids.some((id) => typeof id !== "string" || id.length > 64)) f.bad(`ids is not a list of at most ${MAX_STATUS_IDS} ids`);
      const reason = f.optStr("reason");
      return { kind, status: status as OutStatusName, ids: ids as string[], ...(reason !== undefined ? { reason } : {}) };
    }
    case "in": {
      const request = o.request;
      if (request !== undefined && typeof request !== "boolean") f.bad("request is not a boolean");
      return {
        kind, id: f.str("id"), peerId: f.strOrNull("peerId"), name: f.str("name"), ...(request === true ? { request: true } : {}),
        host: f.str("host"), port: f.int("port"), body: f.str("body"), created: f.int("created"), received: f.int("received"),
      };
    }
    case "claim":
      return { kind, name: f.str("name"), peerId: f.str("peerId") };
    case "read":
      return { kind, name: f.str("name"), id: f.str("id") };
    case "contactAdd":
      return { kind, name: f.str("name"), host: f.str("host"), port: f.int("port"), peerId: f.strOrNull("peerId"), blocked: f.bool("blocked"), legacy: f.bool("legacy") };
    case "contactRemove":
      return { kind, name: f.str("name") };
    case "contactRename":
      return { kind, from: f.str("from"), to: f.str("to") };
    case "contactUpdate": {
      const out: DeviceEntry = { kind, name: f.str("name") };
      if (o.blocked !== undefined) out.blocked = f.bool("blocked");
      if (o.peerId !== undefined) out.peerId = f.strOrNull("peerId");
      return out;
    }
    case "requestAccept":
      return { kind, peerId: f.str("peerId"), name: f.str("name"), host: f.str("host"), port: f.int("port") };
    case "requestDrop":
      return { kind, peerId: f.str("peerId"), block: f.bool("block") };
  }
}

/** Reads one entry's fields, each checked; the first wrong one throws. */
class Fields {
  constructor(
    private readonly kind: string,
    private readonly o: Record<string, unknown>,
  ) {}

  bad(why: string): never {
    throw ProtocolError.badFrame(`device entry (${this.kind}): ${why}`);
  }
  str(k: string): string {
    const v = this.o[k];
    if (typeof v !== "string") this.bad(`${k} is not a string`);
    return v;
  }
  optStr(k: string): string | undefined {
    return this.o[k] === undefined ? undefined : this.str(k);
  }
  strOrNull(k: string): string | null {
    return this.o[k] === null ? null : this.str(k);
  }
  int(k: string): number {
    const v = this.o[k];
    if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0) this.bad(`${k} is not a whole number >= 0`);
    return v;
  }
  bool(k: string): boolean {
    const v = this.o[k];
    if (typeof v !== "boolean") this.bad(`${k} is not true or false`);
    return v;
  }
}
