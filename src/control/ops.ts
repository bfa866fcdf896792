// Every operation a command can ask of a node, in one table: its arguments
// (in method order, checked when they come from the socket), the shape of
// its reply (checked before a command believes it), and what it runs. The
// serve dispatches through it, ControlClient and LocalApi get their methods
// from it, and NodeApi's type is read off it. A new operation is one entry
// here, plus the node method it calls.
import { resolveName } from "../domain/contact-lookup.ts";
import { NodeError } from "../domain/node-error.ts";
import { downloadsFolder, updateConfig } from "../home/home.ts";
import type { ChatNode } from "../node/node.ts";
import { op, opTable, parseArgs, type Op } from "./op.ts";
import { anyArray, arrayOf, bool, literal, nothing, nullable, num, object, optional, recordOf, str } from "./shape.ts";

// What replies must hold: the fields commands read (a reply may hold more).
const contact = object({ name: str, host: str, port: num, blocked: bool });
const entry = object({ id: str, peer: str, text: str });
const sent = object({ id: str, peer: str, legacy: optional(bool) });
const request = object({ peerId: str, name: str, host: str, port: num, waiting: num });
const cancelled = arrayOf(object({ id: str, before: str, onTheWire: bool }));
const added = object({ contact, renamed: bool, known: bool, announced: optional(str), taken: optional(str) });
const group = object({ name: str, id: str, title: str, creator: str, role: str, members: num, waiting: anyArray });
const member = object({ name: str, peerId: str, key: str, role: str, state: str, you: bool, messages: num });
const file = object({ id: str, direction: literal("in", "out"), name: str, size: num, sha256: str, state: str, bytes: num, created: num });
const fileSettings = object({ downloads: str, autoAcceptMiB: num });
const device = object({ id: str, name: str, self: bool, admin: bool, lastSeen: nullable(num), linked: bool, revokedAt: nullable(num) });

// What arguments must be.
const source = literal("typed", "invite", "hello", "lan", "dht", "relay");
const addOptions = object({
  id: optional(str),
  legacy: optional(bool),
  source: optional(source),
  addresses: optional(arrayOf(object({ host: str, port: num, source }))),
  inviteToken: optional(str),
  dkey: optional(str),
  relays: optional(arrayOf(str)),
});

/** A contact's name as a person typed it, found the one way every command and the chat find it (josé finds José). */
const who = (node: ChatNode, typed: string): string => resolveName(typed, node.contacts.all().map((c) => c.name));
const maybe = (node: ChatNode, typed: string | undefined): string | undefined => (typed === undefined ? undefined : who(node, typed));

