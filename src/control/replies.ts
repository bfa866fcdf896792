// What a serve's reply to each operation must look like. The client trusts a
// reply only after this: something else on the socket (or a serve of another
// version) must fail a command, not print "delivered to undefined".
import type { Op } from "./api.ts";

type Check = (v: unknown) => string | null;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

const object =
  (fields: Record<string, "string" | "number" | "boolean" | "array" | "string?" | "boolean?">): Check =>
  (v) => {
    if (!isObject(v)) return "expected an object";
    for (const [key, type] of Object.entries(fields)) {
      const value = v[key];
      if (type.endsWith("?") && value === undefined) continue;
      const want = type.replace("?", "");
      const ok = want === "array" ? Array.isArray(value) : typeof value === want;
      if (!ok) return `"${key}" is not a ${want}`;
    }
    return null;
  };

const arrayOf =
  (item: Check): Check =>
  (v) => {
    if (!Array.isArray(v)) return "expected an array";
    for (const [i, x] of v.entries()) {
      const p = item(x);
      if (p) return `item ${i}: ${p}`;
    }
    return null;
  };

/** An object with `fields`, whose `inner` keys pass their own checks. */
const holding =
  (fields: Parameters<typeof object>[0], inner: Record<string, Check>): Check =>
  (v) => {
    const p = object(fields)(v);
    if (p) return p;
    for (const [key, check] of Object.entries(inner)) {
      const q = check((v as Record<string, unknown>)[key]);
      if (q) return `"${key}": ${q}`;
    }
    return null;
  };

const nothing: Check = (v) => (v === null || v === undefined ? null : "expected no result");

const contact = object({ name: "string", host: "string", port: "number", blocked: "boolean" });
const entry = object({ id: "string", peer: "string", text: "string" });
const sent = object({ id: "string", peer: "string", legacy: "boolean?" });
const request = object({ peerId: "string", name: "string", host: "string", port: "number", waiting: "number" });
const cancelled = arrayOf(object({ id: "string", before: "string", onTheWire: "boolean" }));
const group = object({ name: "string", id: "string", title: "string", creator: "string", role: "string", members: "number", waiting: "array" });
const member = object({ name: "string", peerId: "string", key: "string", role: "string", state: "string", you: "boolean", messages: "number" });

/** One check per operation: adding an op without one does not compile. */
const REPLIES = {
  status: object({ name: "string", peerId: "string", discoverable: "boolean", links: "array" }),
  send: sent,
  sendTo: sent,
  statusOf: (v) => (isObject(v) && Object.values(v).every((s) => typeof s === "string") ? null : "expected an object of statuses"),
  setDiscoverable: nothing,
  history: arrayOf(entry),
  search: arrayOf(entry),
  conversations: arrayOf((v) => {
    const p = object({ name: "string", unread: "number" })(v);
    if (p) return p;
    const last = (v as Record<string, unknown>).last;
    return last === null ? null : entry(last);
  }),
  markRead: (v) => (typeof v === "number" ? null : "expected a number"),
  contacts: arrayOf(contact),
  addContact: contact,
  removeContact: object({ cancelled: "number" }),
  setBlocked: contact,
  pinContact: holding({ moved: "number", cancelled: "number" }, { contact }),
  setContact: contact,
  requests: arrayOf(request),
  acceptRequest: holding({ moved: "number", announced: "string" }, { contact }),
  rejectRequest: request,
  blockRequest: request,
  cancel: cancelled,
  cancelTo: cancelled,
  createInvite: holding({ text: "string" }, { invite: object({ name: "string", peerId: "string", addresses: "array", token: "string", expires: "number" }) }),
  addInvite: holding({ renamed: "boolean", known: "boolean" }, { contact }),
  addNearby: holding({ renamed: "boolean", known: "boolean" }, { contact }),
  nearby: arrayOf(object({ peerId: "string", addresses: "array", lastHeard: "number" })),
  groups: arrayOf(group),
  groupCreate: group,
  groupAdd: member,
  groupRemove: member,
  groupLeave: group,
  groupMembers: arrayOf(member),
  subscribe: (v) => (v === true ? null : "expected true"),
} satisfies Record<Op, Check>;

/** Why `result` cannot be the reply to `op`, or null when it can. */
export function replyProblem(op: Op, result: unknown): string | null {
  return REPLIES[op](result);
}
