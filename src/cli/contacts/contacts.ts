import { defineCommand } from "citty";
import { formatHostPort } from "../../domain/host-port.ts";
import { formatContacts } from "../../ui/format.ts";
import { UsageError } from "../exit-codes.ts";
import { isInvite } from "../../protocol/invite-line.ts";
import { addAndLink } from "./add.ts";
import { ControlClient } from "../../control/client.ts";
import { withNode } from "../connect.ts";
import { withSession, local } from "../context.ts";
import { globalArgs } from "../args/globals.ts";
import { readIdLine } from "./id-line.ts";

const list = defineCommand({
  meta: { name: "list", description: "List contacts: name, address, peer id (or not pinned yet), blocked" },
  args: { json: { type: "boolean", description: "Print a JSON array" }, ...globalArgs },
  async run({ args }) {
    const contacts = await listContacts();
    if (args.json) {
      const out = contacts.map((c) => ({
        name: c.name,
        host: c.host,
        port: c.port,
        address: formatHostPort(c.host, c.port),
        peerId: c.peerId,
        blocked: c.blocked,
        legacy: c.legacy,
        addresses: c.addresses.map((a) => ({ address: formatHostPort(a.host, a.port), source: a.source, added: a.addedAt, lastWorked: a.lastOk, lastTried: a.lastTried, lastError: a.lastError })),
        discoveryKey: c.dkey,
        relays: c.relays,
      }));
      process.stdout.write(JSON.stringify(out, null, 2) + "\n");
    } else {
      process.stdout.write(formatContacts(contacts) + "\n");
    }
  },
});

const add = defineCommand({
  meta: {
    name: "add",
    description: "Add a contact: NAME HOST:PORT [PEER-ID], the line `p2pchat id` prints pasted as is (id and address in either order), or an invite line (`p2pchat invite`), optionally after a NAME",
  },
  args: {
    name: { type: "positional", description: "1 to 40 characters, no spaces (or an invite line)", required: true },
    address: { type: "positional", description: "HOST:PORT: IPv4, [IPv6] or a host name, then the port (or an invite line)", required: false },
    "peer-id": { type: "positional", description: "The peer id they gave you (before or after the address)", required: false },
    id: { type: "string", description: "The peer id they gave you (from `p2pchat id`)", valueHint: "PEER-ID" },
    legacy: { type: "boolean", description: "They run the original plaintext program (unencrypted, unauthenticated)" },
    ...globalArgs,
  },
  async run({ args }) {
    const invite = isInvite(args.name) ? { text: args.name, name: args.address || undefined } : args.address && isInvite(args.address) ? { text: args.address, name: args.name } : null;
    if (invite) {
      await addAndLink(invite.text, invite.name, { byId: false, seconds: 10 });
      return;
    }
    const words = [args.address, args["peer-id"]].filter((w): w is string => typeof w === "string" && w !== "");
    if (words.length === 0) throw new UsageError(`where is ${args.name}? p2pchat contacts add NAME HOST:PORT [PEER-ID], or paste their invite line`, "p2pchat contacts add");
    const { address, id } = readIdLine(args.name, words, args.id);
    const c = await withNode("contacts", (s) => s.addContact(args.name, address, { id, legacy: args.legacy }));
    const pin = c.peerId ? `pinned to ${c.peerId}` : "peer id not pinned yet: it will be on first contact";
    process.stdout.write(`added ${c.name} at ${formatHostPort(c.host, c.port)}, ${pin}\n`);
  },
});

const rm = defineCommand({
  meta: { name: "rm", description: "Remove a contact (its messages stay in the history); refused while messages to it wait, unless --drop-pending" },
  args: {
    name: { type: "positional", description: "Contact name", required: true },
    "drop-pending": { type: "boolean", description: "Withdraw the messages still waiting for this contact (kept in history as cancelled)" },
    ...globalArgs,
  },
  async run({ args }) {
    const r = await withNode("contacts", (s) => s.removeContact(args.name, { dropPending: args["drop-pending"] }));
    const dropped = r.cancelled > 0 ? ` (${r.cancelled} undelivered message${r.cancelled === 1 ? "" : "s"} withdrawn: shown as cancelled in history)` : "";
    process.stdout.write(`removed ${r.name ?? args.name}${dropped}\n`);
  },
});