export const OPS = opTable({
  status: op({ args: [], reply: object({ name: str, peerId: str, discoverable: bool, links: anyArray }), run: (node) => node.status() }),
  send: op({ args: [["peer", str], ["text", str]], reply: sent, run: (node, a) => node.send(who(node, a.peer), a.text) }),
  /** The original program's `<ip> <port> <text>`. */
  sendTo: op({ args: [["host", str], ["port", num], ["text", str]], reply: sent, run: (node, a) => node.sendTo(a.host, a.port, a.text) }),
  statusOf: op({ args: [["ids", arrayOf(str)]], reply: recordOf(str), run: async (node, a) => Object.fromEntries(await node.statusOf(a.ids)) }),
  /** Turns the node discoverable or hidden and saves the choice for later runs. */
  setDiscoverable: op({
    args: [["on", bool]],
    reply: nothing,
    async run(node, a) {
      await node.setDiscoverable(a.on);
      // The choice outlives this run: the next serve or chat starts the same way.
      updateConfig(node.home, { discoverable: a.on });
    },
  }),
  history: op({
    args: [["query", object({ peer: optional(str), limit: num, before: optional(str), since: optional(num) })]],
    reply: arrayOf(entry),
    run: (node, a) => node.session.history(a.query), // the session finds the name as `who` does
  }),
  /** Newest first. */
  search: op({ args: [["query", object({ text: str, peer: optional(str), limit: num })]], reply: arrayOf(entry), run: (node, a) => node.session.search(a.query) }),
  /** Every contact with its unread count and last message, by name. */
  conversations: op({ args: [], reply: arrayOf(object({ name: str, unread: num, last: nullable(entry) })), run: (node) => node.reads.conversations() }),
  /** `peer`'s messages up to `id` (all so far when omitted) are read; returns how many stay unread. */
  markRead: op({ args: [["peer", str], ["id", optional(str)]], reply: num, run: (node, a) => node.reads.markRead(who(node, a.peer), a.id) }),

  contacts: op({ args: [], reply: arrayOf(contact), run: (node) => node.book.list() }),
  addContact: op({ args: [["name", str], ["address", str], ["opts", optional(addOptions)]], reply: contact, run: (node, a) => node.book.add(a.name, a.address, a.opts) }),
  /** Refuses (HAS_PENDING) while messages wait, unless `dropPending`. */
  removeContact: op({
    args: [["name", str], ["opts", optional(object({ dropPending: optional(bool) }))]],
    reply: object({ cancelled: num, name: optional(str) }),
    async run(node, a) {
      const name = who(node, a.name);
      return { ...(await node.book.remove(name, a.opts)), name };
    },
  }),
  setBlocked: op({ args: [["name", str], ["blocked", bool]], reply: contact, run: (node, a) => node.book.setBlocked(who(node, a.name), a.blocked) }),
  /** Refuses (HAS_PENDING) while messages written to its old identity wait, unless `pending` says where they go. */
  pinContact: op({
    args: [["name", str], ["id", str], ["opts", optional(object({ pending: optional(literal("move", "drop")) }))]],
    reply: object({ contact, moved: num, cancelled: num }),
    run: (node, a) => node.book.pin(who(node, a.name), a.id, a.opts),
  }),
  setContact: op({
    args: [["name", str], ["opts", optional(object({ address: optional(str), rename: optional(str) }))]],
    reply: contact,
    run: (node, a) => node.book.set(who(node, a.name), a.opts ?? {}),
  }),
  requests: op({ args: [], reply: arrayOf(request), run: (node) => node.book.requests() }),
  acceptRequest: op({
    args: [["id", str], ["as", optional(str)]],
    reply: object({ contact, moved: num, announced: str }),
    run: (node, a) => node.book.acceptRequest(a.id, a.as),
  }),
  rejectRequest: op({ args: [["id", str]], reply: request, run: (node, a) => node.book.rejectRequest(a.id) }),
  blockRequest: op({ args: [["id", str]], reply: request, run: (node, a) => node.book.blockRequest(a.id) }),
  cancel: op({ args: [["ids", arrayOf(str)]], reply: cancelled, run: (node, a) => node.book.cancel(a.ids) }),
  cancelTo: op({ args: [["name", str]], reply: cancelled, run: (node, a) => node.book.cancelTo(who(node, a.name)) }),
  /** A new invite line (and what it holds). */
  createInvite: op({
    args: [["opts", object({ uses: num, expiresMs: num })]],
    reply: object({ text: str, invite: object({ name: str, peerId: str, addresses: anyArray, token: str, expires: num }) }),
    run: (node, a) => node.hints.createInvite(a.opts),
  }),
  /** Adds the inviter from its invite line and dials it with the token. */
  addInvite: op({ args: [["text", str], ["name", optional(str)]], reply: added, run: (node, a) => node.hints.addInvite(a.text, a.name) }),
  /** Adds a node heard on the LAN by its peer id. */
  addNearby: op({ args: [["id", str], ["name", optional(str)]], reply: added, run: (node, a) => node.nearby.add(a.id, a.name) }),
  /** Nodes heard on the LAN in the last 90 s. */
  nearby: op({ args: [], reply: arrayOf(object({ peerId: str, addresses: anyArray, lastHeard: num })), run: (node) => node.nearby.list() }),

  // Groups ('#alias' or 'alias' names one). Adding and removing is the creator's.
  groups: op({ args: [], reply: arrayOf(group), run: (node) => node.groupBook.list() }),
  groupCreate: op({ args: [["name", str], ["members", arrayOf(str)]], reply: group, run: (node, a) => node.groupBook.create(a.name, a.members.map((m) => who(node, m))) }),
  groupAdd: op({ args: [["group", str], ["contact", str]], reply: member, run: (node, a) => node.groupBook.add(a.group, who(node, a.contact)) }),
  groupRemove: op({ args: [["group", str], ["member", str]], reply: member, run: (node, a) => node.groupBook.remove(a.group, who(node, a.member)) }),
  groupLeave: op({ args: [["group", str]], reply: group, run: (node, a) => node.groupBook.leave(a.group) }),
  groupMembers: op({ args: [["group", str]], reply: arrayOf(member), run: (node, a) => node.groupBook.members(a.group) }),

  // Devices (node/devices/): this identity on several computers. Adding and revoking is an admin device's.
  /** Our devices: id, name, this one, admin, last seen, linked now (revoked ones with when). */
  devices: op({ args: [], reply: arrayOf(device), run: (node) => node.listDevices() }),
  /** A one-time line (`p2pchat-device:...`, 10 minutes) that makes its bearer a device of this identity; a `device` event says when it joined. */
  deviceAdd: op({
    args: [["opts", optional(object({ name: optional(str), admin: optional(bool) }))]],
    reply: object({ text: str, token: str, expires: num }),
    run: (node, a) => node.addDevice(a.opts ?? {}),
  }),
  /** Revokes a device of ours by name or id: signed by the identity, told to our devices and contacts, refused from then on. */
  deviceRevoke: op({ args: [["which", str]], reply: device, run: (node, a) => node.revokeDevice(a.which) }),

  // Files (node/files/). An id is a transfer's, or its first characters as `files` shows them.
  /** Offers the file at `path` (absolute: the node may run elsewhere on this machine) to a contact, or posts it in '#group'. */
  sendFile: op({ args: [["peer", str], ["path", str]], reply: file, run: (node, a) => node.files.send(who(node, a.peer), a.path) }),
  /** Transfers, newest first: with a contact, in a '#group', or all. */
  files: op({ args: [["filter", optional(str)]], reply: arrayOf(file), run: (node, a) => node.files.list(maybe(node, a.filter)) }),
  /** One transfer, by its id (or its first characters). */
  file: op({ args: [["id", str]], reply: file, run: (node, a) => node.files.info(a.id) }),
  fileAccept: op({ args: [["id", str]], reply: file, run: (node, a) => node.files.accept(a.id) }),
  fileReject: op({ args: [["id", str]], reply: file, run: (node, a) => node.files.reject(a.id) }),
  fileCancel: op({ args: [["id", str]], reply: file, run: (node, a) => node.files.cancel(a.id) }),
  /** Where received files go and what a contact may send unasked; changed (and saved for later runs) when given. */
  fileSettings: op({
    args: [["change", optional(object({ downloads: optional(nullable(str)), autoAcceptMiB: optional(num) }))]],
    reply: fileSettings,
    run(node, a) {
      const config = node.opts.local.config;
      const mib = a.change?.autoAcceptMiB;
      if (mib !== undefined && !(mib >= 0)) throw new NodeError("BAD_CONFIG", `the allowance is a number of MiB from 0 (0: always ask), not ${mib}`);
      if (a.change) {
        const next = updateConfig(node.home, a.change);
        Object.assign(config, { downloads: next.downloads, autoAcceptMiB: next.autoAcceptMiB });
      }
      return { downloads: downloadsFolder(node.home, config), autoAcceptMiB: config.autoAcceptMiB };
    },
  }),
});

export type OpName = keyof typeof OPS;

export const isOpName = (name: unknown): name is OpName => typeof name === "string" && Object.hasOwn(OPS, name);

/** Runs operation `name` on `node` with its arguments by name, typed (in this process). */
export async function runOp(node: ChatNode, name: OpName, args: Record<string, unknown>): Promise<unknown> {
  return await (OPS[name] as Op).run(node, args);
}

/** Runs a request from outside this process (the control socket, a web API): its arguments, untyped JSON, are checked first. */
export async function runRequest(node: ChatNode, name: OpName, raw: unknown): Promise<unknown> {
  return await runOp(node, name, parseArgs(name, OPS[name], raw));
}