const set = defineCommand({
  meta: { name: "set", description: "Change a contact's address or name; history and waiting messages stay with the same identity" },
  args: {
    name: { type: "positional", description: "Contact name", required: true },
    address: { type: "string", description: "Its new address", valueHint: "HOST:PORT" },
    rename: { type: "string", description: "Its new name", valueHint: "NEW" },
    ...globalArgs,
  },
  async run({ args }) {
    if (args.address === undefined && args.rename === undefined) throw new UsageError("nothing to change: give --address HOST:PORT and/or --rename NEW", "p2pchat contacts set");
    const c = await withNode("contacts", (s) => s.setContact(args.name, { address: args.address, rename: args.rename }));
    const what = [args.rename !== undefined && args.rename !== args.name ? `renamed ${args.name} to ${c.name}` : "", args.address !== undefined ? `${c.name} is at ${formatHostPort(c.host, c.port)}` : ""];
    process.stdout.write(what.filter(Boolean).join("; ") + "\n");
  },
});

function blockCommand(blocked: boolean) {
  const verb = blocked ? "block" : "unblock";
  return defineCommand({
    meta: {
      name: verb,
      description: blocked ? "Refuse this peer's links and hold your messages to it" : "Accept this peer again and release what you held for it",
    },
    args: { name: { type: "positional", description: "Contact name", required: true }, ...globalArgs },
    async run({ args }) {
      const c = await withNode("contacts", (s) => s.setBlocked(args.name, blocked));
      process.stdout.write(`${verb}ed ${c.name}\n`);
    },
  });
}

const pin = defineCommand({
  meta: { name: "pin", description: "Pin a contact to a peer id deliberately (after its identity changed)" },
  args: {
    name: { type: "positional", description: "Contact name", required: true },
    id: { type: "positional", description: "The peer id to trust from now on", required: true },
    "move-pending": { type: "boolean", description: "Messages written to the old identity and not delivered go to this one" },
    "drop-pending": { type: "boolean", description: "Withdraw the messages written to the old identity and not delivered (kept in history as cancelled)" },
    ...globalArgs,
  },
  async run({ args }) {
    if (args["move-pending"] && args["drop-pending"]) throw new UsageError("--move-pending or --drop-pending, not both", "p2pchat contacts pin");
    const pending = args["move-pending"] ? ("move" as const) : args["drop-pending"] ? ("drop" as const) : undefined;
    const { contact: c, moved, cancelled } = await withNode("contacts", (s) => s.pinContact(args.name, args.id, { pending }));
    const n = (k: number) => `${k} undelivered message${k === 1 ? "" : "s"}`;
    const note = cancelled > 0 ? ` (${n(cancelled)} to the old identity withdrawn: shown as cancelled in history)` : moved > 0 ? ` (${n(moved)} now go${moved === 1 ? "es" : ""} to this identity)` : "";
    process.stdout.write(`pinned ${c.name} to ${c.peerId}${note}\n`);
  },
});

const block = blockCommand(true);
const unblock = blockCommand(false);

export default defineCommand({
  meta: { name: "contacts", description: "The address book: list, add, rm, set, pin, block, unblock" },
  args: { ...globalArgs },
  subCommands: { list, add, rm, set, pin, block, unblock },
  default: "list",
});

/** From the running node when there is one, else straight from the database. */
async function listContacts() {
  const l = await local();
  const remote = await ControlClient.connect(l.home);
  if (remote) {
    try {
      return await remote.contacts();
    } finally {
      await remote.close();
    }
  }
  return withSession((s) => s.contacts());
}
